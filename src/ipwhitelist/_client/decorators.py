"""`diagnose()` and `diagnosing()`: the mapping for code that does not hold the client."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ParamSpec, Self, TypeVar, overload

import attrs
import ccxt

from .._core import classify
from .._core.lineage import lineage_of, lineage_of_id
from .._whitelist.whitelist import documented_for
from ..errors import IPRejection
from .guard import Classifier, guard_async, guard_sync, throw, typed_async, typed_sync
from .mapping import Settings, reject
from .sdk import adapter_for, rejection_for
from .wrap import make_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._egress.detector import EgressDetector
    from .._whitelist.whitelist import WhitelistLike

__all__ = ["diagnose", "diagnosing"]

P = ParamSpec("P")
R = TypeVar("R")


def _rejection(
    exc: BaseException, exchange: str | object | None, settings: Settings
) -> IPRejection | None:
    if isinstance(exc, IPRejection):
        return None
    if not isinstance(exc, ccxt.BaseError):
        # An SDK's own exception (python-binance, pybit, …), recognised by its
        # module; anything else passes through.
        adapter = adapter_for(exchange) if exchange is not None else None
        # The key's own documented list, as wrap() picks it (one rule); with
        # no client the key is unknown, and so is its list.
        target = adapter.view(exchange) if adapter is not None else exchange
        return rejection_for(exc, exchange, _documented(settings, target))
    if isinstance(exchange, str):
        response = classify.response_from_exception(exc, exchange, lineage_of_id(exchange))
        return reject(exc, response, settings=_documented(settings, exchange))
    if exchange is not None:
        exchange_id = getattr(exchange, "id", None)
        response = classify.response_from_exception(
            exc, exchange_id if isinstance(exchange_id, str) else None, lineage_of(exchange)
        )
        return reject(
            exc,
            response,
            settings=_documented(settings, exchange),
            exchange=exchange,
        )
    # ccxt prefixes its messages with the exchange id: let the text say which.
    response = classify.response_from_exception(exc, None, ())
    return reject(exc, response, settings=_documented(settings, response.exchange))


def _classifier(exchange: str | object | None, settings: Settings) -> Classifier:
    def classify(_args: tuple[Any, ...], exc: BaseException) -> IPRejection | None:
        return _rejection(exc, exchange, settings)

    return classify


def _documented(settings: Settings, exchange: object) -> Settings:
    # The same choice of the key's own list as wrap() makes (one rule).
    whitelist = documented_for(settings.whitelist, exchange)
    if whitelist is settings.whitelist:
        return settings
    return attrs.evolve(settings, whitelist=whitelist)


@overload
def diagnose(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def diagnose(
    *,
    exchange: str | object | None = None,
    egress: bool | EgressDetector = True,
    whitelist: WhitelistLike | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def diagnose(
    func: Callable[P, R] | None = None,
    /,
    *,
    exchange: str | object | None = None,
    egress: bool | EgressDetector = True,
    whitelist: WhitelistLike | None = None,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """
    Decorate a function (``def`` or ``async def``) so IP rejections it raises become typed.

    Use it where the client is created elsewhere; exceptions that are not IP
    rejections pass through unchanged. Understands ccxt's exceptions and those
    of the SDKs `wrap` supports (python-binance, binance-connector, Binance's
    modular SDKs, pybit, python-okx). Usable bare (``@diagnose``) or
    with options (``@diagnose(exchange="binance", whitelist=[...])``).

    Args:
        func: The function, when used bare.
        exchange: A ccxt id or client (or an SDK client); by default the
            exception says which exchange (ccxt's message prefix, the SDK and
            its request URL).
        egress: As for `wrap`.
        whitelist: As for `wrap`.

    Added in *0.1.0*.
    """
    classifier = _classifier(exchange, make_settings(egress, whitelist))

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        # Every exception is offered to the classifier: the SDKs' own classes
        # are recognised there, anything else passes through untouched.
        if asyncio.iscoroutinefunction(fn):
            wrapped: Callable[P, R] = guard_async(fn, classifier, Exception)
        else:
            wrapped = guard_sync(fn, classifier, Exception)
        return wrapped

    return decorate if func is None else decorate(func)


class diagnosing:  # noqa: N801 - used like a function, as contextlib's are
    """
    Context manager form of `diagnose`: ``with`` in sync code, ``async with`` in async code.

    The ``async with`` form looks up the egress IP without blocking the event
    loop; the plain ``with`` form blocks (for at most the detector's budget) on
    the rejection path, so do not use it inside a coroutine.

    Example:
        ```python
        with ipwhitelist.diagnosing(exchange="bybit"):
            client.fetch_balance()
        ```

    Added in *0.1.0*.
    """

    def __init__(
        self,
        *,
        exchange: str | object | None = None,
        egress: bool | EgressDetector = True,
        whitelist: WhitelistLike | None = None,
    ) -> None:
        self._classify = _classifier(exchange, make_settings(egress, whitelist))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is not None:
            # Returning lets *exc* itself go on, unchanged.
            throw(typed_sync(exc, self._classify, ()))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is not None:
            throw(await typed_async(exc, self._classify, ()))
