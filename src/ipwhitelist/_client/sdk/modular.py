"""
Binance's modular SDKs: ``binance-sdk-spot``, ``binance-sdk-derivatives-trading-usds-futures``, ….

Every package of the family is generated from one template on top of
``binance-common``: a top-level object (``binance_sdk_spot.spot.Spot``) builds,
on first access, a ``rest_api`` (``SpotRestAPI``: a ``requests`` session in
``_session``, the settings in ``configuration``) and a ``websocket_api``. Each
REST method ends in the module-level ``binance_common.utils.send_request``,
imported by name everywhere, so the adapter guards the REST client's public
methods instead, and one adapter serves every package of the family.

``send_request`` raises ``binance_common.errors`` classes by HTTP status
(401 ``UnauthorizedError``, 418 ``RateLimitBanError``, …) but keeps neither
the status nor the body, and puts Binance's error *code* in ``status_code``;
a 451 becomes a bare ``ClientError``. A response hook on the REST client's own
session keeps status, headers and body. The WebSocket API raises
``ValueError(<the error object>)``.
"""

from __future__ import annotations

import inspect
import json
import weakref
from typing import TYPE_CHECKING, Any

from . import transport
from .base import (
    STATE,
    Adapter,
    ClientView,
    Returned,
    binance_id,
    own,
    recorded_response,
    response_of,
    settings_of,
    text_of,
)

if TYPE_CHECKING:
    from ..._core import classify

__all__ = ["ADAPTER", "Modular"]

# The HTTP status each class stands for (binance_common/utils.py, send_request).
_STATUS = {
    "BadRequestError": 400,
    "UnauthorizedError": 401,
    "ForbiddenError": 403,
    "NotFoundError": 404,
    "RateLimitBanError": 418,
    "TooManyRequestsError": 429,
}
_PARTS = ("rest_api", "websocket_api")
# WebSocket API responses already inspected (methods call each other).
_seen: weakref.WeakSet[Any] = weakref.WeakSet()


def _kind(cls: type) -> str | None:
    """Say what *cls* is: "top" (``Spot``), "rest" (``SpotRestAPI``), "ws" or None."""
    if isinstance(cls.__dict__.get("rest_api"), property):
        return "top"
    if callable(getattr(cls, "send_signed_request", None)):
        return "rest"
    if inspect.iscoroutinefunction(getattr(cls, "send_signed_message", None)):
        return "ws"
    return None


def _public(cls: type) -> tuple[str, ...]:
    return tuple(
        name
        for name in dir(cls)
        if not name.startswith("_")
        and not isinstance(inspect.getattr_static(cls, name), property | staticmethod)
        and inspect.isfunction(getattr(cls, name))
    )


def _proxy(configuration: Any) -> str | None:
    """``ConfigurationRestAPI.proxy`` ({protocol, host, port, auth}) as a URL."""
    proxy = getattr(configuration, "proxy", None)
    if not isinstance(proxy, dict) or not proxy.get("host"):
        return None
    auth = proxy.get("auth")
    user = ""
    if isinstance(auth, dict) and auth.get("username"):
        user = f"{auth.get('username')}:{auth.get('password', '')}@"
    port = f":{proxy['port']}" if proxy.get("port") else ""
    return f"{proxy.get('protocol', 'https')}://{user}{proxy['host']}{port}"


def _wrapping(base: property) -> property:
    """A ``rest_api`` / ``websocket_api`` property that wraps what it builds."""
    fget = base.fget

    def get(self: Any) -> Any:
        inner = fget(self) if fget is not None else None
        # Read inline, not through settings_of: this runs on every
        # ``client.rest_api.…`` call. Only the wrap() below checks the type.
        settings = getattr(self, STATE, None)
        if (
            inner is not None
            and settings is not None
            and getattr(inner, STATE, None) is not settings
        ):
            found = settings_of(self)
            if found is not None:
                ADAPTER.install(inner, found, raise_returned=found.raise_returned)
        return inner

    return property(get, doc=base.__doc__)


