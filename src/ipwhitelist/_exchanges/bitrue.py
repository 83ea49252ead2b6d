"""
Bitrue: Binance-style codes, an ambiguous -2015 and two IP-country bans.

Covers ccxt ``bitrue`` (spot on ``www.bitrue.com/api``, USDT-M and COIN-M
futures on ``fapi.bitrue.com``), which answers ``{"code": <negative int>,
"msg": ...}``. -2015 "Invalid API key, IP, or permission" lumps a wrong key, a
wrong IP and missing permissions together, as on Binance. The futures API
refuses IPs by country with -2101 (forcibly banned) and -2102 (soft-banned),
and answers HTTP 418 once an IP is auto-banned for ignoring 429s.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Bitrue"

_FUTURES_ERRORS = (
    "https://github.com/Bitrue-exchange/USDT-M-Future-open-api-docs/blob/main/v2/ErrorCodeList.md"
)
_FUTURES_README = (
    "https://github.com/Bitrue-exchange/USDT-M-Future-open-api-docs/blob/main/README.md"
)

RULES = (
    Rule(
        name="bitrue-2015",
        exchange="bitrue",
        code="-2015",
        kind="ip_not_whitelisted",
        # A wrong key, a wrong IP or missing permissions alike.
        confidence="possible",
        source=_FUTURES_ERRORS,
        description=(
            "-2015 Invalid API key, IP, or permission (spot: 'Invalid API-key, IP, or "
            "permissions for action.')."
        ),
    ),
    Rule(
        name="bitrue-2101-country-banned",
        exchange="bitrue",
        code="-2101",
        kind="geo_restricted",
        confidence="confirmed",
        source=_FUTURES_ERRORS,
        description="-2101 User IP is non-compliant and the country is forcibly banned.",
    ),
    Rule(
        name="bitrue-2102-country-soft-banned",
        exchange="bitrue",
        code="-2102",
        kind="geo_restricted",
        confidence="confirmed",
        source=_FUTURES_ERRORS,
        description="-2102 User IP is soft-banned in the country.",
    ),
    Rule(
        name="bitrue-418-ip-auto-banned",
        exchange="bitrue",
        http_status=418,
        kind="ip_banned",
        # The docs give the status only; no 418 body has been published.
        confidence="likely",
        source=_FUTURES_README,
        description=(
            "HTTP 418: 'an IP has been auto-banned for continuing to send requests "
            "after receiving 429 codes' (bans last from 2 minutes to 3 days)."
        ),
    ),
)
