"""
CoinEx: the key's whitelist limits only.

Covers ccxt ``coinex``. No rule table: how CoinEx refuses an IP has not
been researched yet, so its rejections pass through untyped.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits

__all__ = ["LIMITS", "TITLE"]

TITLE = "CoinEx"

LIMITS = ExchangeLimits(
    exchange="coinex",
    ip_whitelist=True,
    max_entries=50,
    sources=("https://docs.coinex.com/api/v2/account/subs/http/create-sub-api",),
)
