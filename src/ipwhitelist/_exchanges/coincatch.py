"""
CoinCatch: Bitget's error dialect, without deriving from ccxt's ``bitget``.

Covers ccxt ``coincatch``, which answers Bitget's ``{"code": "<5 digits>",
"msg": ...}`` with Bitget's codes and texts (40018 "Illegal IP request",
40012 "apikey/passphrase is incorrect", 40014 "Incorrect permissions"), so
Bitget's rules apply (see `DIALECTS`). ccxt 4.5.90 no longer ships
``coincatch``: the dialect serves bots on the earlier releases ipwhitelist
supports.
"""

from __future__ import annotations

__all__ = ["DIALECTS", "RULES", "TITLE"]

TITLE = "CoinCatch"

# ccxt's map for CoinCatch is Bitget's error table, each code with Bitget's text.
DIALECTS = {"bitget": "https://app.unpkg.com/ccxt@4.4.87/files/js/src/coincatch.js"}

RULES = ()
