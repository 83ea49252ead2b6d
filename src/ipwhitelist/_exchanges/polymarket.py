"""
Polymarket: the CLOB refuses orders from a blocked region with HTTP 403.

Covers ccxt ``polymarket``. The CLOB answers ``{"error": "..."}``; an order
sent from an IP in a blocked or close-only jurisdiction gets 403 "Trading
restricted in your region, please refer to available regions". Polymarket
checks the requesting IP (its ``/api/geoblock`` endpoint reports the IP,
country and region it sees). ``ip_rate_limited`` is a rate limit, not a
ban, and is left alone.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Polymarket"

RULES = (
    Rule(
        name="polymarket-trading-restricted-region",
        exchange="polymarket",
        message=r"trading restricted in your region",
        kind="geo_restricted",
        confidence="confirmed",
        source="https://docs.polymarket.com/developers/CLOB/geoblock",
        description=(
            "403 Trading restricted in your region, please refer to available regions "
            "(the requesting IP's country or region is blocked)."
        ),
    ),
)
