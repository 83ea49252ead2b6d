"""
`wrap()` / `unwrap()`: instrument one ccxt client in place.

The client's class is swapped for a generated subclass (one per ccxt class,
cached) whose methods catch ccxt exceptions on their way out. The object stays
the same (identity, ``isinstance``, attributes) and the success path pays one
extra Python frame per instrumented call; nothing is looked up unless a call fails.

Three layers cooperate:

* ``handle_errors``: ccxt calls it with the HTTP status, URL, headers and
  body of every response; an IP rejection is recognised here from
  the structured response and raised in place of ccxt's exception.
  Websocket frames that ccxt.pro passes through it are left to the layer below.
* ``fetch``: adds the egress lookup (async on async clients) to a rejection,
  and classifies what ccxt's HTTP-status map raised from its text (which
  carries method, URL, status and body). On async clients both this guard and
  the ``handle_errors`` one are written into a copy of ccxt's own ``fetch``
  when its source provably is the running code (`inline`): no extra frame.
* unified methods and ccxt.pro's ``watch_*``/``*_ws``: classify errors raised
  outside the HTTP layer (response parsing, websockets) from their text, with
  the exchange taken from the client. ccxt.pro builds websocket errors in its
  receive loop and may hand one object to several awaiting calls; each call
  gets its own typed exception and the shared one is left untouched.

``fetch2``/``request`` and every implicit API method reach the exchange
through ``fetch``, so they are covered there. ``fetch2`` also holds ccxt's
opt-in retry loop (``maxRetriesOnFailure``), which retries every
``ccxt.OperationFailed``, `IPBanned` included (it is a ``ccxt.DDoSProtection``).
The wrapped class runs ccxt's own ``fetch2`` code with that one name bound to a
class that excludes `IPRejection`: an IP rejection leaves the loop at once,
anything else is retried exactly as ccxt does, and a successful call runs the
very same bytecode as before.

A wrapped client pickles as its ccxt class does and unpickles wrapped again
with the same settings (`_rewrap`); ``copy`` and ``deepcopy`` go the same way.
"""

from __future__ import annotations

import asyncio
import copyreg
import functools
import types
import weakref
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeVar

import attrs
import ccxt

from .._core import classify
from .._core.bans import retry_after_seconds
from .._core.ccxt_compat import BaseExchange
from .._core.fork import ForkSafeLock
from .._core.lineage import lineage_of
from .._whitelist.whitelist import WhitelistLike, documented_for, to_whitelist
from ..errors import IPRejection
from . import drift
from .guard import guard_async, guard_fetch_async, guard_fetch_sync, guard_sync, throw
from .inline import inline_fetch, is_inlined
from .ipversion import check_family, pin_async, pin_sync, without_pin_hooks
from .mapping import Settings, reject
from .sdk import adapter_for, unwrap_sdk, wrap_sdk
from .watch import BASE_MARKER as _BASE
from .watch import REJECTED as _REJECTED

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .._core.address import AddressFamily
    from .._egress.detector import EgressDetector

__all__ = ["is_wrapped", "make_settings", "unwrap", "wrap"]

_STATE = "_ipwhitelist_settings"

# Exceptions already classified as "not an IP rejection": outer layers let them
# through without classifying them again.
_checked: weakref.WeakSet[BaseException] = weakref.WeakSet()
_classes: dict[type, type] = {}
_classes_lock = ForkSafeLock()
# Serialises wrap()/unwrap() of clients (class, settings, pinned adapters move
# together); calls through a client never take it.
_swap_lock = ForkSafeLock()

# The HTTP method every REST request goes through (fetch2(), request() and so
# every implicit API method call it), plus what `has` does not list. fetch2
# and request are not wrapped again: nothing in them raises an IP rejection
# that fetch() has not seen, and on async clients each extra layer is a
# coroutine per call.
_ALWAYS = ("fetch", "load_markets", "loadMarkets")
_CAMEL_EXCEPTIONS = {"ohlcv": "OHLCV", "le": "LE", "be": "BE", "adl": "ADL"}

E = TypeVar("E")


class _RetryableMeta(type):
    """Gives `_RetriedByCcxt` its ``isinstance`` rule."""

    def __instancecheck__(cls, exc: object) -> bool:
        return isinstance(exc, ccxt.OperationFailed) and not isinstance(exc, IPRejection)


