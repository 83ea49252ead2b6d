"""
BitTrade (formerly Huobi Japan): HTX's error dialect, without deriving from ccxt's ``htx``.

Covers ccxt ``bittrade``, which answers HTX's spot envelope
``{"status": "error", "err-code": "<code>", "err-msg": "..."}`` with HTX's
codes (``api-signature-not-valid``, ``bad-request``,
``api-not-support-temp-addr`` ...). HTX's rules apply (see `DIALECTS`): a key
used from an address outside its whitelist is refused as
``api-signature-not-valid`` with "Incorrect IP address", and only that text
tells the IP refusal apart from a bad signature.
"""

from __future__ import annotations

__all__ = ["DIALECTS", "RULES", "TITLE"]

TITLE = "BitTrade"

# ccxt's map for BitTrade holds HTX's spot err-codes; its handle_errors reads
# HTX's err-code/err-msg envelope.
DIALECTS = {"htx": "https://github.com/ccxt/ccxt/blob/master/python/ccxt/bittrade.py"}

RULES = ()