class Modular(Adapter):
    """The adapter for Binance's modular SDKs (``binance_common``)."""

    name = "binance-sdk"
    prefixes = ("binance_sdk_", "binance_common")
    exchanges = ("binance", "binanceusdm", "binancecoinm")

    def has_entry(self, cls: type) -> bool:
        """The top-level object, a REST API client or a WebSocket API client."""
        return _kind(cls) is not None

    def guarded(self, cls: type) -> tuple[str, ...]:
        """Every public method of a REST API client."""
        return _public(cls) if _kind(cls) == "rest" else ()

    def inspected(self, cls: type) -> tuple[str, ...]:
        """Every public method of a WebSocket API client: they return refusals as data."""
        return _public(cls) if _kind(cls) == "ws" else ()

    def watched(self, cls: type) -> tuple[str, ...]:
        """A REST API client's public methods (the WebSocket API is not watched)."""
        return _public(cls) if _kind(cls) == "rest" else ()

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """Whether the request was signed (public endpoints are not)."""
        return transport.signed_success(getattr(client, "_session", None))

    def result(self, client: Any, result: Any) -> Returned | None:
        """
        A WebSocket API refusal, returned as ``{"error": {code, msg}}``.

        ``WebSocketAPIBase.send_signed_message`` catches the ``ValueError`` it
        raised itself and returns a response whose ``data()`` is the error.
        The error object is read from that function's closure, so a successful
        response is not parsed (its model validated) twice.
        """
        # account_status() returns what send_signed_message() returned: both
        # are guarded, and the inner one has reported it.
        if result is None or result in _seen:
            return None
        try:
            _seen.add(result)
        except TypeError:  # not weakly referenceable: not a response object
            return None
        cells = getattr(getattr(result, "_data_function", None), "__closure__", None) or ()
        for cell in cells:
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(value, dict) and "code" in value and "msg" in value:
                config = getattr(client, "configuration", None)
                url = getattr(config, "stream_url", None)
                response = response_of(
                    binance_id(url), body=json.dumps(value), url=url, method="WS"
                )
                return Returned(response=response, sdk=None, attributes={})
        return None

    def entries(self, cls: type) -> dict[str, Any]:
        """The guarded methods; on the top-level object, the two properties that build clients."""
        if _kind(cls) == "top":
            parts = {name: own(cls, name) for name in _PARTS}
            return {name: _wrapping(p) for name, p in parts.items() if isinstance(p, property)}
        return super().entries(cls)

    def uninstall(self, client: Any) -> Any:
        """Unwrap the REST and WebSocket API clients built so far, too."""
        for part in ("_rest_api", "_websocket_api"):
            # getattr, not __dict__ (`base`: the attributes stay inline).
            inner = getattr(client, part, None)
            if inner is not None and settings_of(inner) is not None:
                self.uninstall(inner)
        return super().uninstall(client)

    def view(self, client: Any) -> ClientView:
        """The configuration's key, secret, private key (and passphrase) and proxy."""
        config = getattr(client, "configuration", None) or getattr(client, "_rest_api_config", None)
        return ClientView(
            id="binance",
            apiKey=text_of(getattr(config, "api_key", None)),
            secret=text_of(getattr(config, "api_secret", None)),
            password=text_of(getattr(config, "private_key_passphrase", None)),
            privateKey=text_of(getattr(config, "private_key", None)),
            httpsProxy=_proxy(config),
            session=getattr(client, "_session", None),
        )

    def attach(self, client: Any) -> None:
        """Keep failed responses' status, headers and body (REST clients)."""
        if _kind(type(client)) == "rest":
            transport.attach_requests(getattr(client, "_session", None), signing=True)

    def detach(self, client: Any) -> None:
        """Remove the response hook."""
        if _kind(type(client)) == "rest":
            transport.detach(getattr(client, "_session", None))

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """The recorded response of a REST error; the error object of a WebSocket API one."""
        config = getattr(client, "configuration", None)
        if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], dict):
            # The WebSocket API: ValueError({"code": -2015, "msg": ...}).
            url = getattr(config, "stream_url", None)
            body = json.dumps(exc.args[0])
            return response_of(binance_id(url), body=body, url=url, method="WS")
        names = [k.__name__ for k in type(exc).__mro__ if k.__module__ == "binance_common.errors"]
        if not names:
            return None
        status = next((_STATUS[n] for n in names if n in _STATUS), None)
        session = getattr(client, "_session", None)
        recorded = transport.take(session, status) if session is not None else None
        if recorded is not None:
            return recorded_response(binance_id(recorded.url), recorded)
        # Without the transport (`diagnosing`): Binance's code is in status_code.
        code, message = getattr(exc, "status_code", None), getattr(exc, "error_message", None)
        body = json.dumps({"code": code, "msg": message}) if isinstance(code, int) else ""
        base = getattr(config, "base_path", None)
        return response_of(binance_id(base), status=status, body=body)


ADAPTER = Modular()
