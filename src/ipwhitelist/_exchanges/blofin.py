"""
BloFin: OKX-style string ``code``/``msg``; 152406 refuses the IP.

Covers ccxt ``blofin`` (``openapi.blofin.com``). Errors come with HTTP 200 and
``{"code": "<code>", "msg": ...}``; per-order failures repeat the pair inside
``data``. 152406 "Your IP is not included in your API key's IP whitelist"
refuses an address outside the key's list (up to 20 IPs). The per-IP rate
limit suspends service for 5 minutes or an hour, but its 429 "Too Many
Requests" does not say so, so it is left alone.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "BloFin"

_ERRORS = "https://github.com/blofin/blofin-api-docs/blob/main/_includes/errors.md"

RULES = (
    Rule(
        name="blofin-152406-ip-not-whitelisted",
        exchange="blofin",
        code="152406",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="152406 Your IP is not included in your API key's IP whitelist.",
    ),
    Rule(
        name="blofin-ip-whitelist-message",
        exchange="blofin",
        message=r"not included in your API key'?s IP whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="The 152406 message without its code (e.g. inside a batch's data items).",
    ),
)

LIMITS = ExchangeLimits(
    exchange="blofin",
    ip_whitelist=True,
    max_entries=20,
    sources=("https://github.com/blofin/blofin-api-docs/blob/main/index.md",),
)
