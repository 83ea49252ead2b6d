"""
Aster: Binance's futures error dialect, without deriving from ccxt's ``binance``.

Covers ccxt ``aster`` (Aster DEX futures on ``fapi.asterdex.com`` and spot on
``sapi.asterdex.com``), which answers ``{"code": <negative int>, "msg": ...}``
with Binance's codes: -1011 NON_WHITE_LIST ("This IP cannot access this
route."), -2015 for a wrong key, IP or permissions, and -1003 "IP banned
until <ms>". Binance's rules apply (see `DIALECTS`), and so does the
ambiguity of -2015. ccxt's ``aster`` never sets
``hasAlreadyAuthenticatedSuccessfully``, so its -2015 always arrives as
ccxt's mapped class, never as ``DDoSProtection``.
"""

from __future__ import annotations

__all__ = ["DIALECTS", "RULES", "TITLE"]

TITLE = "Aster"

# Aster's futures API documents Binance's error codes and texts.
DIALECTS = {
    "binance": (
        "https://github.com/asterdex/api-docs/blob/master/"
        "V3%28Recommended%29/EN/aster-finance-futures-api-v3.md"
    ),
}

RULES = ()
