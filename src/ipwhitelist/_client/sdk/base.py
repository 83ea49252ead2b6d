"""
What every SDK adapter shares: instrumenting a client in place, and the verdict.

An adapter knows one SDK family: which methods are its choke points, which
exceptions it raises, how to read status, body and headers back from them (or
from its transport), its credentials and its proxy. Everything else is the
ccxt path's: `classify.response_from_http` reads the response,
`_mapping.reject` decides and builds the diagnosis, `_guard`'s guards raise.

The first `wrap` of an SDK client puts the guards on the client's class
itself (once per class, `Adapter.guard_class`), and marks the client with one
attribute; `unwrap` removes the marks. A guard asks whether its client is
marked only once an error is on its way (raised, or returned as data), so
an unmarked client of a guarded class gets the SDK's own results and errors,
the very same objects, and no hook hears of it.

Why not swap the client's class for a generated subclass, as for ccxt? CPython
keeps a plain object's attributes inline, laid out by its class, and
specialises every attribute read for that layout. A swapped class (or a
client whose ``__dict__`` was touched) loses that: every one of the hundreds
of attribute reads inside the SDK's request code takes the slow path, 1-4 %
of a call served from memory, more than the guard itself (measured in
``benchmarks/``). The marks are set with ``object.__setattr__``, which keeps
the layout. Classes that cannot carry the guards (no ``__dict__``, or a class
built in C) are still swapped.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..._core import classify
from ..._core.fork import ForkSafeLock
from ..._core.lineage import lineage_of_id
from ..._core.redact import redact
from ..guard import (
    guard_async,
    guard_returned_async,
    guard_returned_sync,
    guard_sync,
    spelled,
)
from ..inline import Keep, inline_guard
from ..introspect import credentials_of
from ..mapping import Settings, reject
from ..watch import ADAPTER_MARKER, REJECTED
from .errors import combined, remember_snapshot, sdk_base, snapshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...errors import IPRejection
    from . import transport

__all__ = [
    "BASE",
    "STATE",
    "Adapter",
    "ClientView",
    "Returned",
    "binance_id",
    "guarded_classes",
    "in_place",
    "proxy_in",
    "response_of",
    "retyped",
    "settings_of",
    "text_of",
    "wrapped_class",
]

# The same keys as ccxt clients use (`_wrap`), so `is_wrapped` reads both.
BASE = "__ipwhitelist_base__"
STATE = "_ipwhitelist_settings"

_classes: dict[tuple[type, str], type] = {}
_classes_lock = ForkSafeLock()
#: Per class guarded in place: each guarded name, what the class's own
#: ``__dict__`` held under it before (`_ABSENT`: it inherited it), and the guard.
_patched: dict[type, dict[str, tuple[Any, Any]]] = {}
_ABSENT = object()
# Py_TPFLAGS_HEAPTYPE: a class made by a class statement (or type()), whose
# attributes can be set; a class built in C has it clear.
_HEAPTYPE = 1 << 9


@attrs.frozen(kw_only=True)
class ClientView:
    """
    An SDK client seen through ccxt's attribute names.

    `_mapping.reject` reads a client's credentials (to redact them by value),
    its proxy (to look the egress up through it) and its options under ccxt's
    names; each adapter fills this view from its SDK's own attributes.
    """

    id: str
    apiKey: str | None = attrs.field(default=None, repr=False)  # noqa: N815 - ccxt's name
    secret: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    privateKey: str | None = attrs.field(default=None, repr=False)  # noqa: N815 - ccxt's name
    httpsProxy: str | None = attrs.field(default=None, repr=False)  # noqa: N815 - ccxt's name
    options: None = None
    #: The SDK client itself, when known: `_watch` arms it after a rejection.
    sdk_client: Any = attrs.field(default=None, repr=False, eq=False)
    #: The adapter of `sdk_client`: `_watch` arms the client through it.
    adapter: Any = attrs.field(default=None, repr=False, eq=False)
    #: The SDK's HTTP session: whether it trusts HTTPS_PROXY and friends
    #: (requests and httpx do by default), so the egress lookup takes its route.
    session: Any = attrs.field(default=None, repr=False, eq=False)


def text_of(value: Any) -> str | None:
    """A credential as text (PEM bytes decoded), or None."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) and value else None