class _RetriedByCcxt(metaclass=_RetryableMeta):
    """
    What ccxt's ``fetch2`` loop may retry on a wrapped client.

    ``isinstance(exc, _RetriedByCcxt)`` holds for a ``ccxt.OperationFailed``
    that is not an `IPRejection`. It is never instantiated.
    """


_fetch2s: dict[Callable[..., Any], Callable[..., Any]] = {}


def _fetch2(cls: type, func: object) -> Callable[..., Any] | None:
    """
    Return ccxt's own ``fetch2``, its retry loop never retrying an `IPRejection`.

    The loop retries ``isinstance(e, OperationFailed)``, looked up in the
    module's globals only when a request failed. The copy shares ccxt's code
    object, defaults and behaviour; only that global is rebound. None when
    *func* does not look like that loop (a future ccxt): it is kept as is, and
    a warning says what that costs.
    """
    problem = drift.fetch2_problem(func)
    if problem is not None:
        drift.fetch2_unrecognised(cls, func, problem)
        return None
    assert isinstance(func, types.FunctionType)  # noqa: S101 - checked by fetch2_problem
    found = _fetch2s.get(func)
    if found is None:
        # A snapshot of ccxt's module globals: fetch2 reads nothing else there.
        rebound = {**func.__globals__, "OperationFailed": _RetriedByCcxt}
        copy = types.FunctionType(
            func.__code__, rebound, func.__name__, func.__defaults__, func.__closure__
        )
        copy.__kwdefaults__ = func.__kwdefaults__
        found = _fetch2s[func] = functools.update_wrapper(copy, func)
    return found


def _camel(name: str) -> str:
    # ccxt's own snake_case -> camelCase rule (base/exchange.py __init__).
    parts = name.split("_")
    return parts[0] + "".join(_CAMEL_EXCEPTIONS.get(p, p[:1].upper() + p[1:]) for p in parts[1:])


def _is_ws(name: str) -> bool:
    return name.startswith(("watch", "un_watch", "unWatch")) or name.endswith(("_ws", "Ws"))


def _is_http_url(url: object) -> bool:
    # ccxt's REST fetch() always passes the absolute request URL (behind a
    # proxyUrl too); its websocket code passes the socket's wss:// URL or ""
    # (hyperliquid, pacifica).
    return isinstance(url, str) and url.startswith(("https://", "http://"))


def _entry_names(cls: type, unified: Iterable[str]) -> list[str]:
    wanted = set(unified)
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        if name in _ALWAYS or name in wanted or _camel(name) in wanted or _is_ws(name):
            names.append(name)
    return names


def _settings(exchange: object) -> Settings | None:
    state: Settings | None = getattr(exchange, "__dict__", {}).get(_STATE)
    return state


def _from_exception(exchange: Any, exc: BaseException) -> IPRejection | None:
    settings = _settings(exchange)
    if settings is None or exc in _checked:
        return None
    response = classify.response_from_exception(exc, exchange.id, lineage_of(exchange))
    if response.http_status is not None and response.retry_after is None:
        response = _with_retry_after(exchange, response)
    return _verdict(exchange, exc, response, settings)


def _with_retry_after(exchange: Any, response: classify.Response) -> classify.Response:
    """
    *response* with the Retry-After of the HTTP response ccxt raised from.

    A ban served as a page (a CDN's or Bybit's 403, not the exchange's JSON)
    is raised by ccxt's ``handle_http_status_code``, whose message has no
    headers; ccxt keeps them in ``last_response_headers``, set with
    ``last_http_response`` just before it raises. They are taken only when that
    body is the one in the message: on a client shared by threads, another
    call may have replaced them meanwhile, and another call's Retry-After
    would be a confident wrong end of the ban.
    """
    body = getattr(exchange, "last_http_response", None)
    headers = getattr(exchange, "last_response_headers", None)
    if not (isinstance(body, str) and response.body and headers):
        return response
    if body[: len(response.body)] != response.body:
        return response
    retry_after = retry_after_seconds(headers)
    return response if retry_after is None else attrs.evolve(response, retry_after=retry_after)


def _from_http(
    exchange: Any,
    exc: BaseException,
    *,
    status: Any,
    url: Any,
    method: Any,
    headers: Any,
    body: Any,
) -> IPRejection | None:
    settings = _settings(exchange)
    if settings is None:
        return None
    response = classify.response_from_http(
        exchange.id,
        lineage_of(exchange),
        http_status=status if isinstance(status, int) else None,
        body=body if isinstance(body, str) else None,
        url=url if isinstance(url, str) else None,
        method=method if isinstance(method, str) else None,
        headers=headers,
    )
    return _verdict(exchange, exc, response, settings)


