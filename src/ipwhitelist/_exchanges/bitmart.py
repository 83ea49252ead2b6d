"""
BitMart: 30010 and 40006 refuse the address; 53008 and 40047 refuse the region.

Covers ccxt ``bitmart``, which answers ``{"message": ..., "code": <int>,
"trace": ..., "data": {}}``. BitMart's error list gives 30010 "IP is
forbidden. We recommend enabling IP whitelist for API trading. After that
reauth your account" with HTTP 403 among the authentication errors, and 40006
"Invalid ip error" among the futures errors. 53008 and 40047 ("Services is not
available in your countries and areas") refuse the place the request comes
from; 53001 ("Your kyc country is restricted") names the account's KYC
country and is left alone. ccxt 4.5.90 no longer ships ``bitmart``: the rules
serve bots on the earlier releases ipwhitelist supports.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "BitMart"

_ERRORS = "https://developer-pro.bitmart.com/en/error/"

RULES = (
    Rule(
        name="bitmart-30010-ip-forbidden",
        exchange="bitmart",
        code="30010",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="30010 IP is forbidden; BitMart recommends an IP whitelist (HTTP 403).",
    ),
    Rule(
        name="bitmart-40006-invalid-ip",
        exchange="bitmart",
        code="40006",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="40006 Invalid ip error (futures).",
    ),
    Rule(
        name="bitmart-53008-region",
        exchange="bitmart",
        code="53008",
        kind="geo_restricted",
        # The text names the place, not the account's KYC country (53001 does).
        confidence="likely",
        source=_ERRORS,
        description="53008 Services is not available in your countries and areas (spot).",
    ),
    Rule(
        name="bitmart-40047-region",
        exchange="bitmart",
        code="40047",
        kind="geo_restricted",
        confidence="likely",
        source=_ERRORS,
        description="40047 Services is not available in your countries and areas (futures).",
    ),
)
