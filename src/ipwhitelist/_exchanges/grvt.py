"""
GRVT: 1008 refuses an address outside the key's whitelist.

Covers ccxt ``grvt``, which answers ``{"code": <int>, "message": "...",
"status": <http status>}``. 1008 "Your IP has not been whitelisted for
access" is the refusal; GRVT documents no IP ban or region block code.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "GRVT"

RULES = (
    Rule(
        name="grvt-1008-ip-not-whitelisted",
        exchange="grvt",
        code="1008",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/grvt.py",
        description=(
            "1008 Your IP has not been whitelisted for access (ccxt: `'1008': "
            'PermissionDenied,  # "Your IP has not been whitelisted for access"`).'
        ),
    ),
)

LIMITS = ExchangeLimits(
    # 1008: the key's IP whitelist.
    exchange="grvt",
    ip_whitelist=True,
    sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/grvt.py",),
)
