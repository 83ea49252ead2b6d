"""
The key-restriction endpoints `audit` reads, and their answers in one exchange-neutral shape.

One signed, read-only GET per audit, through the client's own ccxt implicit
method (so ccxt signs it, proxies it and maps its errors); nothing is ever
changed on the exchange:

| family  | ccxt method                          | endpoint                                 |
|---------|--------------------------------------|------------------------------------------|
| binance | ``sapi_get_account_apirestrictions`` | ``GET /sapi/v1/account/apiRestrictions`` |
| bybit   | ``private_get_v5_user_query_api``    | ``GET /v5/user/query-api``               |
| okx     | ``private_get_account_config``       | ``GET /api/v5/account/config``           |

Response shapes:

* Binance, https://developers.binance.com/docs/wallet/account/api-key-permission:
  ``ipRestrict``, ``createTime``, ``enable*``/``permits*`` flags and, for keys
  without trusted IPs, ``tradingAuthorityExpirationTime``. It does not list
  the allowed IPs: ``GET /sapi/v1/account/apiRestrictions/ipRestriction``
  (still in ccxt) was discontinued on 2021-11-17 (Binance API change log,
  https://binance-docs.github.io/apidocs/spot/en/#change-log) and the
  endpoints that return ``ipList`` are for sub-account keys queried by the
  master account (https://developers.binance.com/docs/sub_account/api-management).
* Bybit, https://bybit-exchange.github.io/docs/v5/user/apikey-info: ``ips``
  (``["*"]`` when unbound), ``readOnly``, ``permissions`` (``Wallet`` holds
  ``Withdraw``), ``expiredAt``/``deadlineDay`` ("only for those api key with
  no IP bound or the password has been changed"). It also returns the API
  key itself, which is never kept.
* OKX, https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration:
  ``data[0].ip`` (comma-separated, ``""`` when none is bound) and
  ``data[0].perm`` (``read_only,trade,withdraw``).

`parse_response` turns each answer into `Facts` and is pure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs
import ccxt

if TYPE_CHECKING:
    from collections.abc import Iterable

Family: TypeAlias = Literal["binance", "bybit", "okx"]

_METHODS: dict[Family, tuple[str, str]] = {
    "binance": ("sapi_get_account_apirestrictions", "GET /sapi/v1/account/apiRestrictions"),
    "bybit": ("private_get_v5_user_query_api", "GET /v5/user/query-api"),
    "okx": ("private_get_account_config", "GET /api/v5/account/config"),
}


@attrs.frozen(kw_only=True)
class Facts:
    """What a restriction endpoint said, in the exchange-neutral form `judge` reads."""

    ip_restricted: bool | None
    allowed_ips: tuple[str, ...] | None
    can_read: bool | None
    can_trade: bool | None
    can_withdraw: bool | None
    permissions: tuple[str, ...]
    expires_at: datetime | None


def _bad(family: str, what: str) -> ccxt.BadResponse:
    # Never the body: Bybit's answer carries the API key.
    return ccxt.BadResponse(f"{family} {_METHODS[family][1]}: unexpected response ({what})")  # type: ignore[index]


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _from_ms(value: object) -> datetime | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if value.strip().isdigit():
        return _from_ms(value)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _entries(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


# Binance flags that let a key place orders (the API key permission page's
# trading switches).
_BINANCE_TRADE = (
    "enableSpotAndMarginTrading",
    "enableMargin",
    "enableFutures",
    "enableVanillaOptions",
    "enablePortfolioMarginTrading",
    "enableFixApiTrade",
)


def _parse_binance(response: object) -> Facts:
    if not isinstance(response, dict):
        raise _bad("binance", "not an object")
    ip_restricted = _flag(response.get("ipRestrict"))
    if ip_restricted is None:
        raise _bad("binance", "no ipRestrict")
    flags = {
        key: _flag(value)
        for key, value in response.items()
        if isinstance(key, str) and key.startswith(("enable", "permits"))
    }
    trade = [flags[k] for k in _BINANCE_TRADE if flags.get(k) is not None]
    return Facts(
        ip_restricted=ip_restricted,
        allowed_ips=None,
        can_read=flags.get("enableReading"),
        can_trade=any(trade) if trade else None,
        can_withdraw=flags.get("enableWithdrawals"),
        permissions=tuple(sorted(k for k, on in flags.items() if on)),
        expires_at=_from_ms(response.get("tradingAuthorityExpirationTime")),
    )


# Bybit permission groups that place orders or convert funds.
_BYBIT_TRADE = ("ContractTrade", "Spot", "Options", "Derivatives", "CopyTrading", "BlockTrade")


def _parse_bybit(response: object, now: datetime) -> Facts:
    result = response.get("result") if isinstance(response, dict) else None
    if not isinstance(result, dict):
        raise _bad("bybit", "no result object")
    ips = result.get("ips")
    if not isinstance(ips, list):
        raise _bad("bybit", "no ips list")
    entries = _entries(ips)
    groups = result.get("permissions")
    groups = groups if isinstance(groups, dict) else {}
    enabled = sorted(
        f"{group}:{name}"
        for group, names in groups.items()
        if isinstance(group, str) and isinstance(names, list)
        for name in _entries(names)
    )
    read_only = _flag(result.get("readOnly"))
    traded = any(p.split(":", 1)[0] in _BYBIT_TRADE for p in enabled)
    expires_at = _from_iso(result.get("expiredAt"))
    days = result.get("deadlineDay")
    if expires_at is None and isinstance(days, int) and not isinstance(days, bool) and days > 0:
        # Only when expiredAt is absent: a bare day count is the remainder, not a date.
        expires_at = now + timedelta(days=min(days, 36_500))
    return Facts(
        ip_restricted="*" not in entries and bool(entries),
        allowed_ips=tuple(e for e in entries if e != "*"),
        can_read=True,  # "Any permission can access this endpoint"
        can_trade=None if read_only is None else (not read_only and (traded or not groups)),
        can_withdraw=False if read_only else "Wallet:Withdraw" in enabled,
        permissions=tuple(enabled),
        expires_at=expires_at,
    )


def _parse_okx(response: object) -> Facts:
    data = response.get("data") if isinstance(response, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    if not isinstance(first, dict):
        raise _bad("okx", "no data[0] object")
    perm = first.get("perm")
    names = tuple(sorted(set(_entries([perm])))) if isinstance(perm, str) else ()
    ip = first.get("ip")
    allowed = tuple(_entries([ip])) if isinstance(ip, str) else None
    known = isinstance(perm, str)
    return Facts(
        ip_restricted=None if allowed is None else bool(allowed),
        allowed_ips=allowed,
        can_read=("read_only" in names) if known else None,
        can_trade=("trade" in names) if known else None,
        can_withdraw=("withdraw" in names) if known else None,
        permissions=names,
        expires_at=None,
    )


def parse_response(family: Family, response: object, now: datetime) -> Facts:
    """
    Turn a restriction endpoint's answer into `Facts` (pure).

    Raises:
        ccxt.BadResponse: The answer does not have the documented shape.
    """
    if family == "binance":
        return _parse_binance(response)
    if family == "bybit":
        return _parse_bybit(response, now)
    return _parse_okx(response)