def proxy_in(proxies: Any) -> str | None:
    """The HTTPS (else HTTP) proxy URL in a requests-style ``proxies`` mapping."""
    if not isinstance(proxies, dict):
        return None
    value = proxies.get("https") or proxies.get("http")
    return value if isinstance(value, str) and value else None


def binance_id(url: str | None) -> str:
    """
    The ccxt id of the Binance product a URL belongs to.

    USDⓈ-M futures (``fapi``) are ``binanceusdm``, COIN-M (``dapi``)
    ``binancecoinm``, binance.us ``binanceus``; spot, margin (``sapi``),
    portfolio margin (``papi``) and options (``eapi``) are ``binance``, as in
    ccxt's own ``urls["api"]`` tables. The path counts as well as the host:
    testnets and loopback fakes keep the path.
    """
    if not url:
        return "binance"
    lowered = url.lower()
    host = lowered.split("://", 1)[-1].split("/", 1)[0]
    if host.endswith("binance.us"):
        return "binanceus"
    if "fapi" in host or "/fapi/" in lowered or "/ws-fapi/" in lowered:
        return "binanceusdm"
    if "dapi" in host or "/dapi/" in lowered:
        return "binancecoinm"
    return "binance"


@attrs.frozen(kw_only=True)
class Returned:
    """An error an SDK returned as data: the response, and the exception the SDK would raise."""

    response: classify.Response
    sdk: type | None
    attributes: dict[str, Any]


