"""
Foxbit: 2005 says the address is not on the key's trusted list.

Covers ccxt ``foxbit`` (REST v3), which answers ``{"error": {"code": <int>,
"message": "...", "details": [...]}}``. 2005 "IP not allowed. The IP address
<ip> isn't on the trusted list for this API key." names the address Foxbit
saw. ccxt's exception text keeps the message and the details but not the
code, so the message has a rule of its own.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Foxbit"

_CCXT = "https://github.com/ccxt/ccxt/blob/master/python/ccxt/foxbit.py"

RULES = (
    Rule(
        name="foxbit-2005-ip-not-allowed",
        exchange="foxbit",
        code="2005",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_CCXT,
        description=(
            "2005 IP not allowed. The IP address {IP_ADDR} isn't on the trusted list for this "
            "API key. (ccxt: `'2005': PermissionDenied`)"
        ),
    ),
    Rule(
        name="foxbit-trusted-list-message",
        exchange="foxbit",
        message=r"isn't on the trusted list for this API key|\bIP not allowed\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_CCXT,
        description="The 2005 message without its code (ccxt's exception text drops it).",
    ),
)

LIMITS = ExchangeLimits(
    # 2005: the API key's trusted list of addresses.
    exchange="foxbit",
    ip_whitelist=True,
    sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/foxbit.py",),
)
