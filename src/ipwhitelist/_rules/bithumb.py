"""
Bithumb: the JWT API's ``NotAllowIP`` and the legacy API's "(Access IP)".

Covers ccxt ``bithumb``. The current API (v2.1, JWT-signed) answers
``{"error": {"name": "<code>", "message": "..."}}`` and refuses an address
outside the key's allowed IPs with HTTP 401 ``NotAllowIP`` ("not allowed
client IP"). The legacy API (v1.2, HMAC-signed, still called by older bots and
by ccxt's private methods) answers ``{"status": "<4 digits>", "message":
"..."}`` and says "Method Not Allowed.(Access IP)" for the same refusal.
Bithumb documents no IP ban or region block response.
"""

from __future__ import annotations

from . import Rule

TITLE = "Bithumb"

_ERRORS = "https://apidocs.bithumb.com/docs/api-%EC%A3%BC%EC%9A%94-%EC%97%90%EB%9F%AC-%EC%BD%94%EB%93%9C"

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
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/bithumb.py",
        description=(
            "Legacy API (v1.2): 'Method Not Allowed.(Access IP)', the status-5302 refusal of "
            "an address the key does not allow (ccxt: `'Method Not Allowed.(Access IP)': "
            "PermissionDenied`)."
        ),
    ),
)
