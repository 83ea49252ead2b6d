"""
Loopback fakes of six exchanges that check what real ccxt clients sign.

Binance, Bybit, OKX, KuCoin, Bitget and Gate.

Each fake holds one API key's state (`FakeKeyState`): its credentials, its IP
whitelist, its permissions and its expiry. On every private request it checks,
like the exchange, the API key, the client's real TCP source address against
the whitelist, and the signature ccxt computed, and answers with the
exchange's own error body when one of them is wrong. The key-restriction
endpoints answer from the state, so tests (and ``ipwhitelist demo``) can change
the whitelist or the permissions between two calls.

```python
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

with fake_exchange("bybit", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
    client = fake.client()                  # a real ccxt.bybit aimed at the fake
    client.fetch_balance()                  # signed, checked, answered
    fake.state.allowed_ips = ["203.0.113.7"]
    client.fetch_balance()                  # ccxt.PermissionDenied: retCode 10010
```

``fake.client(module=ccxt.async_support)`` builds an async client (use
`afake_exchange` so it is closed); ``fake.client(source="127.0.0.2")`` makes
the client connect from another loopback address, which plays "the egress IP
changed". Route tables (`binance_routes`, `bybit_routes`, `okx_routes`,
`kucoin_routes`, `bitget_routes`, `gate_routes`) can be mounted on any
`FakeServer`.

This module holds the entry points (`fake_exchange`, `afake_exchange`,
`FakeExchange`, `bind_source`) and the route table `routes_for` picks from,
and re-exports the names callers import from it. The pieces live in:

* `_fake_keys`: `FakeKeyState`, the ``FAKE_*`` credentials and the helpers
  the routes share;
* `_fake_routes`: Binance, Bybit and OKX (key restrictions, balance and what
  ``load_markets`` needs);
* `_fake_key_routes`: KuCoin, Bitget and Gate (the key-information endpoint
  only).

Their docstrings list what each fake answers and its error bodies, with the
exchanges' documentation pages.

Markets and currencies are empty lists: ``load_markets()`` and
``fetch_balance()`` work, nothing that needs a symbol does. Checks run in this
order: API key, source IP, signature (then, on OKX, KuCoin and Bitget, the
passphrase); the first failure answers. Timestamps and receive windows are not
checked.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
import ccxt

from .._client.ipversion import mounted, source_adapter
from .._core.lineage import lineage_of_id
from .fake import FakeServer, point_at
from .key_routes import (
    bitget_account_info,
    bitget_routes,
    gate_account_detail,
    gate_routes,
    kucoin_key_info,
    kucoin_routes,
)
from .keys import FAKE_API_KEY, FAKE_PASSWORD, FAKE_SECRET, FakeKeyState, Routes
from .routes import (
    binance_restrictions,
    binance_routes,
    bybit_key_info,
    bybit_routes,
    okx_config,
    okx_routes,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from .book import FakeBook

__all__ = [
    "FAKE_API_KEY",
    "FAKE_PASSWORD",
    "FAKE_SECRET",
    "FakeExchange",
    "FakeKeyState",
    "Routes",
    "afake_exchange",
    "binance_restrictions",
    "binance_routes",
    "bind_source",
    "bitget_account_info",
    "bitget_routes",
    "bybit_key_info",
    "bybit_routes",
    "fake_exchange",
    "gate_account_detail",
    "gate_routes",
    "kucoin_key_info",
    "kucoin_routes",
    "okx_config",
    "okx_routes",
    "routes_for",
]

# -- clients -------------------------------------------------------------------

_TRADING = {"binance": binance_routes, "bybit": bybit_routes, "okx": okx_routes}
_ROUTES = {
    **_TRADING,
    "kucoin": kucoin_routes,
    "bitget": bitget_routes,
    "gate": gate_routes,
}


def routes_for(exchange_id: str, state: FakeKeyState, book: FakeBook | None = None) -> Routes:
    """
    The fake's routes for a ccxt id whose lineage `_ROUTES` knows.

    Binance, Bybit and OKX list, quote and trade *book*'s market.
    """
    for member in lineage_of_id(exchange_id):
        if member in _TRADING:
            return _TRADING[member](state, book)
        if member in _ROUTES:
            return _ROUTES[member](state)
    raise ValueError(f"no fake for {exchange_id!r}; fakes exist for {', '.join(_ROUTES)}")


@attrs.define
class FakeExchange:
    """
    A started fake exchange and a factory of real ccxt clients aimed at it.

    Attributes:
        exchange_id: The ccxt id the fake plays.
        state: The key's state; edit it to change what the exchange enforces.
        server: The loopback server (``server.requests`` records every request).
    """

    exchange_id: str
    state: FakeKeyState
    server: FakeServer
    _clients: list[Any] = attrs.field(factory=list, repr=False)
    _sessions: list[Any] = attrs.field(factory=list, repr=False)

    @property
    def url(self) -> str:
        """The fake's base URL."""
        return self.server.url

    def client(self, module: Any = None, *, source: str | None = None, **config: Any) -> Any:
        """
        A real ccxt client (``ccxt``, ``ccxt.async_support`` or ``ccxt.pro``) aimed at the fake.

        It carries the state's credentials unless *config* overrides them.
        *source* binds its connections to that loopback address; for async
        clients, call this inside the event loop.
        """
        if module is None:
            module = ccxt
        settings = {
            "apiKey": self.state.api_key,
            "secret": self.state.secret,
            "password": self.state.password,
            "enableRateLimit": False,
            **config,
        }
        asynchronous = module.__name__ != "ccxt"
        if source is not None and asynchronous:
            settings["session"] = self._async_session(source)
        client = point_at(getattr(module, self.exchange_id)(settings), self.server.url)
        if source is not None and not asynchronous:
            bind_source(client, source)
        self._clients.append(client)
        return client

    def _async_session(self, source: str) -> Any:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))
        self._sessions.append(session)
        return session

    async def aclose(self) -> None:
        """Close the async clients (and sessions) this fake made."""
        for client in self._clients:
            close = getattr(client, "close", None)
            if close is not None and _is_async(client):
                await close()
        for session in self._sessions:
            await session.close()
        self._clients.clear()
        self._sessions.clear()


