"""
Binance: one ``code``/``msg`` error scheme for every product.

Covers ccxt ``binance`` and everything derived from it: ``binanceusdm``
(USDⓈ-M futures), ``binancecoinm`` (COIN-M futures) and ``binanceus``. Spot,
margin, futures, portfolio margin and options share one ``code``/``msg``
error scheme; -2015 is ambiguous (see
[Why -2015 is ambiguous](../explanation/ambiguous-2015.md)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.keyfacts import Facts, Finding, Restrictions, Unexpected, flag, from_ms, when
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["KEY_PAGE", "LIMITS", "RESTRICTIONS", "RULES", "SHARED_KEYS", "TITLE"]

TITLE = "Binance"

#: One Binance account, one key: USDⓈ-M and COIN-M futures take it (with
#: futures enabled on the key). Binance.US (``binanceus``) is another company
#: with its own accounts and keys: not listed.
SHARED_KEYS = {
    "binanceusdm": "https://developers.binance.com/docs/derivatives/quick-start",
    "binancecoinm": "https://developers.binance.com/docs/derivatives/quick-start",
}

_SPOT_ERRORS = "https://developers.binance.com/docs/binance-spot-api-docs/errors"
_FUTURES_ERRORS = "https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code"
_RATE_LIMITS = "https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits"

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
        source=_RATE_LIMITS,
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

LIMITS = ExchangeLimits(
    exchange="binance",
    ip_whitelist=True,
    max_entries=30,
    sources=(
        # The ip parameter: "Can be added in batches, separated by commas.
        # Max 30 for an API key".
        "https://developers.binance.com/docs/margin_trading/trade/Edit-ip-for-Special-Key-of-Low-Latency-Trading",
        "https://developers.binance.com/docs/sub_account/api-management/Add-IP-Restriction-for-Sub-Account-API-key",
    ),
)


# -- the key ------------------------------------------------------------------

#: Where the key's IP whitelist is edited.
KEY_PAGE = (
    "Binance > Account > API Management > Edit restrictions > "
    "'Restrict access to trusted IPs only' (up to 30 IPs per key)"
)

# GET /sapi/v1/account/apiRestrictions,
# https://developers.binance.com/docs/wallet/account/api-key-permission:
# ``ipRestrict``, ``createTime``, ``enable*``/``permits*`` flags and, for keys
# without trusted IPs, ``tradingAuthorityExpirationTime``. It does not list
# the allowed IPs: ``GET /sapi/v1/account/apiRestrictions/ipRestriction``
# (still in ccxt) was discontinued on 2021-11-17 (Binance API change log,
# https://binance-docs.github.io/apidocs/spot/en/#change-log) and the
# endpoints that return ``ipList`` are for sub-account keys queried by the
# master account (https://developers.binance.com/docs/sub_account/api-management).

# The flags that let a key place orders (the API key permission page's
# trading switches), and those that only read.
_TRADE = (
    "enableSpotAndMarginTrading",
    "enableMargin",
    "enableFutures",
    "enableVanillaOptions",
    "enablePortfolioMarginTrading",
    "enableFixApiTrade",
)
_READ_ONLY = {"enableReading", "enableFixReadOnly"}


def _parse(response: object, _now: datetime) -> Facts:
    if not isinstance(response, dict):
        raise Unexpected("not an object")
    ip_restricted = flag(response.get("ipRestrict"))
    if ip_restricted is None:
        raise Unexpected("no ipRestrict")
    flags = {
        key: flag(value)
        for key, value in response.items()
        if isinstance(key, str) and key.startswith(("enable", "permits"))
    }
    trade = [flags[k] for k in _TRADE if flags.get(k) is not None]
    return Facts(
        ip_restricted=ip_restricted,
        allowed_ips=None,
        can_read=flags.get("enableReading"),
        can_trade=any(trade) if trade else None,
        can_withdraw=flags.get("enableWithdrawals"),
        permissions=tuple(sorted(k for k, on in flags.items() if on)),
        expires_at=from_ms(response.get("tradingAuthorityExpirationTime")),
    )


# IP-restricted keys keep the trading permission; without trusted IPs it is
# "valid for 30 days from the activation time": Binance announcement (2021-07-08),
# https://www.binance.com/en-IN/support/announcement/cda0a4b53da04396b5d27881e93abf78


def _expiry_fix(facts: Facts, where: str) -> str:
    if facts.ip_restricted is False:
        return (
            f"Restrict the key to {where}: Binance does not expire the trading permission "
            "of keys with trusted IPs. Then enable Spot & Margin trading again."
        )
    return "Enable Spot & Margin trading again on the key's page before then."


def _unrestricted(facts: Facts, now: datetime, where: str) -> list[Finding]:
    findings = []
    if facts.expires_at is not None:
        findings.append(
            Finding(
                code="expires-without-ip",
                severity="warning",
                message="Binance keeps the Spot & Margin trading permission of a key without "
                f"trusted IPs for 30 days: this key's expires {when(facts.expires_at, now)}.",
                fix=f"Restrict the key to {where}; the permission then no longer expires.",
            )
        )
    if any(p not in _READ_ONLY for p in facts.permissions):
        # Users quote Binance's key page (not its API docs):
        # https://github.com/freqtrade/freqtrade/issues/13089
        findings.append(
            Finding(
                code="deleted-without-ip",
                severity="warning",
                message="Binance's API management page warns that a key with no IP restriction "
                "and any permission other than Reading will be deleted (reported by users; "
                "not in Binance's API documentation).",
                fix=f"Restrict the key to {where} before Binance deletes it.",
            )
        )
    return findings


RESTRICTIONS = Restrictions(
    method="sapi_get_account_apirestrictions",
    endpoint="GET /sapi/v1/account/apiRestrictions",
    parse=_parse,
    expiring="the key's Spot & Margin trading permission expires",
    expiry_fix=_expiry_fix,
    unrestricted=_unrestricted,
)
