"""
One Trading: the key's IP restriction, and a blocked client IP.

Covers ccxt ``onetrading`` (formerly Bitpanda Pro), which answers
``{"error": "<CODE>"}``. INVALID_IP_RESTRICTION is one of the checks of the
API key's token (with INVALID_SCOPES, INVALID_DEVICE_ID, ...): the request's
address does not satisfy the key's IP restriction. CLIENT_IP_BLOCKED refuses
the address itself; One Trading does not say whether it is a ban or a block
list, so that match is only "possible".
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "One Trading"

_CCXT = "https://github.com/ccxt/ccxt/blob/master/python/ccxt/onetrading.py"

RULES = (
    Rule(
        name="onetrading-invalid-ip-restriction",
        exchange="onetrading",
        message=r"\bINVALID_IP_RESTRICTION\b",
        kind="ip_not_whitelisted",
        # Known from ccxt's map (among the key token's checks), not from a text.
        confidence="likely",
        source=_CCXT,
        description=(
            "INVALID_IP_RESTRICTION (ccxt: `'INVALID_IP_RESTRICTION': AuthenticationError`)."
        ),
    ),
    Rule(
        name="onetrading-client-ip-blocked",
        exchange="onetrading",
        message=r"\bCLIENT_IP_BLOCKED\b",
        kind="ip_banned",
        # A ban or a block list: One Trading publishes no text for it.
        confidence="possible",
        source=_CCXT,
        description="CLIENT_IP_BLOCKED (ccxt: `'CLIENT_IP_BLOCKED': PermissionDenied`).",
    ),
)

LIMITS = ExchangeLimits(
    # INVALID_IP_RESTRICTION: the API key's IP restriction.
    exchange="onetrading",
    ip_whitelist=True,
    sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/onetrading.py",),
)
