"""
Recover what an SDK drops, from its own HTTP session.

pybit turns every non-200 answer into "HTTP status code is not 200." without
the body; Binance's modular SDKs keep neither the HTTP status nor the body
(they put Binance's error code where the status goes); python-okx returns the
JSON without the status. A response hook on the SDK's own session (requests'
``hooks["response"]``, httpx's ``event_hooks["response"]``) keeps what the
classifier needs of the last response of each thread, per session: status,
headers and body (a failed requests response's body is read at once; an
httpx response is kept until the session's next one on that thread). An
SDK function with the guards written in that holds its response in a local
variable (python-okx's ``_request``) needs no hook: it hands the response
of a failed call over itself (`keep`), and the reader takes it at once.

One slot per thread: a bot thread makes one request at a time, and the SDK
raises (or returns) right after its response arrives, before any other request
on that thread. A requests slot names its session, an httpx session has slots
of its own, and a reader takes one only for the session and status it
expects, so a response of another client (or one that was never turned into
an error) is not mistaken for this one.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import attrs

from ..._core.classify import MAX_SCAN

__all__ = [
    "Recorded",
    "attach_httpx",
    "attach_requests",
    "detach",
    "keep",
    "signed_success",
    "take",
]

_local = threading.local()


@attrs.frozen(kw_only=True)
class Recorded:
    """One response, as the session's hook saw it."""

    session: int
    status: int | None
    url: str | None
    method: str | None
    headers: Any = attrs.field(repr=False)
    # The requests hook reads a failed response's body; httpx runs hooks
    # before reading, so its response object is kept and read when classified.
    body: str | None = attrs.field(default=None, repr=False)
    response: Any = attrs.field(default=None, repr=False)

    def text(self) -> str | None:
        """The body (at most `MAX_SCAN` characters), read now if needed."""
        if self.body is not None:
            return self.body
        response = self.response
        try:
            raw = response.content if response is not None else None
        except Exception:  # noqa: BLE001 - a body that cannot be read is no body
            return None
        return raw[:MAX_SCAN].decode("utf-8", "replace") if isinstance(raw, bytes) else None


def _requests_hook(session: Any, signing: bool) -> Any:
    key = id(session)

    def hook(response: Any, *_args: Any, **_kwargs: Any) -> None:
        status = response.status_code
        if 200 <= status < 300:  # noqa: PLR2004
            if signing:
                # Whether it was signed, worked out now rather than keeping
                # the request (and its API key header) alive until the next
                # one. `signed_success` reads it, for an armed client's
                # recovery (`_watch`).
                _local.ok = (key, _signed(response.request))
            return
        try:
            # requests runs hooks before it reads the body; the SDK reads it
            # right after (no stream), so reading it here costs nothing extra.
            content = response.content
        except Exception:  # noqa: BLE001 - the SDK meets the same failure right after
            content = None
        request = response.request
        _local.slot = Recorded(
            session=key,
            status=status,
            url=response.url,
            method=getattr(request, "method", None),
            headers=response.headers,
            body=content[:MAX_SCAN].decode("utf-8", "replace") if content is not None else None,
        )

    hook.__ipwhitelist__ = key  # type: ignore[attr-defined]
    return hook


def _signed(request: Any) -> bool:
    """
    Whether *request* carried a signature.

    Binance's signed endpoints carry a ``signature`` parameter (HMAC, RSA or
    Ed25519 keys alike); the SDKs send the API key header on public requests
    too, so the header proves nothing.
    """
    # Spelled out, no generator: this runs on every successful request.
    url = getattr(request, "url", None)
    if isinstance(url, str) and "signature=" in url:
        return True
    body = getattr(request, "body", None)
    if isinstance(body, bytes):
        return b"signature=" in body
    return isinstance(body, str) and "signature=" in body


