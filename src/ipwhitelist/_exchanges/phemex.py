"""
Phemex: HTTP 401 "Request IP mismatch." refuses the address without naming it.

Covers ccxt ``phemex`` (contract, hedged-perpetual and spot REST share the
``code``/``msg``/``data`` envelope). A key bound to other addresses answers
HTTP 401 with code ``"401"`` and "401 Request IP mismatch.", without the
address; ccxt raises it as AuthenticationError because the exact code 401 is
matched before its own "Request IP mismatch" entry. Phemex's IP rate limit
(5,000 requests per 5 minutes, then blocked for 5 minutes) has no documented
body of its own, so it is not typed.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Phemex"

RULES = (
    Rule(
        name="phemex-request-ip-mismatch",
        exchange="phemex",
        message=r"\brequest\s+ip\s+mismatch\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/issues/19938",
        description=(
            'HTTP 401 {"code": "401","msg": "401 Request IP mismatch."}: '
            "the key is bound to other IP addresses (phemex/phemex-python-api#7)."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="phemex",
    ip_whitelist=True,
    sources=("https://phemex.com/help-center/how-to-share-api-keys-from-Main-to-Sub",),
)
