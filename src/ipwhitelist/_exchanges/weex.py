"""
WEEX: Binance-style ``code``/``msg`` errors; -1056 ILLEGAL_IP refuses the IP.

Covers ccxt ``weex`` (the V3 spot API on ``api-spot.weex.com`` and futures on
``api-contract.weex.com``), which answers ``{"code": <negative int>, "msg": ...}``.
-1056 ILLEGAL_IP is what a key bound to other addresses gets, including a
dual-stack host that reaches WEEX over IPv6 while only its IPv4 address is on
the key's list (WEEX takes IPv4 entries). WEEX documents no IP ban or region
block response.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "WEEX"

_PASSIVBOT = "https://github.com/enarjord/passivbot/pull/1397"

RULES = (
    Rule(
        name="weex-1056-illegal-ip",
        exchange="weex",
        code="-1056",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_PASSIVBOT,
        description=(
            "-1056 ILLEGAL_IP (Invalid IP address): private endpoints reject a request "
            "from an address that is not on the key's IP whitelist, e.g. the IPv6 "
            "address of a dual-stack host whose IPv4 address is whitelisted."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="weex",
    ip_whitelist=True,
    max_entries=10,
    ipv6=False,
    sources=("https://github.com/enarjord/passivbot/pull/1397",),
)