def _httpx_hook(session: Any) -> Any:
    """
    A response hook that stores each response in a slot of this session and thread.

    Every response passes here (python-okx returns errors with any status),
    so the hook is a C-level call, no Python frame: ``setattr`` on a
    thread-local object of the session's own (a hook written in Python was
    about 1.5 % of python-okx's success path, measured in benchmarks/). The
    response stays until the session's next one on that thread.
    """
    hook = functools.partial(setattr, threading.local(), "response")
    hook.__ipwhitelist__ = id(session)  # type: ignore[attr-defined]
    return hook


def keep(session: Any, response: Any) -> None:
    """
    Keep *response*, the httpx response of a failed call on *session* (or None), for `take`.

    For a choke point that holds its response in a local variable and has the
    guards written in (`inline.inline_guard`): the guard hands the response
    over on the error path only, so the session needs no hook, and the
    success path pays nothing.
    """
    _local.kept = (id(session), response)


def _httpx_taken(session: Any) -> Recorded | None:
    """This thread's last response on the httpx *session*, taken once."""
    hooks = getattr(session, "_event_hooks", None)
    found = hooks.get("response") if isinstance(hooks, dict) else None
    key = id(session)
    response = None
    for hook in found or ():
        if getattr(hook, "__ipwhitelist__", None) == key and isinstance(hook, functools.partial):
            slot = hook.args[0]
            response = getattr(slot, "response", None)
            slot.response = None
            break
    kept = getattr(_local, "kept", None)
    _local.kept = None
    if response is None and kept is not None and kept[0] == key:
        response = kept[1]
    if response is None:
        return None
    try:
        request, status = response.request, response.status_code
        recorded = Recorded(
            session=key,
            status=status,
            url=str(request.url),
            method=request.method,
            headers=response.headers,
            response=response,
        )
    except (AttributeError, RuntimeError):  # not an httpx response, or one without its request
        return None
    return recorded if isinstance(status, int) else None


def attach_requests(session: Any, *, signing: bool = False) -> None:
    """
    Record *session*'s failed responses; once per session.

    With *signing*, also whether each successful request was signed
    (`signed_success`), for adapters that learn it from the transport.
    """
    hooks = getattr(session, "hooks", None)
    found = hooks.get("response") if isinstance(hooks, dict) else None
    if isinstance(found, list) and not _ours_for(found, session):
        found.append(_requests_hook(session, signing))


def attach_httpx(client: Any) -> None:
    """Record every response of an httpx client; once per client."""
    hooks = getattr(client, "event_hooks", None)
    found = hooks.get("response") if isinstance(hooks, dict) else None
    if isinstance(found, list) and not _ours_for(found, client):
        found.append(_httpx_hook(client))


def _ours_for(hooks: list[Any], session: Any) -> bool:
    """
    Whether *hooks* holds this session's hook; drop ours of another session.

    A deep copy of a wrapped client copies its session with the hook, which
    still records under the original session's id: it is replaced.
    """
    key = id(session)
    hooks[:] = [h for h in hooks if getattr(h, "__ipwhitelist__", key) == key]
    return any(getattr(h, "__ipwhitelist__", None) == key for h in hooks)


def detach(session: Any) -> None:
    """Remove the hooks `attach_requests` / `attach_httpx` installed."""
    for name in ("hooks", "_event_hooks"):
        hooks = getattr(session, name, None)
        found = hooks.get("response") if isinstance(hooks, dict) else None
        if isinstance(found, list):
            found[:] = [h for h in found if not getattr(h, "__ipwhitelist__", False)]


def signed_success(session: Any) -> bool:
    """Whether this thread's last successful request on *session* was signed (taken once)."""
    found = getattr(_local, "ok", None)
    _local.ok = None
    return found is not None and found[0] == id(session) and found[1]


def take(session: Any, status: int | None = None) -> Recorded | None:
    """This thread's last response on *session* (with *status*, if given), taken once."""
    if isinstance(getattr(session, "_event_hooks", None), dict):  # an httpx client
        found = _httpx_taken(session)
        if found is None or (status is not None and found.status != status):
            return None
        return found
    recorded: Recorded | None = getattr(_local, "slot", None)
    if recorded is None or recorded.session != id(session):
        return None
    if status is not None and recorded.status != status:
        return None
    _local.slot = None
    return recorded
