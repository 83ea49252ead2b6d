"""
Coinbase International Exchange: "ip not allowed" in the error title.

Covers ccxt ``coinbaseinternational``, whose REST API answered errors as
``{"title": "<text>", "status": <HTTP status>}``; ccxt up to the 4.4 line
maps a title containing "ip not allowed" to ``AuthenticationError``: the key
is used from an address its allowlist does not hold. The rule reads the text
from the body, so it types the refusal whatever class a ccxt release raises.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Coinbase International"

RULES = (
    Rule(
        name="coinbaseinternational-ip-not-allowed",
        exchange="coinbaseinternational",
        message=r"\bip not allowed\b",
        kind="ip_not_whitelisted",
        # ccxt's map is the source; Coinbase's INTX docs list no error texts.
        confidence="likely",
        source="https://app.unpkg.com/ccxt@4.4.87/files/js/src/coinbaseinternational.js",
        description="A title containing 'ip not allowed' (HTTP 401).",
    ),
)
