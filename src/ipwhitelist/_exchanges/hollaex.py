"""
HollaEx: ``{"message": ...}`` bodies; the IP refusal is told by its text.

Covers ccxt ``hollaex`` (the HollaEx Kit API that white-label exchanges run,
``/v2`` paths). Errors carry only a ``message``; authentication failures come
with HTTP 401 and the text "Access denied: ...". A key whose IP whitelist is
enabled refuses other addresses with "The IP address you are reaching this
endpoint through is not allowed to access this endpoint". The Cloudflare
"has banned your IP address" page in front of some kits is covered by the
rules for every exchange.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "HollaEx"

_KIT_MESSAGES = "https://github.com/hollaex/hollaex-kit/blob/master/server/messages.js"

RULES = (
    Rule(
        name="hollaex-ip-not-whitelisted",
        exchange="hollaex",
        message=r"IP address you are reaching this endpoint through is not allowed",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_KIT_MESSAGES,
        description=(
            "API_KEY_NOT_WHITELISTED (HTTP 401): 'Access denied: Unauthorized Access. "
            "The IP address you are reaching this endpoint through is not allowed to "
            "access this endpoint'."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="hollaex",
    ip_whitelist=True,
    # Kit keys carry whitelisted_ips, matched with ip-range-check.
    cidr=True,
    sources=(
        "https://github.com/hollaex/hollaex-kit/blob/master/server/api/swagger/user.yaml",
        "https://github.com/hollaex/hollaex-kit/blob/master/server/tools/security.js",
    ),
)