def _is_async(client: Any) -> bool:
    return asyncio.iscoroutinefunction(type(client).fetch)


def bind_source(client: Any, address: str) -> Any:
    """Make a sync ccxt client's connections leave from *address* (e.g. ``127.0.0.2``)."""
    adapter = source_adapter(address)
    # One assignment: the bot's other threads may be calling through the client.
    client.session.adapters = mounted(
        client.session.adapters, {"http://": adapter, "https://": adapter}
    )
    return client


@contextmanager
def fake_exchange(
    exchange_id: str = "binance",
    state: FakeKeyState | None = None,
    *,
    host: str = "127.0.0.1",
    book: FakeBook | None = None,
) -> Iterator[FakeExchange]:
    """
    Start a fake *exchange_id* on loopback.

    Any ccxt id of the Binance, Bybit, OKX, KuCoin, Bitget or Gate lineage;
    Binance, Bybit and OKX trade on *book* (a fresh one by default).

    Raises:
        ValueError: There is no fake for *exchange_id*, or *host* is not loopback.
    """
    state = FakeKeyState() if state is None else state
    with FakeServer(host, routes=routes_for(exchange_id, state, book)) as server:
        yield FakeExchange(exchange_id, state, server)


@asynccontextmanager
async def afake_exchange(
    exchange_id: str = "binance",
    state: FakeKeyState | None = None,
    *,
    host: str = "127.0.0.1",
) -> AsyncIterator[FakeExchange]:
    """Async form of `fake_exchange`: closes the async clients it made on exit."""
    with fake_exchange(exchange_id, state, host=host) as fake:
        try:
            yield fake
        finally:
            await fake.aclose()
