"""
Upbit: ``no_authorization_ip`` means the IP is not among the key's allowed IPs.

Covers ccxt ``upbit``. Errors are ``{"error": {"name": "no_authorization_ip",
"message": "…"}}`` with HTTP 401; the message may be Korean or English ("This
is not a verified IP."), and the address is not echoed. The body parser does
not read ``name``, so the rule looks for it in the raw body; ccxt raises
ExchangeError.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Upbit"

RULES = (
    Rule(
        name="upbit-no-authorization-ip",
        exchange="upbit",
        # The older error table spells the name no_authorization_i_p.
        message=r"\bno_authorization_i_?p\b|\bnot a verified IP\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://docs.upbit.com/kr/reference/rest-api-guide",
        description=(
            "401 no_authorization_ip: 허용되지 않은 IP 주소입니다 (IP address not allowed); "
            "seen in English as 'This is not a verified IP.'"
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="upbit",
    ip_whitelist=True,
    max_entries=10,
    sources=("https://docs.upbit.com/changelog/improved_ip_count",),
)