class Adapter:
    """
    One SDK family. Subclasses set the class attributes and override the hooks.

    Attributes:
        name: The SDK's name on the package index.
        prefixes: Module path prefixes of the clients it accepts.
        exchanges: The ccxt ids its clients talk to (for the docs).
        methods: Choke-point methods guarded for raised errors.
        returning: Methods whose *result* may be an error the SDK did not raise.
    """

    name: ClassVar[str] = ""
    prefixes: ClassVar[tuple[str, ...]] = ()
    exchanges: ClassVar[tuple[str, ...]] = ()
    methods: ClassVar[tuple[str, ...]] = ()
    returning: ClassVar[tuple[str, ...]] = ()
    #: Methods whose normal return may be a signed request that succeeded
    #: (see `signed`): watched while the client has an open incident.
    signing: ClassVar[tuple[str, ...]] = ()
    #: Whether the raised-error guards are written into the SDK's own
    #: functions (`inline.inline_guard`): for the few choke points every
    #: request passes, not for SDKs that guard hundreds of methods.
    inline: ClassVar[bool] = False
    #: The local variable of the SDK's own choke point that holds the HTTP
    #: response: with the guards written in (`inline`), its value is handed to
    #: `keep` on the error path, so the session needs no response hook.
    response_local: ClassVar[str | None] = None

    def accepts(self, cls: type) -> bool:
        """Whether instances of *cls* are this SDK's clients."""
        return any(self.owns(k.__module__) and self.has_entry(k) for k in cls.__mro__)

    def owns(self, module: str | None) -> bool:
        """
        Whether *module* is the SDK's: a package of `prefixes` or one of its modules.

        A prefix ending in "_" names a family of packages (``binance_sdk_``);
        any other is one package, so a user's ``okx_bot`` is not python-okx.
        """
        name = module or ""
        return any(
            name.startswith(p) if p.endswith("_") else name == p or name.startswith(f"{p}.")
            for p in self.prefixes
        )

    def has_entry(self, cls: type) -> bool:
        """Whether *cls* defines one of the guarded methods itself."""
        return any(name in cls.__dict__ for name in (*self.methods, *self.returning))

    def catch(self) -> type[BaseException] | tuple[type[BaseException], ...]:
        """The exceptions a guarded call may turn into a rejection."""
        return Exception

    def view(self, client: Any) -> ClientView:
        """The client's credentials and proxy under ccxt's names."""
        raise NotImplementedError

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """
        What the failed response said, or None when *exc* is not an exchange error.

        *client* is None when only the exception is known (`diagnosing`);
        *method* is the guarded method that raised it ("" if unknown).
        """
        raise NotImplementedError

    def result(self, client: Any, result: Any) -> Returned | None:
        """An error the SDK returned as data, and how the SDK would have raised it."""
        return None

    def watched(self, cls: type) -> tuple[str, ...]:
        """The methods of *cls* watched for a signed success while an incident is open."""
        return self.signing

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """
        Whether this call of a `signing` method sent the API key's signature.

        Only a signed call that succeeds ends an incident: public endpoints
        answer whatever the key's whitelist says.
        """
        return True

    def keep(self, client: Any, response: Any, error: BaseException | None) -> None:
        """
        Keep the response of a failed call for `response` / `result` (`response_local`).

        *error* is what is being handled, None for an error returned as data.
        """

    def forget(self, client: Any) -> None:
        """Drop what `keep` kept for *client*: the error is not classified after all."""

    def attach(self, client: Any) -> None:
        """Install transport hooks (once per client)."""

    def detach(self, client: Any) -> None:
        """Remove what `attach` installed."""

    def guarded(self, cls: type) -> tuple[str, ...]:
        """The methods of *cls* guarded for raised errors."""
        return self.methods

    def inspected(self, cls: type) -> tuple[str, ...]:
        """The methods of *cls* whose results may be errors returned as data."""
        return self.returning

    def entries(self, cls: type) -> dict[str, Any]:
        """The guarded methods of a generated subclass of *cls*."""
        namespace: dict[str, Any] = {}
        inspected = self.inspected(cls)
        for name in self.guarded(cls):
            func = own(cls, name)
            if callable(func) and name not in inspected:
                namespace[name] = self._guard(cls, func, self._classifier(name), self.catch())
        for name in inspected:
            func = own(cls, name)
            if not callable(func):
                continue
            # One guard for both when the method is also guarded for raised errors.
            raised = name in self.guarded(cls)
            returned = (
                guard_returned_async if asyncio.iscoroutinefunction(func) else guard_returned_sync
            )
            classify = self._classifier(name) if raised else None
            catch = self.catch() if raised else ()
            inlined = (
                inline_guard(
                    cls,
                    func,
                    classify=classify,
                    catch=catch,
                    look=self.result,
                    inspect=self._inspect,
                    raises=_raises,
                    keep=self._keeps(func),
                )
                if self.inline
                else None
            )
            namespace[name] = (
                inlined
                or spelled(
                    func,
                    "returned",
                    classify=classify,
                    catch=catch,
                    look=self.result,
                    inspect=self._inspect,
                    raises=_raises,
                )
                or returned(func, self.result, self._inspect, _raises, classify, catch)
            )
        return namespace

    def _keeps(self, func: Any) -> Keep | None:
        """What `inline.inline_guard` hands the response to: only in the SDK's own code."""
        if self.response_local is None or not self.owns(getattr(func, "__module__", None)):
            return None
        return (self.response_local, self.keep)

    def _guard(self, cls: type, func: Any, classify: Any, catch: Any) -> Any:
        """
        The raised-error guard of *func*: the cheapest that can be built.

        Written into the SDK's own function (`inline.inline_guard`) where the
        adapter asks for it and the source provably is the running code;
        else written out with its parameters (`guard.spelled`); else generic.
        """
        inlined = inline_guard(cls, func, classify=classify, catch=catch) if self.inline else None
        if inlined is not None:
            return inlined
        guard = guard_async if asyncio.iscoroutinefunction(func) else guard_sync
        return spelled(func, "raised", classify=classify, catch=catch) or guard(
            func, classify, catch
        )

    # -- the verdict --------------------------------------------------------------

    def _classifier(self, method: str) -> Callable[[tuple[Any, ...], BaseException], Any]:
        def classify(args: tuple[Any, ...], exc: BaseException) -> IPRejection | None:
            client = args[0]
            settings = settings_of(client)
            if settings is None:
                # Unwrapped since `keep` saw it wrapped (another thread): drop what it kept.
                self.forget(client)
                return None
            return self.rejection(client, exc, settings, method=method)

        return classify

    def rejection(
        self, client: Any, exc: BaseException, settings: Settings, *, method: str = ""
    ) -> IPRejection | None:
        """
        Classify *exc*; the rejection is also the SDK's exception class.

        *client* is the SDK client that raised it, a ccxt id (`diagnosing`
        told which exchange), or None (the exception says which).
        """
        forced = client if isinstance(client, str) else None
        holder = None if forced is not None or client is None else client
        response = self.response(holder, exc, method)
        if response is None:
            return None
        if forced is not None:
            response = attrs.evolve(response, exchange=forced, lineage=lineage_of_id(forced))
        view = (
            attrs.evolve(self.view(holder), sdk_client=holder, adapter=self)
            if holder is not None
            else ClientView(id=response.exchange)
        )
        sdk = sdk_base(type(exc))
        rejection = retyped(reject(exc, response, settings=settings, exchange=view), sdk)
        if rejection is not None:
            remember_snapshot(rejection, snapshot(exc, credentials_of(view)))
        return rejection

    # -- instrumenting a client ---------------------------------------------------

    def install(self, client: Any, settings: Settings, *, raise_returned: bool) -> Any:
        """Wrap *client* in place; wrapping again only replaces the settings."""
        cls = type(client)
        if BASE not in cls.__dict__:  # not already swapped (or armed)
            if in_place(cls):
                self.guard_class(cls)
            else:
                client.__class__ = wrapped_class(self, cls)
        if settings.raise_returned != raise_returned:
            settings = attrs.evolve(settings, raise_returned=raise_returned)
        # object.__setattr__: never the SDK's own __setattr__, and the
        # attributes stay inline (the module docstring). One attribute: CPython
        # keeps at most 30 attribute names of a class inline, and a client of
        # python-binance's AsyncClient already has 28.
        object.__setattr__(client, STATE, settings)
        self.attach(client)
        return client

    def uninstall(self, client: Any) -> Any:
        """Undo `install`; the class keeps its guards, which pass everything through."""
        base = type(client).__dict__.get(BASE)
        if base is not None:
            client.__class__ = base
        self.detach(client)
        for name in (STATE, REJECTED):
            with contextlib.suppress(AttributeError):
                object.__delattr__(client, name)
        return client

    def is_installed(self, client: Any) -> bool:
        """Whether *client* is wrapped."""
        return settings_of(client) is not None

    def guard_class(self, cls: type) -> None:
        """
        Put the guards on *cls* itself, once; its subclasses get their own.

        Checked again at every wrap: a guard someone replaced since (a
        ``mock.patch`` of the SDK class undone, a monkeypatch) would leave
        every wrapped client without it (pybit's ``repr`` showing the secret,
        rejections untyped), so the replacement is guarded in its turn.
        """
        with _classes_lock:
            patched = _patched.get(cls)
            if patched is None:
                entries = self.entries(cls)
                _patched[cls] = {
                    name: (cls.__dict__.get(name, _ABSENT), guard)
                    for name, guard in entries.items()
                }
                for name, guard in entries.items():
                    setattr(cls, name, guard)
                return
            stale = [n for n, (_, guard) in patched.items() if cls.__dict__.get(n) is not guard]
            if not stale:
                return
            for name in stale:
                patched[name] = (cls.__dict__.get(name, _ABSENT), None)
            entries = self.entries(cls)
            for name in stale:
                patched[name] = (patched[name][0], entries[name])
                setattr(cls, name, entries[name])

    def _inspect(self, args: tuple[Any, ...], found: Returned) -> IPRejection | None:
        """The rejection for an error *found* (by `result`) in what a call returned."""
        client = args[0]
        settings = settings_of(client)
        if settings is None:
            return None
        view = attrs.evolve(self.view(client), sdk_client=client, adapter=self)
        rejection = retyped(
            reject(None, found.response, settings=settings, exchange=view), found.sdk
        )
        if rejection is not None:
            # What the SDK's own exception would have carried, credentials removed.
            secrets = credentials_of(view)
            rejection.__dict__.update(
                {
                    k: redact(v, secrets) if isinstance(v, str) else v
                    for k, v in found.attributes.items()
                }
            )
        return rejection


