"""
Bitso: 0213 refuses the address; 0327/0328 refuse the requesting location.

Covers ccxt ``bitso``, which answers ``{"success": false, "error": {"code":
"<4 digits>", "message": "..."}}``. Among the authentication errors (HTTP
401), 0213 "IP address is not allowed to access this resource"; among the
validation errors (HTTP 400), 0327 "Service unavailable for requesting
location" and 0328 "Service unavailable for requesting country". 0211
("Device authentication failed (Invalid IP or expired Token)") is left alone:
it is a device check of the web app, not an API key's whitelist.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Bitso"

_AUTH_ERRORS = "https://docs.bitso.com/bitso-api/docs/authentication-error-02-http-401"
_VALIDATION_ERRORS = "https://docs.bitso.com/bitso-api/docs/validation-errors-03-http-400"

RULES = (
    Rule(
        name="bitso-0213-ip-not-allowed",
        exchange="bitso",
        code="0213",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_AUTH_ERRORS,
        description="0213 IP address is not allowed to access this resource (HTTP 401).",
    ),
    Rule(
        name="bitso-0327-requesting-location",
        exchange="bitso",
        code="0327",
        kind="geo_restricted",
        confidence="confirmed",
        source=_VALIDATION_ERRORS,
        description="0327 Service unavailable for requesting location (HTTP 400).",
    ),
    Rule(
        name="bitso-0328-requesting-country",
        exchange="bitso",
        code="0328",
        kind="geo_restricted",
        confidence="confirmed",
        source=_VALIDATION_ERRORS,
        description="0328 Service unavailable for requesting country (HTTP 400).",
    ),
)
