"""
Pin a ccxt client's connections to IPv4 or IPv6.

On a dual-stack host the client may reach the exchange over IPv6 while the
key's whitelist holds only the IPv4 address: every private call fails while
public ones work (passivbot's WEEX fix forces an IPv4 connector for exactly
this: https://github.com/enarjord/passivbot/pull/1397). Pinning makes the
family the exchange sees a decision instead of the resolver's.

* sync clients (requests): the session's adapters bind each socket to the
  family's wildcard address (``0.0.0.0`` or ``::``), so connection attempts
  to addresses of the other family fail at once and the next address is
  tried.
* async clients (aiohttp): the session ccxt creates on first use gets a
  connector with ``family=AF_INET`` or ``AF_INET6``.

Websocket connections of ccxt.pro are not pinned.

Other threads may be calling through the client while it is pinned or
unpinned: the session's adapter table is never changed in place (requests
looks it up on every call, and a half-changed table means "No connection
adapters were found"); a complete new table replaces it in one assignment.
"""

from __future__ import annotations

import socket
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

# ccxt's sync clients are built on requests, so it is loaded already.
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from .._core.address import AddressFamily

__all__ = [
    "SourceAdapter",
    "check_family",
    "mounted",
    "pin_async",
    "pin_sync",
    "source_adapter",
    "without_pin_hooks",
]

_ADAPTERS = "_ipwhitelist_adapters"
_WILDCARD = {4: "0.0.0.0", 6: "::"}  # noqa: S104 - a source address, nothing listens
_SOCKET_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


def check_family(family: object) -> AddressFamily | None:
    """Validate `wrap(family=...)`."""
    if family is None or family in (4, 6):
        return family
    raise ValueError(f"family must be 4, 6 or None, not {family!r}")


def pin_sync(exchange: Any, family: AddressFamily | None) -> None:
    """
    Mount family-pinned adapters on a sync client's requests session (or restore).

    Callers serialise pinning and unpinning of one client (`wrap` holds a
    lock); calls through the client need no lock, see the module docstring.
    """
    session: Any = getattr(exchange, "session", None)
    adapters = getattr(session, "adapters", None)
    if session is None or adapters is None:
        return
    # Re-pinning or unpinning starts from the user's own adapters. pop():
    # a second unpin finds nothing to restore and does nothing.
    saved = exchange.__dict__.pop(_ADAPTERS, None)
    own = adapters if saved is None else saved
    if family is None:
        if saved is not None:
            session.adapters = OrderedDict(saved)
        return
    exchange.__dict__[_ADAPTERS] = dict(own)
    adapter = _pinned_adapter(family)
    session.adapters = mounted(own, {"https://": adapter, "http://": adapter})


def mounted(adapters: Any, mounts: dict[str, Any]) -> OrderedDict[str, Any]:
    """
    A copy of a requests adapter table with *mounts* added, as ``Session.mount`` orders it.

    Assign the result to ``session.adapters``: requests reads the table on every
    call, so replacing it in one step never shows a thread a table without an
    adapter for a prefix, while ``Session.mount`` moves entries one by one.
    """
    table: OrderedDict[str, Any] = OrderedDict(adapters)
    for prefix, adapter in mounts.items():
        table[prefix] = adapter
        # Longest prefix first, the order requests' get_adapter() relies on.
        for key in [k for k in table if len(k) < len(prefix)]:
            table.move_to_end(key)
    return table


def _pinned_adapter(family: AddressFamily) -> Any:
    return source_adapter(_WILDCARD[family])


def source_adapter(address: str) -> Any:
    """
    A requests adapter whose connections (direct or to a proxy) leave from *address*.

    The family's wildcard address pins the family; a loopback address such as
    127.0.0.2 plays "the egress IP changed" in the demo and the examples.
    """
    return SourceAdapter(address)


class SourceAdapter(HTTPAdapter):
    """
    Binds every connection (direct or to a proxy) to one source address.

    A module-level class with the address in its pickled state, so that a
    pinned client pickles (requests pickles a session with its adapters).
    """

    __attrs__ = [*HTTPAdapter.__attrs__, "source"]  # noqa: RUF012 - requests' pickling list

    def __init__(self, address: str) -> None:
        # Before HTTPAdapter.__init__, which builds the pool manager.
        self.source = (address, 0)
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with the source address set."""
        kwargs["source_address"] = self.source
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: Any, **kwargs: Any) -> Any:
        """Build a proxy's pool manager with the source address set."""
        kwargs["source_address"] = self.source
        return super().proxy_manager_for(proxy, **kwargs)


def pin_async(exchange: Any, family: AddressFamily | None) -> None:
    """
    Make the session an async client opens next family-pinned (or stop doing so).

    ccxt calls ``open()`` before every request, so only pinned clients get an
    override, as an instance attribute; everyone else keeps ccxt's own.
    Re-pinning replaces the override in one store, so a concurrent call never
    sees ccxt's own ``open()`` in between (its unpinned session would stay).
    """
    if family is None:
        exchange.__dict__.pop("open", None)
        return
    base_open = type(exchange).open

    def open(lazy: bool = False) -> Any:  # noqa: A001 - ccxt's name
        if not exchange.own_session or exchange.session is not None:
            return base_open(exchange, lazy)
        # Let ccxt set up the loop and TLS context, but not the session.
        exchange.own_session = False
        try:
            result = base_open(exchange, lazy)
        finally:
            exchange.own_session = True
        import aiohttp  # noqa: PLC0415 - lazy: only async clients need aiohttp, slow to import

        exchange.tcp_connector = aiohttp.TCPConnector(
            ssl=exchange.ssl_context,
            loop=exchange.asyncio_loop,
            enable_cleanup_closed=True,
            family=_SOCKET_FAMILY[family],
        )
        exchange.session = aiohttp.ClientSession(
            loop=exchange.asyncio_loop,
            connector=exchange.tcp_connector,
            trust_env=exchange.aiohttp_trust_env,
        )
        return result

    open._ipwhitelist_pin = True  # type: ignore[attr-defined]
    exchange.__dict__["open"] = open


def without_pin_hooks(state: dict[str, Any]) -> dict[str, Any]:
    """
    A client's instance state without the async pin's ``open`` override.

    The override is a closure bound to one client: a copy or an unpickled
    client gets its own when it is wrapped again.
    """
    hook = state.get("open")
    if getattr(hook, "_ipwhitelist_pin", False):
        state = {k: v for k, v in state.items() if k != "open"}
    return state
