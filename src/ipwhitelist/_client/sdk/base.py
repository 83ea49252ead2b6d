"""
What every SDK adapter shares: instrumenting a client in place, and the verdict.

An adapter knows one SDK family: which methods are its choke points, which
exceptions it raises, how to read status, body and headers back from them (or
from its transport), its credentials and its proxy. Everything else is the
ccxt path's: `classify.response_from_http` reads the response,
`_mapping.reject` decides and builds the diagnosis, `_guard`'s guards raise.

As for ccxt clients, the client's class is swapped for a generated subclass
(one per SDK class, cached) whose choke-point methods run in a guard; the
object stays the same and `unwrap` swaps the class back.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..._core import classify
from ..._core.fork import ForkSafeLock
from ..._core.lineage import lineage_of_id
from ..._core.redact import redact
from ..guard import guard_async, guard_returned_async, guard_returned_sync, guard_sync
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
    "RETURNED",
    "STATE",
    "Adapter",
    "ClientView",
    "Returned",
    "binance_id",
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
RETURNED = "_ipwhitelist_raise_returned"

_classes: dict[tuple[type, str], type] = {}
_classes_lock = ForkSafeLock()


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

    def accepts(self, cls: type) -> bool:
        """Whether instances of *cls* are this SDK's clients."""
        return any(
            k.__module__.startswith(self.prefixes) and self.has_entry(k) for k in cls.__mro__
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
        for name in self.guarded(cls):
            func = getattr(cls, name, None)
            if callable(func):
                guard = guard_async if asyncio.iscoroutinefunction(func) else guard_sync
                namespace[name] = guard(func, self._classifier(name), self.catch())
        for name in self.inspected(cls):
            func = getattr(cls, name, None)
            if not callable(func):
                continue
            # One guard for both when the method is also guarded for raised errors.
            raised = name in namespace
            returned = (
                guard_returned_async if asyncio.iscoroutinefunction(func) else guard_returned_sync
            )
            namespace[name] = returned(
                func,
                self.result,
                self._inspect,
                _raises,
                self._classifier(name) if raised else None,
                self.catch() if raised else (),
            )
        return namespace

    # -- the verdict --------------------------------------------------------------

    def _classifier(self, method: str) -> Callable[[tuple[Any, ...], BaseException], Any]:
        def classify(args: tuple[Any, ...], exc: BaseException) -> IPRejection | None:
            client = args[0]
            settings = settings_of(client)
            if settings is None:
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
            attrs.evolve(self.view(holder), sdk_client=holder)
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
        if BASE not in cls.__dict__:
            client.__class__ = wrapped_class(self, cls)
        client.__dict__[STATE] = settings
        client.__dict__[RETURNED] = raise_returned
        self.attach(client)
        return client

    def uninstall(self, client: Any) -> Any:
        """Undo `install`."""
        base = type(client).__dict__.get(BASE)
        if base is not None:
            client.__class__ = base
        self.detach(client)
        client.__dict__.pop(STATE, None)
        client.__dict__.pop(RETURNED, None)
        client.__dict__.pop(REJECTED, None)
        return client

    def _inspect(self, args: tuple[Any, ...], found: Returned) -> IPRejection | None:
        """The rejection for an error *found* (by `result`) in what a call returned."""
        client = args[0]
        settings = settings_of(client)
        if settings is None:
            return None
        view = attrs.evolve(self.view(client), sdk_client=client)
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
    return bool(args[0].__dict__.get(RETURNED))


def retyped(rejection: IPRejection | None, sdk: type | None) -> IPRejection | None:
    """Make *rejection* also an instance of the SDK's exception class *sdk*."""
    if rejection is not None and sdk is not None:
        rejection.__class__ = combined(type(rejection), sdk)
    return rejection


def settings_of(client: Any) -> Settings | None:
    """The settings a wrapped client carries, or None."""
    found: Settings | None = getattr(client, "__dict__", {}).get(STATE)
    return found


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
