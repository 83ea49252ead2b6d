"""
A loopback websocket fake exchange for the test suite.

A real aiohttp websocket server on 127.0.0.0/8 that real ccxt.pro clients
connect to, so their own receive loop, futures and error handlers run. A
*responder* answers each message a client sends with the frames the exchange
would send back. The frame builders below reproduce the exchanges' documented
envelopes; each cites where its shape (and, where it has one, its text) comes
from.

Runs on the caller's event loop: start it inside the coroutine (or async
fixture) that uses it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Self, TypeAlias
from urllib.parse import urlsplit

import attrs
from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "BINANCE_2015",
    "BINANCE_ERRORS",
    "BINANCE_WS_API",
    "BYBIT_CONNECT",
    "BYBIT_ERRORS",
    "BYBIT_TRADE",
    "BYBIT_UNMATCHED_IP",
    "BYBIT_UNMATCHED_IP_SOURCE",
    "OKX_LOGIN",
    "OKX_REST_ERRORS",
    "OKX_WS_ERRORS",
    "FakeWsServer",
    "Frame",
    "Message",
    "Responder",
    "binance_error",
    "binance_result",
    "bybit_echoing_auth_failure",
    "bybit_private_auth",
    "bybit_subscribed",
    "bybit_trade_auth",
    "bybit_trade_op",
    "bybit_wallet",
    "okx_error_event",
    "okx_login_ok",
    "okx_op_failure",
    "okx_op_success",
    "point_ws_at",
]


@attrs.frozen(kw_only=True)
class Message:
    """What a client sent: the websocket path and the decoded frame (JSON, else text)."""

    path: str
    data: Any


#: A frame to send: a dict goes out as compact JSON, a str as text.
Frame = dict[str, Any] | str
#: Answers one client message with the frames to send back (possibly none).
Responder: TypeAlias = "Callable[[Message], Iterable[Frame]]"


def _encode(frame: Frame) -> str:
    return frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"))


class FakeWsServer:
    """
    A websocket server on loopback that answers client messages with canned frames.

    Args:
        respond: Called for every message a client sends; returns the frames
            to send back on the same connection, in order.
        host: The loopback address to listen on.

    Use as an async context manager; `url` is the base URL (``ws://host:port``)
    and `received` what arrived.
    """

    def __init__(self, respond: Responder, host: str = "127.0.0.1") -> None:
        if not host.startswith("127."):
            raise ValueError("the fake exchange listens on loopback only")
        self.respond: Responder = respond
        self.host = host
        self.received: list[Message] = []
        self.http_requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self._port = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        if not ws.can_prepare(request).ok:
            # A REST call that reached the fake: recorded, so a test can
            # assert that its websocket path needed none.
            self.http_requests.append(f"{request.method} {request.path_qs}")
            return web.json_response({"error": "not found"}, status=404)
        await ws.prepare(request)
        async for raw in ws:
            try:
                data = json.loads(raw.data)
            except ValueError:
                data = raw.data  # OKX's keep-alive is the bare text "ping"
            message = Message(path=request.path, data=data)
            self.received.append(message)
            for frame in self.respond(message):
                await ws.send_str(_encode(frame))
        return ws

    @property
    def url(self) -> str:
        """Base URL, e.g. ``ws://127.0.0.1:54321``."""
        return f"ws://{self.host}:{self._port}"

    @property
    def http_url(self) -> str:
        """The same server for REST, e.g. ``http://127.0.0.1:54321`` (answers 404)."""
        return f"http://{self.host}:{self._port}"

    async def start(self) -> Self:
        """Listen on a free port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def point_ws_at(exchange: Any, base_url: str) -> Any:
    """
    Point every websocket URL of a ccxt.pro client at *base_url*, keeping the paths.

    ``wss://stream.{hostname}/v5/private`` becomes ``ws://127.0.0.1:PORT/v5/private``.
    """

    def rewrite(value: Any) -> Any:
        # ccxt keeps one URL per market type or stream, nested in dicts.
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        split = urlsplit(value)
        return base_url + split.path + (f"?{split.query}" if split.query else "")

    exchange.urls["api"]["ws"] = rewrite(exchange.urls["api"]["ws"])
    return exchange


# --- Bybit v5 -----------------------------------------------------------------

BYBIT_CONNECT = "https://bybit-exchange.github.io/docs/v5/ws/connect"
BYBIT_TRADE = "https://bybit-exchange.github.io/docs/v5/websocket/trade/guideline"
BYBIT_ERRORS = "https://bybit-exchange.github.io/docs/v5/error"
#: The 10010 text, as Bybit's websocket returned it to ccxt's createOrderWs.
BYBIT_UNMATCHED_IP = "Unmatched IP, please check your API key's bound IP addresses."
BYBIT_UNMATCHED_IP_SOURCE = "https://github.com/ccxt/ccxt/issues/22695"


def bybit_private_auth(*, success: bool, ret_msg: str = "") -> dict[str, Any]:
    """
    The private stream's answer to ``op: auth`` (v5 envelope: ``op`` at top level).

    Shape: the success example of `BYBIT_CONNECT`. Failures keep the shape
    with ``success: false`` and the reason in ``ret_msg``, as in the captured
    subscribe refusal ``{"success":false,"ret_msg":"error:handler not found,…",
    "conn_id":"…","req_id":"","op":"subscribe"}``. The ``ret_msg`` Bybit sends
    here for an IP-bound key is not in any public capture found; tests use the
    10010 text (`BYBIT_UNMATCHED_IP`) that Bybit's REST and order entry send.
    """
    return {
        "success": success,
        "ret_msg": ret_msg,
        "op": "auth",
        "conn_id": "cejreaspqfh3sjdnldmg-p",
    }


def bybit_echoing_auth_failure(ret_msg: str, args: list[Any]) -> dict[str, Any]:
    """
    A private-stream auth failure that echoes the request, key and signature included.

    Shape and the real ``ret_msg`` ``"error:request expired"``: captured in
    https://github.com/hummingbot/hummingbot/pull/3930 and quoted in ccxt's
    ``pro/bybit.py`` ``handle_error_message``; *args* are the ones the client
    sent.
    """
    return {
        "success": False,
        "ret_msg": ret_msg,
        "conn_id": "2b2c3834-fa40-4e11-83ef-e281bac4c8ad",
        "request": {"op": "auth", "args": args},
    }


def bybit_subscribed(req_id: Any) -> dict[str, Any]:
    """The private stream's answer to ``op: subscribe`` (`BYBIT_CONNECT`)."""
    return {
        "success": True,
        "ret_msg": "",
        "conn_id": "cejreaspqfh3sjdnldmg-p",
        "req_id": req_id,
        "op": "subscribe",
    }


def bybit_wallet(coin: str, wallet_balance: str) -> dict[str, Any]:
    """
    A unified account's ``wallet`` push, one coin.

    Shape: https://bybit-exchange.github.io/docs/v5/websocket/private/wallet
    (as quoted in ccxt's ``pro/bybit.py`` ``handle_balance``).
    """
    return {
        "id": "592324d2bce751-ad38-48eb-8f42-4671d1fb4d4e",
        "topic": "wallet",
        "creationTime": 1700034722104,
        "data": [
            {
                "accountType": "UNIFIED",
                "coin": [
                    {
                        "coin": coin,
                        "equity": wallet_balance,
                        "walletBalance": wallet_balance,
                        "availableToWithdraw": wallet_balance,
                        "locked": "0",
                    }
                ],
            }
        ],
    }


def bybit_trade_auth(ret_code: int = 0, ret_msg: str = "OK") -> dict[str, Any]:
    """The order-entry stream's answer to ``op: auth`` (`BYBIT_TRADE`)."""
    return {
        "retCode": ret_code,
        "retMsg": ret_msg,
        "op": "auth",
        "connId": "cnt5leec0hvan15eukcg-2t",
    }


def bybit_trade_op(
    req_id: str, op: str, ret_code: int, ret_msg: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """
    An order-entry op response (``order.create`` …).

    Shape: the ``retCode 170131`` frame quoted in ccxt's ``pro/bybit.py``
    ``handle_error_message``, and `BYBIT_TRADE`. Code 10010 with
    `BYBIT_UNMATCHED_IP` is what an IP-bound key got from ``createOrderWs``
    (`BYBIT_UNMATCHED_IP_SOURCE` quotes the text, not the whole frame).
    """
    return {
        "reqId": req_id,
        "retCode": ret_code,
        "retMsg": ret_msg,
        "op": op,
        "data": data or {},
        "header": {
            "X-Bapi-Limit": "20",
            "X-Bapi-Limit-Status": "19",
            "X-Bapi-Limit-Reset-Timestamp": "1714236608944",
            "Traceid": "3d7168a137bf32a947b7e5e6a575ac7f",
            "Timenow": "1714236608946",
        },
        "connId": "cojifin88smerbj9t560-406",
    }


# --- Binance WebSocket API ----------------------------------------------------

BINANCE_WS_API = (
    "https://github.com/binance/binance-spot-api-docs/blob/master/web-socket-api.md#response-format"
)
BINANCE_ERRORS = "https://developers.binance.com/docs/binance-spot-api-docs/errors"
#: -2015 REJECTED_MBX_KEY, as `BINANCE_ERRORS` lists it.
BINANCE_2015 = "Invalid API-key, IP, or permissions for action."


def binance_error(request_id: Any, status: int, code: int, msg: str) -> dict[str, Any]:
    """
    A failed WebSocket API response: ``id``, ``status``, ``error`` (`BINANCE_WS_API`).

    ``status`` is the HTTP status REST answers the same error with (401 for
    -2015); ccxt reads only ``error``.
    """
    return {"id": request_id, "status": status, "error": {"code": code, "msg": msg}}


def binance_result(request_id: Any, result: Any) -> dict[str, Any]:
    """A successful WebSocket API response (`BINANCE_WS_API`)."""
    return {"id": request_id, "status": 200, "result": result}


# --- OKX ------------------------------------------------------------------------

OKX_LOGIN = "https://www.okx.com/docs-v5/en/#overview-websocket-login"
OKX_WS_ERRORS = "https://www.okx.com/docs-v5/en/#error-code-websocket-public"
OKX_REST_ERRORS = "https://www.okx.com/docs-v5/en/#error-code-rest-api-general-class"


def okx_login_ok() -> dict[str, Any]:
    """The login success event (`OKX_LOGIN`)."""
    return {"event": "login", "code": "0", "msg": "", "connId": "a4d3ae55"}


def okx_error_event(code: str, msg: str) -> dict[str, Any]:
    """
    An error event, e.g. the login failure ``60009 "Login failed."`` (`OKX_LOGIN`).

    The codes are listed in `OKX_WS_ERRORS` (60001-60033, none of them about IPs).
    """
    return {"event": "error", "code": code, "msg": msg, "connId": "a4d3ae55"}


def okx_op_failure(request_id: str, op: str, s_code: str, s_msg: str) -> dict[str, Any]:
    """
    A failed order op: top-level ``code "1"``, the reason per item in ``data``.

    Shape: the ``batch-orders/order/cancel-order`` frame quoted in ccxt's
    ``pro/okx.py`` ``handle_place_orders`` and OKX's WebSocket place-order docs.
    ``sCode`` 50110 and its text are OKX's (`OKX_REST_ERRORS`); no public
    capture shows which OKX websocket answer carries it.
    """
    return {
        "id": request_id,
        "op": op,
        "code": "1",
        "msg": "",
        "data": [{"tag": "", "ordId": "", "clOrdId": "", "sCode": s_code, "sMsg": s_msg}],
        "inTime": "1695190491421339",
        "outTime": "1695190491423240",
    }


def okx_op_success(request_id: str, op: str, ord_id: str) -> dict[str, Any]:
    """A successful order op (same source as `okx_op_failure`)."""
    return {
        "id": request_id,
        "op": op,
        "code": "0",
        "msg": "",
        "data": [
            {
                "tag": "",
                "ordId": ord_id,
                "clOrdId": "",
                "sCode": "0",
                "sMsg": "Order successfully placed.",
            }
        ],
        "inTime": "1695190491421339",
        "outTime": "1695190491423240",
    }
