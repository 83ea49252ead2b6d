"""
HashKey Global: 0202 "Invalid IP".

Covers ccxt ``hashkey``, which answers ``{"code": "<code>", "msg": "..."}``
(codes such as "0202" keep their leading zero). 0202 "Invalid IP" refuses an
address outside the key's IP whitelist, as Bitget's 40018 "Invalid IP" does.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "HashKey"

RULES = (
    Rule(
        name="hashkey-0202-invalid-ip",
        exchange="hashkey",
        code="0202",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/hashkey.py",
        description="0202 Invalid IP (ccxt: `'0202': PermissionDenied,  # Invalid IP`).",
    ),
)
