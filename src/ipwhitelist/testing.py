"""
Test how your bot handles IP-whitelist rejections, without an exchange.

A fake exchange runs on loopback (127.0.0.1) and enforces an API key's IP
whitelist the way the real one does: it checks the key, the address the
request comes from and the signature ccxt computed, and refuses with the
exchange's own error body. Real ccxt clients talk to it, so your bot's code
runs unchanged; mid-run you can change the bot's IP, ban it or geo-block it,
and see what your bot does.

```python
import ipwhitelist
from ipwhitelist.testing import capture_rejections, fake_exchange

with fake_exchange("binance") as fake, capture_rejections() as rejections:
    exchange = ipwhitelist.wrap(fake.client(), egress=fake.egress)
    exchange.fetch_balance()                 # the bot's IP is on the key's whitelist
    fake.change_ip("198.51.100.23")          # the ISP hands out a new address
    try:
        exchange.fetch_balance()
    except ipwhitelist.IPNotWhitelisted as exc:
        print(exc.diagnosis.headline)
assert ["ip_not_whitelisted"] == [d.kind for d in rejections]
```

With ``pip install ipwhitelist``, pytest gets the fixtures ``fake_exchange``
and ``capture_rejections`` (see the how-to "Test your bot's IP-rejection
handling").

Fakes exist for the Binance, Bybit, OKX, KuCoin, Bitget and Gate lineages (any
ccxt id derived from them). Binance, Bybit and OKX serve a bot's loop: one spot
market (``BTC/USDT``), its ticker, the balance, and limit and market orders
that are listed and cancelled (nothing ever fills). KuCoin, Bitget and Gate
answer their key-information endpoint only. Timestamps and receive windows
are not checked; the fakes listen on loopback only.

For replies of your own, `FakeServer` serves any route table (`Request` in,
`Reply` out) and `point_at` sends a ccxt client's REST calls to it;
`FakeWsServer` and `point_ws_at` do the same for ccxt.pro websockets.

Added in *0.2.0*. The names here are public and versioned like the rest of the
package; the fakes' replies follow the exchanges and may change with them.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import attrs
import ccxt

from ._core.hooks import get_on_rejection_hooks, set_on_rejection_hooks
from ._core.lineage import lineage_of_id
from ._egress.detector import EgressDetector
from ._egress.providers import Provider
from ._testing import exchanges as _fakes
from ._testing.book import FakeBook
from ._testing.fake import FakeServer, Reply, Request, point_at
from ._testing.keys import FakeKeyState
from ._testing.ws import FakeWsServer, point_ws_at

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from ._core.diagnosis import Diagnosis

__all__ = [
    "FakeExchange",
    "FakeServer",
    "FakeWsServer",
    "RejectionCapture",
    "Reply",
    "Request",
    "afake_exchange",
    "capture_rejections",
    "fake_exchange",
    "point_at",
    "point_ws_at",
]

#: The address `FakeExchange.change_ip` moves the bot to by default (RFC 5737).
NEW_IP = "198.51.100.23"
_WHOAMI = "/ipwhitelist-testing/whoami"


class FakeExchange:
    """
    A running fake exchange: real ccxt clients for it, and switches for incidents.

    Made by `fake_exchange` or `afake_exchange`. Its key's whitelist is
    `allowed_ips`; requests come from `ip` (127.0.0.1 until `change_ip`).

    Added in *0.2.0*.
    """

    def __init__(self, fake: _fakes.FakeExchange, book: FakeBook) -> None:
        """Take over a started private fake; use `fake_exchange` instead."""
        self._fake = fake
        self._book = book
        self._lock = threading.Lock()
        self._ip: str | None = None  # None: the real source address
        self._incident: Reply | None = None
        fake.server.routes[("GET", _WHOAMI)] = lambda request: Reply(body=request.client_ip)
        fake.server.intercept = self._intercept

    def __repr__(self) -> str:
        """The exchange, the URL and the bot's current IP; no credential."""
        return f"<FakeExchange {self.exchange_id} at {self.url} ip={self.ip}>"

    @property
    def exchange_id(self) -> str:
        """The ccxt id the fake plays, e.g. ``"binance"``."""
        return self._fake.exchange_id

    @property
    def url(self) -> str:
        """The fake's base URL, e.g. ``http://127.0.0.1:54321``."""
        return self._fake.url

    @property
    def requests(self) -> list[Request]:
        """Every request the fake received, in order, as the fake saw it."""
        return [r for r in self._fake.server.requests if r.path != _WHOAMI]

    @property
    def allowed_ips(self) -> list[str]:
        """The key's IP whitelist (addresses or CIDR networks); empty: any IP. Assignable."""
        return list(self._fake.state.allowed_ips)

    @allowed_ips.setter
    def allowed_ips(self, value: Iterable[str]) -> None:
        self._fake.state.allowed_ips = [str(entry) for entry in value]

    @property
    def ip(self) -> str:
        """The address the fake sees the bot's requests come from."""
        return self._ip or self._fake.server.url.split("//")[1].rsplit(":", 1)[0].strip("[]")

    @property
    def credentials(self) -> dict[str, str]:
        """
        The key the fake accepts, as ccxt's ``apiKey``, ``secret`` and ``password``.

        Public by design: they only ever open this loopback fake. For bots that
        build their own client: pass these, then `point_at` the client's ``url``.
        """
        state = self._fake.state
        return {"apiKey": state.api_key, "secret": state.secret, "password": state.password}

    @property
    def egress(self) -> EgressDetector:
        """
        An egress detector that asks the fake: pass it as ``wrap(..., egress=)``.

        A diagnosis then shows `ip` as the bot's egress IP, and no test asks
        the internet. Each lookup asks again (no cache), so it follows `change_ip`.
        """
        provider = Provider(url=self.url + _WHOAMI)
        return EgressDetector([provider], allow_private=True, ttl=0)

    @property
    def price(self) -> str:
        """The last price of the fake's market; assignable (a decimal string)."""
        return self._book.price

    @price.setter
    def price(self, value: str) -> None:
        self._book.price = str(value)

    def client(self, **config: Any) -> Any:
        """
        A real sync ccxt client aimed at the fake, with its credentials.

        *config* is ccxt's client configuration; it overrides the credentials
        (pass a wrong ``secret`` to see the exchange refuse the signature).
        """
        return self._fake.client(ccxt, **config)

    def async_client(self, *, pro: bool = False, **config: Any) -> Any:
        """
        A real async ccxt client (``ccxt.pro`` with *pro*) aimed at the fake's REST API.

        Call it inside the event loop. `afake_exchange` closes it on exit;
        with `fake_exchange`, ``await client.close()`` yourself.
        """
        if pro:
            import ccxt.pro as module  # noqa: PLC0415 - lazy: ccxt.pro loads websockets
        else:
            import ccxt.async_support as module  # noqa: PLC0415 - lazy: aiohttp is not needed by sync tests
        return self._fake.client(module, **config)

    def point_at(self, client: Any) -> Any:
        """Send an existing ccxt *client*'s REST calls to the fake; returns it."""
        return point_at(client, self.url)

    def change_ip(self, ip: str = NEW_IP) -> None:
        """
        From now on, the bot's requests come from *ip*, as after an ISP or NAT change.

        Unless `allowed_ips` holds *ip*, the exchange refuses every signed
        request with its "IP not whitelisted" error.
        """
        with self._lock:
            self._ip = str(ip)

    def ban(self, *, retry_after: int = 120) -> None:
        """
        Ban the bot's IP: every request is refused as the exchange bans, with ``Retry-After``.

        Binance answers HTTP 418 (code ``-1003``, "IP banned until"), Bybit
        HTTP 403 "access too frequent"; the other fakes answer with a CDN's
        "banned your IP address" page (HTTP 403).
        """
        if retry_after < 0:
            raise ValueError("retry_after is a number of seconds, not negative")
        with self._lock:
            self._incident = _ban_reply(self.exchange_id, self.ip, retry_after)

    def geo_block(self) -> None:
        """
        Refuse every request as from a region the exchange does not serve.

        Binance answers HTTP 451 "restricted location", Bybit its CloudFront
        country block (HTTP 403), OKX code ``50121``; the others HTTP 451.
        """
        with self._lock:
            self._incident = _geo_reply(self.exchange_id, self.ip)

    def restore(self) -> None:
        """Lift a ban or geo block and give the bot its original IP back."""
        with self._lock:
            self._incident = None
            self._ip = None

    def _intercept(self, request: Request) -> Request | Reply:
        with self._lock:
            ip, incident = self._ip, self._incident
        if ip is not None:
            request = attrs.evolve(request, client_ip=ip)
        if incident is not None and request.path != _WHOAMI:
            return incident
        return request


