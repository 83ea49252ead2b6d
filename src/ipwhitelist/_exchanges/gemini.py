"""
Gemini: a "Trusted IPs" allowlist, but no documented reason for a refusal.

Covers ccxt ``gemini``. Errors are ``{"result": "error", "reason":
"<CamelCase>", "message": ...}``, with the HTTP status giving the class (400
malformed or authentication, 403 missing role, 429 rate limit). Gemini
documents no ``reason`` for a refused IP, so there are no rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.limits import ExchangeLimits

if TYPE_CHECKING:
    from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Gemini"

# Sourced reasons for having no rules are above; add a rule with its source
# once the exchange documents (or a user quotes) the response.
RULES: tuple[Rule, ...] = ()

LIMITS = ExchangeLimits(
    exchange="gemini",
    ip_whitelist=True,
    # "IP Allowlist" with "Trusted IPs only", addresses added one at a time.
    sources=("https://help.3commas.io/en/articles/5539049",),
)
