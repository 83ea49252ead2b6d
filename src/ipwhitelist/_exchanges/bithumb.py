"""
Bithumb: the JWT API's ``NotAllowIP`` and the legacy API's "(Access IP)".

Covers ccxt ``bithumb``. The current API (v2.1, JWT-signed) answers
``{"error": {"name": "<code>", "message": "..."}}`` and refuses an address
outside the key's allowed IPs with HTTP 401 ``NotAllowIP`` ("not allowed
client IP"). The legacy API (v1.2, HMAC-signed, still called by older bots and
by ccxt's private methods) answers ``{"status": "<4 digits>", "message":
"..."}``, says "Method Not Allowed.(Access IP)" (5302) for the same refusal
and "접속 차단된 IP입니다." (5600) for a blocked IP. Its 5600 "Not Allow IP" is
not about the address: a key of the wrong type (Club B) called the API.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Bithumb"

_ERRORS = (
    "https://apidocs.bithumb.com/docs/api-%EC%A3%BC%EC%9A%94-%EC%97%90%EB%9F%AC-%EC%BD%94%EB%93%9C"
)
_LEGACY_ERRORS = "https://apidocs.bithumb.com/v1.2.0/docs/api-%EC%A3%BC%EC%9A%94-%EC%97%90%EB%9F%AC-%EC%BD%94%EB%93%9C"

RULES = (
    Rule(
        name="bithumb-notallowip",
        exchange="bithumb",
        code="NotAllowIP",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="401 NotAllowIP: not allowed client IP (API v2.1).",
    ),
    Rule(
        name="bithumb-legacy-access-ip",
        exchange="bithumb",
        message=r"Method Not Allowed\.?\s*\(Access IP\)",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_LEGACY_ERRORS,
        description=(
            "Legacy API (v1.2): 5302 'Method Not Allowed.(Access IP)' (접속 허용 IP가 아님: not "
            "an allowed IP for the key)."
        ),
    ),
    Rule(
        name="bithumb-legacy-blocked-ip",
        exchange="bithumb",
        message=r"접속 차단된 IP",
        kind="ip_banned",
        # Bithumb says the IP is blocked, not for how long or why.
        confidence="likely",
        source=_LEGACY_ERRORS,
        description=(
            "Legacy API (v1.2): 5600 '접속 차단된 IP입니다.' (this IP is blocked from access). "
            "5600 'Not Allow IP' is different: a non-Club-B key calling the Club B API."
        ),
    ),
)

LIMITS = ExchangeLimits(
    # NotAllowIP: the key's allowed client IPs.
    exchange="bithumb",
    ip_whitelist=True,
    sources=(
        "https://apidocs.bithumb.com/docs/api-%EC%A3%BC%EC%9A%94-%EC%97%90%EB%9F%AC-%EC%BD%94%EB%93%9C",
    ),
)
