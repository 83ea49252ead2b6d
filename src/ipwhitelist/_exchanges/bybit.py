"""
Bybit: v5 and legacy envelopes, and the change of meaning of 10009.

Covers ccxt ``bybit`` and its derivatives (``bybiteu``, ``bybitid``), with v5
``retCode``/``retMsg`` and legacy ``ret_code``/``ret_msg`` bodies. Bybit
changed the meaning of 10009 on 2026-05-28, from "IP has been banned." to a
region restriction: the message decides which one a response means, and a bare
10009 follows the current docs with less confidence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .._core.keyfacts import Facts, Finding, Restrictions, Unexpected, entries, flag, from_iso, when
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["KEY_PAGE", "LIMITS", "RESTRICTIONS", "RULES", "TITLE"]

TITLE = "Bybit"

_V5_ERRORS = "https://bybit-exchange.github.io/docs/v5/error"
_RATE_LIMIT = "https://bybit-exchange.github.io/docs/v5/rate-limit"
_10009_CHANGE = (
    "https://github.com/bybit-exchange/docs/commit/3e465563ac439494f8ca1ff4d33bf74360a2df67"
)

RULES = (
    Rule(
        name="bybit-10010-unmatched-ip",
        exchange="bybit",
        code="10010",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_V5_ERRORS,
        description="Unmatched IP, please check your API key's bound IP addresses.",
    ),
    Rule(
        name="bybit-unmatched-ip-message",
        exchange="bybit",
        message=r"\bunmatched\s+ip\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/bybit-exchange/docs-legacy/issues/217",
        description="Legacy API 'unmatched ip.' (ret_code 10010) and websocket auth failures.",
    ),
    # 10009 changed meaning on 2026-05-28: the docs used to say "IP has been
    # banned." and now say the service is restricted for the caller's region.
    # The message tells which one a response means; the bare code follows the
    # current docs, with less confidence.
    Rule(
        name="bybit-10009-region-restricted",
        exchange="bybit",
        code="10009",
        message=r"unavailable for your region|service restricted",
        kind="geo_restricted",
        confidence="confirmed",
        source=_10009_CHANGE,
        description="Service Restricted: Access is currently unavailable for your region.",
    ),
    Rule(
        name="bybit-10009-ip-banned",
        exchange="bybit",
        code="10009",
        message=r"\bIP\b.{0,20}\bbanned\b",
        kind="ip_banned",
        confidence="confirmed",
        source=_V5_ERRORS,
        description="IP has been banned. (the meaning of 10009 before 2026-05-28)",
    ),
    Rule(
        name="bybit-10009",
        exchange="bybit",
        code="10009",
        kind="geo_restricted",
        confidence="likely",
        source=_10009_CHANGE,
        description="10009 with an unknown message: the current docs mean a region restriction.",
    ),
    Rule(
        name="bybit-403-access-too-frequent",
        exchange="bybit",
        http_status=403,
        message=r"access too frequent",
        kind="ip_banned",
        confidence="confirmed",
        source=_RATE_LIMIT,
        description="HTTP 403 'access too frequent': the IP is banned for at least 10 minutes.",
    ),
)

LIMITS = ExchangeLimits(
    exchange="bybit",
    ip_whitelist=True,
    # ips: 'Set the IP bind. example: "192.168.0.1,192.168.0.2"'.
    sources=("https://bybit-exchange.github.io/docs/v5/user/create-subuid-apikey",),
)


# -- the key ------------------------------------------------------------------

#: Where the key's IP whitelist is edited.
KEY_PAGE = (
    "Bybit > Account > API > Edit > 'Only IPs with permissions granted are allowed "
    "to access the OpenAPI'"
)

# GET /v5/user/query-api, https://bybit-exchange.github.io/docs/v5/user/apikey-info:
# ``ips`` (``["*"]`` when unbound), ``readOnly``, ``permissions`` (``Wallet``
# holds ``Withdraw``), ``expiredAt``/``deadlineDay`` ("only for those api key
# with no IP bound or the password has been changed"). It also returns the API
# key itself, which is never kept.

# Permission groups that place orders or convert funds.
_TRADE = ("ContractTrade", "Spot", "Options", "Derivatives", "CopyTrading", "BlockTrade")


def _parse(response: object, now: datetime) -> Facts:
    result = response.get("result") if isinstance(response, dict) else None
    if not isinstance(result, dict):
        raise Unexpected("no result object")
    ips = result.get("ips")
    if not isinstance(ips, list):
        raise Unexpected("no ips list")
    bound = entries(ips)
    groups = result.get("permissions")
    groups = groups if isinstance(groups, dict) else {}
    enabled = sorted(
        f"{group}:{name}"
        for group, names in groups.items()
        if isinstance(group, str) and isinstance(names, list)
        for name in entries(names)
    )
    read_only = flag(result.get("readOnly"))
    traded = any(p.split(":", 1)[0] in _TRADE for p in enabled)
    expires_at = from_iso(result.get("expiredAt"))
    days = result.get("deadlineDay")
    if expires_at is None and isinstance(days, int) and not isinstance(days, bool) and days > 0:
        # Only when expiredAt is absent: a bare day count is the remainder, not a date.
        expires_at = now + timedelta(days=min(days, 36_500))
    return Facts(
        ip_restricted="*" not in bound and bool(bound),
        allowed_ips=tuple(e for e in bound if e != "*"),
        can_read=True,  # "Any permission can access this endpoint"
        can_trade=None if read_only is None else (not read_only and (traded or not groups)),
        can_withdraw=False if read_only else "Wallet:Withdraw" in enabled,
        permissions=tuple(enabled),
        expires_at=expires_at,
    )


def _expiry_fix(facts: Facts, where: str) -> str | None:
    if facts.ip_restricted is not False:
        return None
    # expiredAt is set "only for those api key with no IP bound or the password
    # has been changed": https://bybit-exchange.github.io/docs/v5/user/apikey-info
    return (
        f"Bind the key to {where}, or create a new key before then: Bybit sets no "
        "expiry date on keys with bound IPs unless the password changed."
    )


def _unrestricted(facts: Facts, now: datetime, where: str) -> list[Finding]:
    # Third-party reports put the lifetime of unbound keys at 3 months:
    # https://github.com/ScavengerBot/ScavengerBot/issues/48
    expires = facts.expires_at
    return [
        Finding(
            code="expires-without-ip",
            severity="warning",
            message="Bybit sets an expiry date on keys without bound IPs: "
            + (
                f"this key expires {when(expires, now)}."
                if expires is not None
                else "users report 3 months; Bybit reported no date for this key."
            ),
            fix=f"Bind the key to {where}; it then stops expiring.",
        )
    ]


RESTRICTIONS = Restrictions(
    method="private_get_v5_user_query_api",
    endpoint="GET /v5/user/query-api",
    parse=_parse,
    expiry_fix=_expiry_fix,
    unrestricted=_unrestricted,
)
