"""
BYDFi: 101103 is Binance's -2015 text under BYDFi's own code.

Covers ccxt ``bydfi``, which answers ``{"code": <int>, "message": ...}``.
101103 "Invalid API-key, IP, or permissions for action." lumps a wrong key, a
wrong IP and missing permissions together, as Binance's -2015 does, so a match
alone is only "possible"; evidence (the egress IP against the documented
whitelist) raises it.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "BYDFi"

RULES = (
    Rule(
        name="bydfi-101103-key-ip-or-permissions",
        exchange="bydfi",
        code="101103",
        kind="ip_not_whitelisted",
        # A wrong key, a wrong IP or missing permissions alike.
        confidence="possible",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/bydfi.py",
        description=(
            "101103 Invalid API-key, IP, or permissions for action. (ccxt: `'101103': "
            'AuthenticationError,  # {"code":101103,"message":"Invalid API-key, IP, or '
            'permissions for action."}`)'
        ),
    ),
)
