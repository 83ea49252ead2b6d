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
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._core import hooks
from .._core.fork import ForkSafeLock
from .introspect import key_fingerprint_of

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["BASE_MARKER", "arm"]

#: The attribute `wrap()` puts on its generated classes (the original class).
#: An armed class carries it too, so `unwrap()` and `is_wrapped()` work unchanged.
BASE_MARKER = "__ipwhitelist_base__"
# The wrapped class an armed class disarms to.
_ARMED = "__ipwhitelist_armed__"

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
    if not _carries_key(client, url, headers, body):
        return
    cls = type(client)
    wrapped = cls.__dict__.get(_ARMED)
    with _lock:
        if wrapped is None or type(client) is not cls:
            return  # another thread disarmed it first
        client.__class__ = wrapped
    exchange = getattr(client, "id", None)
    if isinstance(exchange, str):
        hooks.emit_recovery(exchange, key_fingerprint_of(client))


def _armed_class(wrapped: type) -> type:
    found = _armed_classes.get(wrapped)
    if found is not None:
        return found
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
    namespace = {
        BASE_MARKER: wrapped.__dict__[BASE_MARKER],
        _ARMED: wrapped,
        "__module__": wrapped.__module__,
        "__qualname__": wrapped.__qualname__,
        "__doc__": wrapped.__doc__,
        "fetch": watching,
    }
    found = _armed_classes[wrapped] = type(wrapped.__name__, (wrapped,), namespace)
    return found


def arm(client: object) -> None:
    """After a rejection on *client*: report its next successful signed request."""
    cls = type(client)
    if BASE_MARKER not in cls.__dict__ or _ARMED in cls.__dict__:
        return  # not a wrapped client, or already armed
    with _lock:
        armed = _armed_class(cls)
        if type(client) is cls:
            client.__class__ = armed
