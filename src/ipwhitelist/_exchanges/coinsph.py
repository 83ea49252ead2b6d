"""
Coins.ph: Binance's error dialect, without deriving from ccxt's ``binance``.

Covers ccxt ``coinsph`` (``api.pro.coins.ph``), which answers
``{"code": <negative int>, "msg": ...}``. Its error table is Binance's
(-2015 REJECTED_MBX_KEY "Invalid API-key, IP, or permissions for action.",
-1003 "Way too many requests; IP banned until %s"), so Binance's rules apply
(see `DIALECTS`). -1023 BIND_IP_WHITE_LIST_FIRST ("Please set IP whitelist
before using API.") is left alone, like Bitget's 22010: the key has no IP
whitelist at all, which is a key setting, not a refusal of the request's
address.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits

__all__ = ["DIALECTS", "LIMITS", "RULES", "TITLE"]

TITLE = "Coins.ph"

_ERRORS = "https://coins-docs.github.io/errors/"

DIALECTS = {"binance": _ERRORS}

RULES = ()

LIMITS = ExchangeLimits(
    # -1023 BIND_IP_WHITE_LIST_FIRST: API use needs an IP whitelist.
    exchange="coinsph",
    ip_whitelist=True,
    sources=("https://coins-docs.github.io/errors/",),
)
