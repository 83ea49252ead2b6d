"""
Delta Exchange: ``ip_not_whitelisted_for_api_key`` and ``ip_blocked_for_api_key``.

Covers ccxt ``delta``. Errors are ``{"success": false, "error": {"code":
"<name>", "context": {…}}}`` with a name for a code; ``ip_blocked_for_api_key``
carries the address Delta saw in ``error.context.client_ip`` (often the IPv6
one). ccxt maps neither code and raises ExchangeError.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Delta Exchange"

RULES = (
    Rule(
        name="delta-ip-not-whitelisted-for-api-key",
        exchange="delta",
        code="ip_not_whitelisted_for_api_key",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=(
            "https://github.com/delta-exchange/slate/blob/"
            "7f0d2d00f05961c70a6fed755688b1b36ae6db20/source/includes/_authentication.md"
        ),
        description=(
            "IP Not Whitelisted Error: the request originates from an IP not allowed "
            "for the given API key."
        ),
    ),
    Rule(
        name="delta-ip-blocked-for-api-key",
        exchange="delta",
        code="ip_blocked_for_api_key",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/delta-exchange/python-rest-client/issues/47",
        description=(
            "{'code': 'ip_blocked_for_api_key', 'context': {'client_ip': ...}}: "
            "fixed by whitelisting the reported (often IPv6) address."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="delta",
    ip_whitelist=True,
    ipv6=True,
    sources=(
        "https://github.com/delta-exchange/slate/blob/7f0d2d00f05961c70a6fed755688b1b36ae6db20/source/includes/_authentication.md",
    ),
)