def _verdict(
    exchange: Any, exc: BaseException, response: classify.Response, settings: Settings
) -> IPRejection | None:
    rejection = reject(
        exc,
        response,
        settings=settings,
        exchange=exchange,
    )
    if rejection is None:
        _checked.add(exc)
    return rejection


def _classify_method(args: tuple[Any, ...], exc: BaseException) -> IPRejection | None:
    # Methods: args[0] is the client.
    return _from_exception(args[0], exc)


def _handle_errors(func: Callable[..., Any]) -> Any:
    """
    Wrap ccxt's ``handle_errors``, which sees the structured response.

    ccxt calls it positionally as ``(code, reason, url, method, headers, body,
    response, requestHeaders, requestBody)`` (the names vary per exchange, the
    order does not). It runs on every response, so the arguments are spelled
    out rather than forwarded.
    """

    @functools.wraps(func)
    def handle_errors(  # noqa: PLR0917 - ccxt's own positional signature
        self: Any,
        code: Any,
        reason: Any,
        url: Any,
        method: Any,
        headers: Any,
        body: Any,
        response: Any = None,
        request_headers: Any = None,
        request_body: Any = None,
        /,
    ) -> Any:
        try:
            return func(
                self,
                code,
                reason,
                url,
                method,
                headers,
                body,
                response,
                request_headers,
                request_body,
            )
        except ccxt.BaseError as exc:
            throw(_typed_http(self, exc, code, url, method, headers, body))
            raise

    return handle_errors


def _typed_http(  # noqa: PLR0917 - handle_errors' positional arguments
    exchange: Any, exc: BaseException, code: Any, url: Any, method: Any, headers: Any, body: Any
) -> IPRejection | None:
    """
    The rejection ccxt's ``handle_errors`` raising *exc* is; None: re-raise *exc* itself.

    Shared by the wrapper above and the ``fetch`` that `inline.inline_fetch`
    writes it into.
    """
    # ccxt.pro calls handle_errors from its websocket receive loop (Binance
    # WebSocket API errors, OKX order ops, Hyperliquid and Pacifica with url "")
    # with the exchange's error code or 0 where the HTTP status goes. One error
    # there can reach several awaiting calls: each call's guard types it at its
    # await. No egress lookup here, on async clients too: fetch()'s guard adds it.
    if isinstance(exc, IPRejection) or not _is_http_url(url):
        return None
    return _from_http(
        exchange, exc, status=code, url=url, method=method, headers=headers, body=body
    )


def _wrapped_class(cls: type, unified: Iterable[str]) -> type:
    with _classes_lock:
        found = _classes.get(cls)
        if found is not None:
            return found
        namespace: dict[str, Any] = {
            _BASE: cls,
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__,
        }
        handle_errors = getattr(cls, "handle_errors", None)
        wraps_handle_errors = drift.handle_errors_fits(cls, handle_errors)
        wrapped: dict[int, Callable[..., Any]] = {}
        for name in _entry_names(cls, unified):
            func = getattr(cls, name, None)
            if not callable(func) or isinstance(func, type) or not hasattr(func, "__code__"):
                continue  # implicit API descriptors resolve to request(), wrapped below
            key = id(func)
            if key not in wrapped:
                wrapped[key] = _guarded(cls, name, func, inline_ok=wraps_handle_errors)
            namespace[name] = wrapped[key]
        # An inlined fetch has the handle_errors wrapper written into it.
        if is_inlined(getattr(namespace.get("fetch"), "__code__", None)):
            wraps_handle_errors = False
        # handle_http_status_code is not wrapped: its exceptions carry method,
        # URL, status and body in their text, which fetch()'s guard classifies
        # before ccxt's retry loop sees them.
        if wraps_handle_errors:
            namespace["handle_errors"] = _handle_errors(handle_errors)  # type: ignore[arg-type]
        fetch2 = _fetch2(cls, getattr(cls, "fetch2", None))
        if fetch2 is not None:
            namespace["fetch2"] = fetch2
        namespace["__reduce_ex__"] = _reduce_ex
        subclass = type(cls.__name__, (cls,), namespace)
        _classes[cls] = subclass
        return subclass


