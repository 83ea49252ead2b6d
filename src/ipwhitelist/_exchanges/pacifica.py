"""
Pacifica: HTTP 403 for a restricted region (or a missing access code).

Covers ccxt ``pacifica``, which answers ``{"success": false, "data": null,
"error": "...", "code": <status>}``. Pacifica's 403 means "no access
code/restricted region": the beta access-code refusal ("Beta access required.
Signer must redeem a valid beta code.") shares it, so only a 403 whose message
names a region, a country or a restriction is typed.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Pacifica"

RULES = (
    Rule(
        name="pacifica-403-restricted-region",
        exchange="pacifica",
        code="403",
        message=r"\brestricted\s+(?:region|location|jurisdiction)|\bregion\b|\bcountry\b",
        kind="geo_restricted",
        # Pacifica publishes the status, not the text of a region refusal.
        confidence="likely",
        source="https://docs.pacifica.fi/api-documentation/api/error-codes",
        description="403 Forbidden: no access code/restricted region (a region refusal only).",
    ),
)

LIMITS = ExchangeLimits(
    # agent/ip_whitelist/{list,add,remove,toggle}: an agent key's IP whitelist.
    exchange="pacifica",
    ip_whitelist=True,
    sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/pacifica.py",),
)
