"""
Derive: a session key's IP whitelist (14029) and a restricted region (16000).

Covers ccxt ``derive`` (formerly Lyra), whose REST and websocket API are
JSON-RPC: ``{"id": ..., "error": {"code": <int>, "message": "..."}}``.
14029 refuses a request whose session key is bound to other IPs; 16000 refuses
the region the request comes from under Derive's terms of service.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Derive"

_CCXT = "https://github.com/ccxt/ccxt/blob/master/python/ccxt/derive.py"

RULES = (
    Rule(
        name="derive-14029-session-key-ip",
        exchange="derive",
        code="14029",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_CCXT,
        description=(
            "14029 Session key IP not whitelisted (ccxt: `'14029': AuthenticationError,  # "
            "Session key IP not whitelisted`)."
        ),
    ),
    Rule(
        name="derive-16000-restricted-region",
        exchange="derive",
        code="16000",
        kind="geo_restricted",
        # The region may come from the IP or from the account's declaration.
        confidence="likely",
        source=_CCXT,
        description=(
            "16000 You are in a restricted region that violates our terms of service. (ccxt: "
            "`'16000': AuthenticationError`)"
        ),
    ),
)

LIMITS = ExchangeLimits(
    # 14029: a session key's IP whitelist.
    exchange="derive",
    ip_whitelist=True,
    sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/derive.py",),
)
