"""
The API key a fake exchange enforces, and the helpers every fake's routes share.

`FakeKeyState` is one key's state: its credentials, its IP whitelist, its
permissions and its expiry. The fakes in `_fake_routes` (Binance, Bybit, OKX)
and `_fake_key_routes` (KuCoin, Bitget, Gate) read it on every request, so
tests can edit it between two calls. The underscored helpers are shared by
those two modules: they rebuild the query string ccxt signed, compute the
HMAC, and format times as the exchanges report them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from .fake import Route

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .fake import Request

__all__ = [
    "FAKE_API_KEY",
    "FAKE_PASSWORD",
    "FAKE_SECRET",
    "FakeKeyState",
    "Routes",
    "hmac_sha256",
    "iso_utc",
    "ms_of",
    "now_ms",
    "raw_query",
]

# Public by design, like the demo's: they only ever open a loopback fake.
FAKE_API_KEY = "fake-api-key-not-a-secret-000000000000000000000000000000000000000000"
FAKE_SECRET = "fake-secret-not-a-secret-0000000000000000000000000000000000000000000"  # noqa: S105
FAKE_PASSWORD = "fake-passphrase-not-a-secret"  # noqa: S105

Routes = dict[tuple[str, str], Route]


def _to_list(value: Any) -> list[str]:
    return [str(v) for v in value]


@attrs.define(kw_only=True)
class FakeKeyState:
    """
    One API key as a fake exchange sees it; mutable, so tests can edit it between calls.

    Attributes:
        api_key: The key the fake accepts.
        secret: The secret it verifies signatures with.
        password: The passphrase of OKX, KuCoin and Bitget.
        allowed_ips: The key's IP whitelist (addresses or CIDR networks); empty
            means unrestricted.
        can_read: Reading permission.
        can_trade: Trading permission (Binance: Spot & Margin and Futures;
            Bybit: contract and spot trade; OKX: ``trade``; KuCoin: ``Spot``
            and ``Futures``; Bitget: ``stow``, ``coow``, ``cpow``). Gate
            reports no permissions.
        can_withdraw: Withdrawal permission.
        expires_at: The expiry the restriction endpoint reports (Binance:
            ``tradingAuthorityExpirationTime``; Bybit: ``expiredAt``); the
            others report none.
        created_at: The creation time the restriction endpoint reports.
        balance: Free balance per currency, as decimal strings.
    """

    api_key: str = attrs.field(default=FAKE_API_KEY, repr=False)
    secret: str = attrs.field(default=FAKE_SECRET, repr=False)
    password: str = attrs.field(default=FAKE_PASSWORD, repr=False)
    allowed_ips: list[str] = attrs.field(factory=list, converter=_to_list)
    can_read: bool = True
    can_trade: bool = True
    can_withdraw: bool = False
    expires_at: datetime | None = None
    created_at: datetime = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    balance: Mapping[str, str] = attrs.field(factory=lambda: {"USDT": "1000"})

    def allows(self, ip: str) -> bool:
        """Whether a request from *ip* passes the key's whitelist."""
        if not self.allowed_ips:
            return True
        address = ipaddress.ip_address(ip)
        return any(address in network for network in _networks(self.allowed_ips))


def _networks(entries: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return networks


def ms_of(moment: datetime) -> int:
    """*moment* in milliseconds since the epoch, as exchanges send times."""
    return int(moment.timestamp() * 1000)


def now_ms() -> int:
    """The current time in milliseconds since the epoch."""
    return int(time.time() * 1000)


def iso_utc(moment: datetime) -> str:
    """*moment* as an ISO 8601 UTC time with a ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def raw_query(request: Request, *, drop: str | None = None) -> str:
    """The query string as the client sent and signed it, without a trailing *drop* parameter."""
    raw = request.raw_query
    return raw.split(f"&{drop}=", 1)[0] if drop else raw


def hmac_sha256(secret: str, payload: str) -> bytes:
    """The HMAC-SHA256 of *payload* with *secret*, as the exchanges sign."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
