"""
Binance: one ``code``/``msg`` error scheme for every product.

Covers ccxt ``binance`` and everything derived from it: ``binanceusdm``
(USDⓈ-M futures), ``binancecoinm`` (COIN-M futures) and ``binanceus``. Spot,
margin, futures, portfolio margin and options share one ``code``/``msg``
error scheme; -2015 is ambiguous (see
[Why -2015 is ambiguous](../explanation/ambiguous-2015.md)).
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Binance"

_SPOT_ERRORS = "https://developers.binance.com/docs/binance-spot-api-docs/errors"
_FUTURES_ERRORS = "https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code"
_LIMITS = "https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits"

RULES = (
    Rule(
        name="binance-2015",
        exchange="binance",
        code="-2015",
        kind="ip_not_whitelisted",
        # -2015 REJECTED_MBX_KEY covers a wrong key, a wrong IP and missing
        # permissions alike; evidence (reported IP, whitelist, prior success)
        # decides how sure we are.
        confidence="possible",
        source=_SPOT_ERRORS,
        description=(
            "Invalid API-key, IP, or permissions for action. USDⓈ-M/COIN-M futures append "
            "'request ip: <ip>'. ccxt raises it as DDoSProtection once the key has worked "
            "in this process (options['hasAlreadyAuthenticatedSuccessfully'])."
        ),
    ),
    Rule(
        name="binance-1011-non-white-list",
        exchange="binance",
        code="-1011",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_FUTURES_ERRORS,
        description="-1011 NON_WHITE_LIST: This IP cannot access this route.",
    ),
    Rule(
        name="binance-418-ip-ban",
        exchange="binance",
        http_status=418,
        kind="ip_banned",
        confidence="confirmed",
        source=_LIMITS,
        description="HTTP 418: the IP was auto-banned for continuing to send requests after 429s.",
    ),
    Rule(
        name="binance-1003-ip-banned-until",
        exchange="binance",
        message=r"\bIP(?:\s*\([^)]{0,64}\))?\s+banned\s+until\b",
        kind="ip_banned",
        confidence="confirmed",
        source="https://github.com/freqtrade/freqtrade/issues/7187",
        description="-1003 'Way too many requests; IP(<ip>) banned until <ms>.'",
    ),
    Rule(
        name="binance-451-restricted-location",
        exchange="binance",
        message=r"restricted location",
        kind="geo_restricted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/issues/16044",
        description=(
            "HTTP 451 'Service unavailable from a restricted location according to "
            "'b. Eligibility' in https://www.binance.com/en/terms.'"
        ),
    ),
)
