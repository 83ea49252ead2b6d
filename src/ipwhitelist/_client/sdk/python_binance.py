"""
python-binance: ``binance.client.Client`` and ``binance.async_client.AsyncClient``.

Every REST call goes through ``_request`` (sync on ``Client``, a coroutine on
``AsyncClient``), which raises ``BinanceAPIException(response, status_code,
text)`` for any non-2xx answer (``binance/client.py`` ``_handle_response``).
Its WebSocket API calls (``ws_create_order``, ``ws_get_account``, …, and the
futures ones) go through the coroutines ``_ws_api_request`` and
``_ws_futures_api_request`` (``binance/base_client.py``); the sync client runs
them in its loop. A refused WebSocket API request raises the same exception
with the frame as ``response`` and its ``error`` object as text
(``binance/ws/websocket_api.py``).

The exception keeps everything: status, body, headers and URL (on
``response``); the product, hence the ccxt id, follows from the URL.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from ..guard import guard_async
from ..inline import inline_guard
from .base import Adapter, ClientView, binance_id, own, proxy_in, response_of, text_of

if TYPE_CHECKING:
    from ..._core import classify

__all__ = ["ADAPTER", "PythonBinance", "is_api_exception"]

_WS_METHODS = {"_ws_api_request": "ws_api", "_ws_futures_api_request": "ws_future"}


def is_api_exception(exc: BaseException) -> bool:
    """Whether *exc* is python-binance's ``BinanceAPIException`` (or a subclass)."""
    return any(
        k.__module__ == "binance.exceptions" and k.__name__ == "BinanceAPIException"
        for k in type(exc).__mro__
    )


async def _awaited(client: Any, coroutine: Any) -> Any:  # noqa: ARG001 - the guard reads args[0]
    return await coroutine


class PythonBinance(Adapter):
    """The python-binance adapter."""

    name = "python-binance"
    prefixes = ("binance.client", "binance.async_client", "binance.base_client")
    exchanges = ("binance", "binanceusdm", "binancecoinm", "binanceus")
    methods = ("_request", "_ws_api_request", "_ws_futures_api_request")
    signing = methods
    inline = True

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """``_request(method, uri, signed, ...)``, ``_ws_api_request(method, signed, params)``."""
        position = 2 if method == "_request" else 1
        return bool(kwargs.get("signed", args[position] if len(args) > position else False))

    def entries(self, cls: type) -> dict[str, Any]:
        """
        On ``AsyncClient``, guard the awaiting of ``_handle_response`` for failed answers only.

        A guard around the coroutine ``_request`` is one more coroutine per
        call: some 4 % of a call served from memory. ``_handle_response``
        raises only for a non-2xx status (``async_client.py``), so for those
        alone its coroutine is awaited inside the guard; a success returns the
        SDK's own coroutine untouched.
        """
        namespace = super().entries(cls)
        handle = own(cls, "_handle_response")
        if not inspect.iscoroutinefunction(own(cls, "_request")) or not (
            inspect.iscoroutinefunction(handle)
        ):
            return namespace
        del namespace["_request"]
        # Best: the guard written into _handle_response itself, no frame at all.
        inlined = inline_guard(
            cls, handle, classify=self._classifier("_request"), catch=self.catch()
        )
        if inlined is not None:
            namespace["_handle_response"] = inlined
            return namespace
        guarded = guard_async(_awaited, self._classifier("_request"), self.catch())

        @functools.wraps(handle)
        def _handle_response(client: Any, response: Any) -> Any:
            coroutine = handle(client, response)
            if 200 <= getattr(response, "status", 0) < 300:  # noqa: PLR2004
                return coroutine
            return guarded(client, coroutine)

        namespace["_handle_response"] = _handle_response
        return namespace

    def view(self, client: Any) -> ClientView:
        """Key and secret; the proxy of ``requests_params``, ``https_proxy`` or the session."""
        params = getattr(client, "_requests_params", None)
        session = getattr(client, "session", None)
        proxy = (
            text_of(getattr(client, "https_proxy", None))
            or proxy_in(params.get("proxies") if isinstance(params, dict) else None)
            or proxy_in(getattr(session, "proxies", None))
        )
        return ClientView(
            id="binance",
            apiKey=text_of(getattr(client, "API_KEY", None)),
            secret=text_of(getattr(client, "API_SECRET", None)),
            httpsProxy=proxy,
            session=session,
        )

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """Status, body, headers and URL, all kept by ``BinanceAPIException``."""
        if not is_api_exception(exc):
            return None
        raw = getattr(exc, "response", None)
        body = exc.args[2] if len(exc.args) > 2 else None  # noqa: PLR2004 - (response, status, text)
        status = getattr(exc, "status_code", None)
        if isinstance(raw, dict):
            # A WebSocket API frame: {"id", "status", "error": {...}}.
            socket = getattr(client, _WS_METHODS.get(method, "ws_api"), None)
            url = getattr(socket, "_url", None)
            # The futures WebSocket API serves USDⓈ-M futures only.
            exchange = "binanceusdm" if method == "_ws_futures_api_request" else binance_id(url)
            return response_of(exchange, status=status, body=body, url=url, method="WS")
        url = getattr(raw, "url", None)
        url = str(url) if url is not None else None
        request_method = getattr(raw, "method", None) or getattr(
            getattr(raw, "request", None), "method", None
        )
        return response_of(
            binance_id(url),
            status=status,
            body=body,
            url=url,
            method=request_method,
            headers=getattr(raw, "headers", None),
        )


ADAPTER = PythonBinance()