def _raises(args: tuple[Any, ...]) -> bool:
    settings = settings_of(args[0])
    return settings is not None and settings.raise_returned


def in_place(cls: type) -> bool:
    """Whether *cls* can carry the guards itself (`Adapter.guard_class`)."""
    return bool(cls.__flags__ & _HEAPTYPE) and cls.__dictoffset__ != 0


def own(cls: type, name: str) -> Any:
    """
    The SDK's own attribute *name* of *cls* (a function, a property), never a guard.

    Found along the MRO as attribute lookup would, except that a class guarded
    in place answers with what it held before: a subclass of a guarded class
    guards the SDK's function, not the guard (one guard per call, not two).
    """
    for klass in cls.__mro__:
        patched = _patched.get(klass)
        if patched is not None and name in patched:
            found = patched[name][0]
            if found is _ABSENT:
                continue
            return found
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def guarded_classes() -> dict[type, dict[str, tuple[Any, Any]]]:
    """
    Per class guarded in place: each name's (SDK's own value or None if inherited, guard).

    For the benchmarks, which must compare a wrapped client with one that runs
    the SDK's own methods (`restore` and `reguard` switch a class between them).
    """
    with _classes_lock:
        return {
            cls: {
                name: (None if before is _ABSENT else before, guard)
                for name, (before, guard) in names.items()
            }
            for cls, names in _patched.items()
        }