def _exchange_of(exchange_id: str) -> str:
    for name in ("binance", "bybit", "okx"):
        if name in lineage_of_id(exchange_id):
            return name
    return exchange_id


def _ban_reply(exchange_id: str, ip: str, retry_after: int) -> Reply:
    headers = {"Retry-After": str(retry_after)}
    until = datetime.now(UTC) + timedelta(seconds=retry_after)
    family = _exchange_of(exchange_id)
    if family == "binance":
        msg = (
            f"Way too many requests; IP({ip}) banned until {int(until.timestamp() * 1000)}. "
            "Please use the websocket for live updates to avoid bans."
        )
        return Reply.json({"code": -1003, "msg": msg}, 418, headers)
    if family == "bybit":
        return Reply(status=403, body="access too frequent", headers=headers)
    page = (
        "<html><head><title>Access denied | Cloudflare</title></head><body>"
        "<h1>Error 1006</h1><p>Access denied</p>"
        f"<p>The owner of this website has banned your IP address ({ip}).</p>"
        "</body></html>"
    )
    return Reply(
        status=403,
        body=page,
        headers={**headers, "Content-Type": "text/html", "Date": format_datetime(until)},
    )


def _geo_reply(exchange_id: str, ip: str) -> Reply:
    family = _exchange_of(exchange_id)
    if family == "binance":
        msg = (
            "Service unavailable from a restricted location according to 'b. Eligibility' "
            "in https://www.binance.com/en/terms. Please contact customer service if you "
            "believe you received this message in error."
        )
        return Reply.json({"code": 0, "msg": msg}, 451)
    if family == "bybit":
        page = (
            "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>"
            "<BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2>"
            "The Amazon CloudFront distribution is configured to block access from your "
            "country.</BODY></HTML>"
        )
        return Reply(status=403, body=page, headers={"Content-Type": "text/html"})
    if family == "okx":
        msg = f"You can't access our services through the IP address ({ip})."
        return Reply.json({"code": "50121", "msg": msg, "data": []}, 403)
    return Reply(status=451, body="Unavailable For Legal Reasons")


