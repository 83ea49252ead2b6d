"""
Crypto.com Exchange: code 40103 ``IP_ILLEGAL`` means the IP is not whitelisted.

Covers ccxt ``cryptocom``. Errors are ``{"id": …, "method": …, "code": 40103,
"message": "IP_ILLEGAL"}`` with HTTP 401; the message is the reason's short
name, and the address is not echoed. ccxt raises AuthenticationError for it.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Crypto.com"

# A copy of "Response and Reason Codes" of exchange-docs.crypto.com (Exchange v1).
_ERRORS = (
    "https://github.com/rosssaunders/coincise/blob/"
    "c836b49695f84aa1216c5494ecc2f8063418da5b/docs/cryptocom/error_codes.md"
)

RULES = (
    Rule(
        name="cryptocom-40103-ip-illegal",
        exchange="cryptocom",
        code="40103",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="40103 IP_ILLEGAL (HTTP 401): IP address not whitelisted.",
    ),
)

LIMITS = ExchangeLimits(
    exchange="cryptocom",
    ip_whitelist=True,
    # A copy of the Exchange v1 docs' "Authentication" section.
    sources=(
        "https://github.com/rosssaunders/coincise/blob/c836b49695f84aa1216c5494ecc2f8063418da5b/docs/cryptocom/authentication.md",
    ),
)
