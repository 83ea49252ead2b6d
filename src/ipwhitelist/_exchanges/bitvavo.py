"""
Bitvavo: errorCode 307 refuses the key's IP; 105 bans an IP or a key.

Covers ccxt ``bitvavo``. Errors are ``{"errorCode": 307, "error": "This key
does not allow access from this IP."}``; the address is not echoed. 105 ("Your
IP or API key has been banned ... The ban expires at <ms>") does not say which
of the two was banned, so it is only *likely* an IP ban.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Bitvavo"

RULES = (
    Rule(
        name="bitvavo-307-ip-not-allowed",
        exchange="bitvavo",
        code="307",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/bitvavo/python-bitvavo-api/issues/7",
        description="307: This key does not allow access from this IP.",
    ),
    Rule(
        name="bitvavo-105-banned",
        exchange="bitvavo",
        code="105",
        kind="ip_banned",
        # The same code covers a banned API key; the text does not say which.
        confidence="likely",
        source="https://support.bitvavo.com/hc/de/articles/10122205636753-API-Fehlermeldungen",
        description=(
            "105: Your IP or API key has been banned for not respecting the rate limit. "
            "The ban expires at ${expiryInMs}."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="bitvavo",
    ip_whitelist=True,
    sources=(
        "https://support.bitvavo.com/l/en/article/on9e1brlqq-what-are-api-keys-and-how-do-i-make-one",
    ),
)