def _guarded(cls: type, name: str, func: Callable[..., Any], *, inline_ok: bool) -> Any:
    """*func* (the method *name* of *cls*) guarded; ``fetch`` by the fastest guard that fits."""
    is_async = asyncio.iscoroutinefunction(func)
    if name != "fetch" or not drift.fetch_fits(cls, func):
        return (guard_async if is_async else guard_sync)(func, _classify_method)
    if is_async and inline_ok:
        # Async: the guards written into ccxt's own fetch, when provably ccxt's.
        inlined = inline_fetch(cls, func, classify=_classify_method, typed_http=_typed_http)
        if inlined is not None:
            return inlined
    return (guard_fetch_async if is_async else guard_fetch_sync)(func, _classify_method)


def _reduce_ex(self: Any, _protocol: SupportsIndex) -> tuple[Any, ...]:
    """
    Pickle (and copy) a wrapped client as its ccxt class, plus the wrap() settings.

    The generated class cannot be found by name, so the pickle names the
    ccxt class and `_rewrap` wraps the restored client again. The state is
    ccxt's own (its ``__dict__``) without the per-client async hook, so the
    pickle holds nothing beyond ccxt's own pickle and the settings (detector
    configuration, whitelist, family).
    """
    state = without_pin_hooks({k: v for k, v in vars(self).items() if k not in {_STATE, _REJECTED}})
    return (_rewrap, (type(self).__dict__[_BASE], state, _settings(self)))


def _rewrap(base: type[Any], state: dict[str, Any], settings: Settings | None) -> Any:
    """Restore a pickled wrapped client: ccxt's object, wrapped again with *settings*."""
    # What pickle's default reconstruction does (copyreg.__newobj__, then the dict).
    exchange: Any = copyreg.__newobj__(base)  # type: ignore[attr-defined]
    exchange.__dict__.update(state)
    if settings is not None:  # pragma: no branch - None only if pickled during an unwrap()
        with _swap_lock:
            _install(exchange, settings)
    return exchange


def _install(exchange: Any, settings: Settings) -> None:
    """Swap in the wrapped class and *settings*, pin the family; under `_swap_lock`."""
    cls = type(exchange)
    if _BASE not in cls.__dict__:
        has = getattr(exchange, "has", None)
        unified = [k for k in has if isinstance(k, str)] if isinstance(has, dict) else []
        exchange.__class__ = _wrapped_class(cls, unified)
    exchange.__dict__[_STATE] = settings
    if asyncio.iscoroutinefunction(type(exchange).fetch):
        pin_async(exchange, settings.family)
    else:
        pin_sync(exchange, settings.family)


def _detector(egress: bool | EgressDetector) -> EgressDetector | None:
    # Imported here: the egress machinery is only needed once a client is
    # wrapped, and `import ipwhitelist` should stay cheap.
    from .._egress.detector import EgressDetector, default_detector  # noqa: PLC0415 - lazy: the egress modules load with the first wrap()

    if egress is True:
        return default_detector()
    if egress is False or egress is None:
        return None
    if isinstance(egress, EgressDetector):
        return egress
    raise TypeError(f"egress must be True, False or an EgressDetector, not {egress!r}")


def make_settings(
    egress: bool | EgressDetector,
    whitelist: WhitelistLike | None,
    family: AddressFamily | None = None,
) -> Settings:
    """Validate and normalise the options shared by `wrap`, `diagnose` and `diagnosing`."""
    return Settings(
        egress=_detector(egress), whitelist=to_whitelist(whitelist), family=check_family(family)
    )


def _bound(settings: Settings, client: object) -> Settings:
    # A registry documents several keys: the client's own is the list that
    # counts; none documented (or an empty list) = unknown.
    return attrs.evolve(settings, whitelist=documented_for(settings.whitelist, client))