def retyped(rejection: IPRejection | None, sdk: type | None) -> IPRejection | None:
    """Make *rejection* also an instance of the SDK's exception class *sdk*."""
    if rejection is not None and sdk is not None:
        rejection.__class__ = combined(type(rejection), sdk)
    return rejection


def settings_of(client: Any) -> Settings | None:
    """The settings a wrapped client carries, or None."""
    # getattr, not __dict__: reading __dict__ moves inline attributes into a dict.
    found = getattr(client, STATE, None)
    return found if isinstance(found, Settings) else None


def response_of(
    exchange: str,
    *,
    status: Any = None,
    body: Any = None,
    url: Any = None,
    method: Any = None,
    headers: Any = None,
) -> classify.Response:
    """`classify.response_from_http` with the SDK's loosely typed values checked."""
    return classify.response_from_http(
        exchange,
        lineage_of_id(exchange),
        http_status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        body=body if isinstance(body, str) else None,
        url=url if isinstance(url, str) else None,
        method=method.upper() if isinstance(method, str) else None,
        headers=headers,
    )


def recorded_response(exchange: str, recorded: transport.Recorded) -> classify.Response:
    """What the SDK's transport recorded of the failed answer, as a response to classify."""
    return response_of(
        exchange,
        status=recorded.status,
        body=recorded.text(),
        url=recorded.url,
        method=recorded.method,
        headers=recorded.headers,
    )


def wrapped_class(adapter: Adapter, cls: type) -> type:
    """The generated subclass of *cls* with *adapter*'s choke points guarded (cached)."""
    key = (cls, adapter.name)
    with _classes_lock:
        found = _classes.get(key)
        if found is None:
            namespace: dict[str, Any] = {
                BASE: cls,
                ADAPTER_MARKER: adapter,
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
                "__doc__": cls.__doc__,
                **adapter.entries(cls),
            }
            found = _classes[key] = type(cls.__name__, (cls,), namespace)
    return found
