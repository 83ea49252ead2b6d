"""
Deribit: a country block (12005) is typed; a key's IP whitelist has no error code of its own.

Covers ccxt ``deribit``. Errors are JSON-RPC 2.0 objects,
``{"jsonrpc": "2.0", "error": {"code": 12005, "message": "country_is_banned"}}``,
and ccxt maps the code. Deribit's error table has no code for a key's
``ip_whitelist``; a refused request is not told apart from ``13009
unauthorized`` (bad signature or expired token), so only ``12005`` has a rule.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Deribit"

# A copy of the RPC error table of docs.deribit.com (API v2.1.1).
_ERRORS = (
    "https://github.com/rosssaunders/coincise/blob/"
    "c51c3596780fd30b9a4ae075d28b5876e43548ab/docs/deribit/error_codes.md"
)

RULES = (
    Rule(
        name="deribit-12005-country-is-banned",
        exchange="deribit",
        code="12005",
        kind="geo_restricted",
        # "possibly via IP check": the country may also come from the account.
        confidence="likely",
        source=_ERRORS,
        description="12005 country_is_banned: The country is banned (possibly via IP check).",
    ),
)

LIMITS = ExchangeLimits(
    exchange="deribit",
    ip_whitelist=True,
    sources=("https://docs.deribit.com/api-reference/account-management/private-edit_api_key",),
)
