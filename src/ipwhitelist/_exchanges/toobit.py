"""
Toobit: Binance's error dialect, without deriving from ccxt's ``binance``.

Covers ccxt ``toobit`` (spot and USDT-M futures on ``api.toobit.com``), which
answers ``{"code": <negative int>, "msg": ...}``. Toobit's error table is
Binance's (-2015 REJECTED_MBX_KEY "Invalid API-key, IP, or permissions for
action.", -1003 "IP banned until %s"), so Binance's rules apply (see
`DIALECTS`); its -1005 is NO_PERMISSION and it has no -1011. -1023
BIND_IP_WHITE_LIST_FIRST ("Please set IP whitelist before using API") is left
alone, like Bitget's 22010: the key has no IP whitelist at all, which is a
key setting, not a refusal of the request's address.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits

__all__ = ["DIALECTS", "LIMITS", "RULES", "TITLE"]

TITLE = "Toobit"

_ERRORS = "https://toobit-docs.github.io/apidocs/spot/v1/en/#error-codes"

DIALECTS = {"binance": _ERRORS}

RULES = ()

LIMITS = ExchangeLimits(
    # -1023 BIND_IP_WHITE_LIST_FIRST: API use needs an IP whitelist.
    exchange="toobit",
    ip_whitelist=True,
    sources=("https://toobit-docs.github.io/apidocs/spot/v1/en/#error-codes",),
)
