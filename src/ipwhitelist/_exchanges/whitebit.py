"""
WhiteBIT: a request from an unknown IP disables the key; only "possible".

Covers ccxt ``whitebit`` (the v4 private API, all ``POST`` with a signed
payload). Errors come as ``{"code": n, "message": ...}`` or, in older bodies,
``{"message": [[...]], "result": [], "success": false}``. WhiteBIT does not
name the IP: a request from an address outside the key's trusted IPs disables
the key, and that and every later request get "This action is unauthorized.
Enable your key in API settings", the same text as for a key disabled by
turning off 2FA or after 14 days without use.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "WhiteBIT"

_AUTH_ERRORS = (
    "https://github.com/whitebit-exchange/api-docs/blob/"
    "2725c9eb0eaa200fa7cb0d6cd861deb46c6a222b/pages/private/http-auth.mdx"
)

RULES = (
    Rule(
        name="whitebit-key-disabled",
        exchange="whitebit",
        message=r"Enable your key in API settings",
        kind="ip_not_whitelisted",
        # A disabled key: an unknown IP is one of three documented reasons.
        confidence="possible",
        source=_AUTH_ERRORS,
        description=(
            "'This action is unauthorized. Enable your key in API settings': the key "
            "is disabled; 'the API key will be disabled if the request is received "
            "from unknown IP (if IP access restrictions are turned on)'."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="whitebit",
    ip_whitelist=True,
    max_entries=50,
    sources=(
        "https://docs.whitebit.com/api-reference/sub-accounts/create-sub-account-api-key-ip-address",
    ),
)