@contextmanager
def fake_exchange(
    exchange_id: str = "binance",
    *,
    allowed_ips: Iterable[str] | None = None,
    balance: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[FakeExchange]:
    """
    Run a fake exchange on loopback for the duration of the ``with`` block.

    Args:
        exchange_id: A ccxt id of the Binance, Bybit, OKX, KuCoin, Bitget or
            Gate lineage (``"binanceusdm"`` plays Binance).
        allowed_ips: The key's IP whitelist. ``None`` (the default)
            whitelists *host*, the address the bot's requests come from; an
            empty list means no restriction (any IP).
        balance: Free balance per currency, as decimal strings
            (``{"USDT": "1000"}`` by default).
        host: The loopback address the fake listens on (and the bot's
            requests come from).

    Raises:
        ValueError: There is no fake for *exchange_id*, or *host* is not loopback.

    Added in *0.2.0*.
    """
    # A key of its own per fake, as two accounts have: a bot with two keys on
    # one exchange sees two incidents (`Diagnosis.key_fingerprint`), not one.
    state = FakeKeyState(
        allowed_ips=[host] if allowed_ips is None else list(allowed_ips),
        api_key=f"fake-api-key-not-a-secret-{secrets.token_hex(21)}",
    )
    if balance is not None:
        state.balance = dict(balance)
    book = FakeBook()
    with _fakes.fake_exchange(exchange_id, state, host=host, book=book) as fake:
        yield FakeExchange(fake, book)


@asynccontextmanager
async def afake_exchange(
    exchange_id: str = "binance",
    *,
    allowed_ips: Iterable[str] | None = None,
    balance: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> AsyncIterator[FakeExchange]:
    """
    Async form of `fake_exchange`; on exit it closes the async clients it made.

    Added in *0.2.0*.
    """
    with fake_exchange(exchange_id, allowed_ips=allowed_ips, balance=balance, host=host) as fake:
        try:
            yield fake
        finally:
            await fake._fake.aclose()


@attrs.define(eq=False)
class RejectionCapture:
    """
    The diagnoses (and recoveries) seen while `capture_rejections` was active.

    Iterating, ``len()`` and indexing go over `diagnoses`.

    Attributes:
        diagnoses: Every diagnosed rejection, in order.
        recoveries: The exchange of every recovery (a wrapped client's first
            signed request that succeeded after a rejection), in order.
        recovered_keys: The `fingerprint` of the API key of each recovery
            (``None`` when unknown), in the order of `recoveries`.

    Added in *0.2.0*.
    """

    diagnoses: list[Diagnosis] = attrs.field(factory=list)
    recoveries: list[str] = attrs.field(factory=list)
    recovered_keys: list[str | None] = attrs.field(factory=list)

    def __call__(self, diagnosis: Diagnosis) -> None:
        """The on-rejection hook: record *diagnosis*."""
        self.diagnoses.append(diagnosis)

    def on_recovery(self, exchange: str, key: str | None = None) -> None:
        """The on-recovery hook: record *exchange* and *key* (the key's fingerprint)."""
        self.recoveries.append(exchange)
        self.recovered_keys.append(key)

    def __iter__(self) -> Iterator[Diagnosis]:
        """The diagnoses so far."""
        return iter(list(self.diagnoses))

    def __len__(self) -> int:
        """How many rejections were diagnosed."""
        return len(self.diagnoses)

    def __getitem__(self, index: int) -> Diagnosis:
        """The diagnosis at *index*."""
        return self.diagnoses[index]

    @property
    def kinds(self) -> list[str]:
        """The kind of each diagnosis (``"ip_not_whitelisted"``, ``"ip_banned"``, …)."""
        return [str(d.kind) for d in self.diagnoses]


@contextmanager
def capture_rejections(*, keep_hooks: bool = True) -> Iterator[RejectionCapture]:
    """
    Collect every diagnosed rejection inside the ``with`` block, then restore the hooks.

    Args:
        keep_hooks: Keep the hooks already set (logging, alerts) beside the
            capture; ``False`` silences them for the block.

    Added in *0.2.0*.
    """
    previous = get_on_rejection_hooks()
    capture = RejectionCapture()
    set_on_rejection_hooks([*previous, capture] if keep_hooks else [capture])
    try:
        yield capture
    finally:
        set_on_rejection_hooks(previous)
