"""
Tokocrypto: Binance's error dialect, without deriving from ccxt's ``binance``.

Covers ccxt ``tokocrypto``, whose open API answers Binance's
``{"code": <negative int>, "msg": ...}`` with Binance's codes and texts
(-2015 "Invalid API-key, IP, or permissions for action.", -1011 "This IP
cannot access this route.", -1003 "IP banned until <ms>"). Binance's rules
apply (see `DIALECTS`). ccxt's ``handle_errors`` for Tokocrypto has
Binance's trap: once ``options["hasAlreadyAuthenticatedSuccessfully"]`` is
set, -2015 is raised as ``DDoSProtection``. ccxt sets that option only in
Binance's own ``request()``, so on Tokocrypto it is set only by the user; the
rule types -2015 either way, with the same confidence handling as on Binance.
"""

from __future__ import annotations

__all__ = ["DIALECTS", "RULES", "TITLE"]

TITLE = "Tokocrypto"

# ccxt's map for Tokocrypto is Binance's error table, each code with Binance's text.
DIALECTS = {"binance": "https://github.com/ccxt/ccxt/blob/master/python/ccxt/tokocrypto.py"}

RULES = ()
