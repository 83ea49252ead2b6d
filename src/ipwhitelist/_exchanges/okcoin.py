"""
Okcoin: OKX's error dialect, without deriving from ccxt's ``okx``.

Covers ccxt ``okcoin``, whose v5 API answers OKX's ``{"code": "<5 digits>",
"msg": ..., "data": [...]}`` with OKX's codes and texts (50110 "Invalid IP",
per-order ``sCode``/``sMsg``), so OKX's rules apply (see `DIALECTS`). 50035
(the endpoint needs a key bound to an IP) and 50041 (the user is not on a
feature's whitelist) are left alone: neither refuses the request's address.
ccxt 4.5.90 no longer ships ``okcoin``: the dialect serves bots on the
earlier releases ipwhitelist supports.
"""

from __future__ import annotations

__all__ = ["DIALECTS", "RULES", "TITLE"]

TITLE = "Okcoin"

DIALECTS = {"okx": "https://www.okcoin.com/docs-v5/en/#error-code"}

RULES = ()