def wrap(
    exchange: E,
    *,
    egress: bool | EgressDetector = True,
    whitelist: WhitelistLike | None = None,
    family: AddressFamily | None = None,
    raise_returned: bool = False,
) -> E:
    """
    Instrument a ccxt or SDK client so IP rejections raise `IPRejection` subclasses.

    Works for ``ccxt.<id>``, ``ccxt.async_support.<id>`` and ``ccxt.pro.<id>``
    clients, and for the exchanges' own SDKs: python-binance ``Client`` and
    ``AsyncClient``, binance-connector ``Spot`` (and the clients sharing
    ``binance.api.API``), Binance's modular SDKs (``binance-sdk-spot``, …),
    pybit ``unified_trading.HTTP`` and python-okx's API classes. For an SDK
    client the exception raised is also the SDK's own exception class. Returns
    the same object: identity, ``isinstance`` checks and every attribute are
    preserved. Wrapping again only replaces the options.

    A wrapped client pickles as the ccxt client does (the pickle adds the
    options, no credential) and unpickles wrapped, with the same options: the
    same `EgressDetector` configuration with an empty cache (the default
    detector becomes the loading process's default), whitelist and family.
    ``copy.copy`` and ``copy.deepcopy`` give wrapped clients too.

    Args:
        exchange: A ccxt client instance, or an SDK client.
        egress: ``True`` looks up the public egress IP when (and only when) a
            rejection happens, with the shared default `EgressDetector`;
            ``False`` never looks it up; an `EgressDetector` uses that one.
            The environment variable ``IPWHITELIST_EGRESS=off`` turns the
            default off.
        whitelist: The documented whitelist: an iterable of addresses/CIDRs,
            a `Whitelist`, a `Registry` or another object with
            ``allows(exchange, ip)``, a string of addresses/CIDRs separated
            by commas or spaces (``"203.0.113.7,198.51.100.0/28"``, as an
            environment variable holds them), or a file path: a ``.toml``
            registry or a text file with one address or CIDR per line. A
            string is a path unless every part looks like an address. An
            empty list or string documents nothing: diagnoses then say
            ``whitelisted=None``, never "not on the list" (on an exchange,
            an empty whitelist means any IP). Of a registry, only the entry
            of the client's key counts (`Registry.for_client`).
        family: ``4`` or ``6`` pins the client's REST connections to IPv4 or
            IPv6, so the exchange sees the address your whitelist holds even
            on a dual-stack host; ``None`` (the default) leaves the choice to
            the resolver. Async clients are pinned from their next session.
            ccxt clients only.
        raise_returned: For SDKs that return an exchange's error as data
            instead of raising it (python-okx always; pybit for codes in its
            ``ignore_codes``): raise the IP rejections among them. Without it
            they are diagnosed and reported to the hooks (the incident log),
            and the SDK's result is returned unchanged.

    Returns:
        *exchange* itself.

    Raises:
        TypeError: *exchange* is neither a ccxt nor a supported SDK client,
            or *egress* is invalid.
        ValueError: *whitelist* holds an invalid address or network (an
            IPv6 zone id such as ``%eth0`` included), or *family* is not 4,
            6 or None (or is set for an SDK client).
        FileNotFoundError: *whitelist* is a path that does not exist.
        RegistryError: *whitelist* is an invalid ``.toml`` registry.

    Added in *0.1.0*.
    """
    if not isinstance(exchange, BaseExchange):
        sdk = adapter_for(exchange)
        if sdk is None:
            raise TypeError(
                f"wrap() needs a ccxt exchange or a supported SDK client, not {exchange!r}"
            )
        if family is not None:
            raise ValueError("family= pins ccxt clients only; an SDK client keeps its own sessions")
        settings = _bound(make_settings(egress, whitelist), sdk.view(exchange))
        return wrap_sdk(sdk, exchange, settings, raise_returned=raise_returned)  # type: ignore[no-any-return]
    settings = _bound(make_settings(egress, whitelist, family), exchange)
    with _swap_lock:
        _install(exchange, settings)
    return exchange


def unwrap(exchange: E) -> E:
    """
    Undo `wrap`: the same object, with its original class and no instrumentation.

    Unwrapping a client that is not wrapped does nothing. Other threads may
    keep calling through the client meanwhile: each call runs either wrapped
    or not, and always finds a connection adapter.

    Added in *0.1.0*.
    """
    sdk = None if isinstance(exchange, BaseExchange) else adapter_for(exchange)
    if sdk is not None:
        return unwrap_sdk(sdk, exchange)  # type: ignore[no-any-return]
    with _swap_lock:
        cls = type(exchange)
        base = cls.__dict__.get(_BASE)
        if base is not None:
            exchange.__class__ = base
            pin_sync(exchange, None)
            pin_async(exchange, None)
        getattr(exchange, "__dict__", {}).pop(_STATE, None)
        getattr(exchange, "__dict__", {}).pop(_REJECTED, None)
    return exchange


def is_wrapped(exchange: object) -> bool:
    """
    Return whether *exchange* is currently wrapped.

    Added in *0.1.0*.
    """
    if not isinstance(exchange, BaseExchange):
        sdk = adapter_for(exchange)
        if sdk is not None:
            # An SDK client's class may carry the guards for every client (`sdk.base`).
            return sdk.is_installed(exchange)
    return _BASE in type(exchange).__dict__ and _settings(exchange) is not None
