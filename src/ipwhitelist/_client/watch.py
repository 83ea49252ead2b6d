"""
Notice when a rejected client's signed calls succeed again, at no cost until then.

The success path of a wrapped client must stay within 2 % of an unwrapped one,
so nothing on it may ask "is an incident open?". Instead, a rejection *arms*
the client that raised it: its class is swapped for a subclass (one per
wrapped class, cached) whose ``fetch`` also looks at successful responses. The
first request that carries the client's API key and succeeds disarms it (the
class is swapped back) and tells the hooks (`hooks.emit_recovery`). A client
without an open incident runs exactly the code it ran before.

A request counts only if it carries the API key (in a header, the URL or the
body), because public endpoints answer whatever the key's whitelist says.
Exchanges that send only a token derived from the key (Coinbase's JWT) are
therefore never seen to recover; they stay silent rather than wrong.

SDK clients (`sdk`) are armed the same way: their adapter names the methods
whose normal return is a signed request that succeeded (``signing``) and says
whether a call was signed and its result no error returned as data. The
recovery closes the incidents of every exchange id the client was rejected on
(python-binance reaches spot and futures through one client and one key, and
one whitelist serves them all). An SDK client whose class carries the guards
itself (`sdk.base`) is swapped to an armed subclass of that class, and back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._core import hooks
from .._core.fork import ForkSafeLock
from .introspect import key_fingerprint_of

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ADAPTER_MARKER", "BASE_MARKER", "REJECTED", "arm"]

#: The attribute `wrap()` puts on its generated classes (the original class).
#: An armed class carries it too, so `unwrap()` and `is_wrapped()` work unchanged.
BASE_MARKER = "__ipwhitelist_base__"
# The wrapped class an armed class disarms to.
_ARMED = "__ipwhitelist_armed__"
#: The attribute an SDK client's wrapped class carries: its adapter (`sdk.base`).
ADAPTER_MARKER = "__ipwhitelist_adapter__"
#: On an armed client: the exchange ids of its open incidents.
REJECTED = "_ipwhitelist_rejected_on"

_lock = ForkSafeLock()
_armed_classes: dict[type, type] = {}


def _carries_key(client: Any, url: Any, headers: Any, body: Any) -> bool:
    key = getattr(client, "apiKey", None)
    if not isinstance(key, str) or len(key) < 4:  # noqa: PLR2004 - no key, nothing signed
        return False
    needles = {key, quote(key, safe="")}
    texts = [url, body]
    if isinstance(headers, dict):
        texts.extend(headers.values())
    return any(isinstance(t, str) and any(n in t for n in needles) for t in texts)


def _succeeded(client: Any, url: Any, headers: Any, body: Any) -> None:
    if _carries_key(client, url, headers, body):
        _disarm(client, client)


def _disarm(client: Any, credentials: Any) -> None:
    """Swap *client* back to its wrapped class and tell the hooks (once)."""
    cls = type(client)
    wrapped = cls.__dict__.get(_ARMED)
    with _lock:
        if wrapped is None or type(client) is not cls:
            return  # another thread disarmed it first
        client.__class__ = wrapped
        exchanges = getattr(client, REJECTED, ())
        with contextlib.suppress(AttributeError):
            object.__delattr__(client, REJECTED)
    key = key_fingerprint_of(credentials)
    for exchange in sorted(exchanges):
        hooks.emit_recovery(exchange, key)


def _sdk_watching(adapter: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """*method* of an armed SDK client: a signed call that succeeds disarms it."""

    def succeeded(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        if adapter.signed(client, name, args, kwargs) and adapter.result(client, result) is None:
            _disarm(client, adapter.view(client))

    if asyncio.iscoroutinefunction(method):

        @functools.wraps(method)
        async def awatching(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = await method(self, *args, **kwargs)
            succeeded(self, args, kwargs, result)
            return result

        return awatching

    @functools.wraps(method)
    def watching(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        succeeded(self, args, kwargs, result)
        return result

    return watching


def _armed_class(wrapped: type, adapter: Any = None) -> type:
    found = _armed_classes.get(wrapped)
    if found is not None:
        return found
    # A generated class names its adapter; a class guarded in place is told it.
    adapter = wrapped.__dict__.get(ADAPTER_MARKER, adapter)
    if adapter is not None:
        methods = {
            name: _sdk_watching(adapter, name, getattr(wrapped, name))
            for name in adapter.watched(wrapped)
            if callable(getattr(wrapped, name, None))
        }
        return _build_armed(wrapped, methods, adapter)
    fetch: Callable[..., Any] = wrapped.fetch  # type: ignore[attr-defined]

    if asyncio.iscoroutinefunction(fetch):

        @functools.wraps(fetch)
        async def afetch(
            self: Any, url: Any, method: Any = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            result = await fetch(self, url, method, headers, body)
            _succeeded(self, url, headers, body)
            return result

        watching: Callable[..., Any] = afetch
    else:

        @functools.wraps(fetch)
        def sfetch(
            self: Any, url: Any, method: Any = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            result = fetch(self, url, method, headers, body)
            _succeeded(self, url, headers, body)
            return result

        watching = sfetch
    return _build_armed(wrapped, {"fetch": watching})


def _build_armed(wrapped: type, methods: dict[str, Any], adapter: Any = None) -> type:
    namespace = {
        # What unwrap() swaps back to: the original class, or the SDK class
        # that carries its guards itself (and stays as it is).
        BASE_MARKER: wrapped.__dict__.get(BASE_MARKER, wrapped),
        _ARMED: wrapped,
        "__module__": wrapped.__module__,
        "__qualname__": wrapped.__qualname__,
        "__doc__": wrapped.__doc__,
        **methods,
    }
    if adapter is not None:
        namespace[ADAPTER_MARKER] = adapter
    found = _armed_classes[wrapped] = type(wrapped.__name__, (wrapped,), namespace)
    return found


def arm(client: object, exchange: str | None = None) -> None:
    """
    After a rejection on *client* (on *exchange*): report its next successful signed request.

    *client* is a wrapped ccxt client, or the view of an SDK client
    (`sdk.base.ClientView`), whose ``sdk_client`` is the client itself.
    """
    sdk_client = getattr(client, "sdk_client", None)
    adapter = getattr(client, "adapter", None) if sdk_client is not None else None
    if sdk_client is not None:
        client = sdk_client
    cls = type(client)
    if BASE_MARKER not in cls.__dict__ and (adapter is None or not adapter.is_installed(client)):
        return  # not a wrapped client
    if exchange is None:
        found = getattr(client, "id", None)
        exchange = found if isinstance(found, str) else None
    if exchange is None:
        return
    if _ARMED in cls.__dict__ and exchange in client.__dict__.get(REJECTED, ()):
        # Armed for this exchange already: a bot's repeated rejection. Without the
        # lock, as if it ran just before a disarming that may be under way.
        return
    with _lock:
        if _ARMED not in cls.__dict__:
            armed = _armed_class(cls, adapter)
            if type(client) is not cls:
                return  # swapped by another thread meanwhile
            client.__class__ = armed
        # getattr and object.__setattr__, not __dict__ (`sdk.base`: inline attributes).
        rejected = getattr(client, REJECTED, None)
        if not isinstance(rejected, set):
            rejected = set()
            object.__setattr__(client, REJECTED, rejected)
        rejected.add(exchange)
