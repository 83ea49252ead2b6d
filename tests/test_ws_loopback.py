"""
ccxt.pro websocket rejections, end to end against a loopback websocket fake.

Real ccxt.pro clients connect to `ipwhitelist._testing.ws.FakeWsServer`; their own
receive loop, futures and error handlers turn the exchanges' rejection frames
(sources at each frame builder in ``_fake_ws``) into ccxt exceptions, and the
wrapped ``watch_*`` / ``*_ws`` methods must raise the typed ones. Every await
is bounded, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import ccxt
import ccxt.pro
import pytest
import pytest_asyncio

import ipwhitelist
from helpers import API_KEY, CREDENTIALS, PASSWORD, SECRET, spot_market
from ipwhitelist._testing.fake import point_at
from ipwhitelist._testing.ws import (
    BINANCE_2015,
    BYBIT_UNMATCHED_IP,
    FakeWsServer,
    binance_error,
    binance_result,
    bybit_echoing_auth_failure,
    bybit_private_auth,
    bybit_subscribed,
    bybit_trade_auth,
    bybit_trade_op,
    bybit_wallet,
    okx_error_event,
    okx_login_ok,
    okx_op_failure,
    okx_op_success,
    point_ws_at,
)

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0

# OKX's 50110 text names the IP it saw ("Your IP {ip} is not included ...",
# https://www.okx.com/docs-v5/en/#error-code-rest-api-general-class).
OKX_50110 = "Your IP 198.51.100.23 is not included in your API key's IP whitelist."
# Binance's documented order.place result (web-socket-api.md, "Response format").
BINANCE_ORDER = {
    "symbol": "BTCUSDT",
    "orderId": 12510053279,
    "orderListId": -1,
    "clientOrderId": "a097fe6304b20a7e4fc436",
    "transactTime": 1655716096505,
    "price": "0.10000000",
    "origQty": "10.00000000",
    "executedQty": "0.00000000",
    "cummulativeQuoteQty": "0.00000000",
    "status": "NEW",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "side": "BUY",
    "workingTime": 1655716096505,
    "selfTradePreventionMode": "NONE",
}


MARKETS = {
    "bybit": spot_market("BTCUSDT"),
    "binance": spot_market("BTCUSDT", orderTypes=["LIMIT", "MARKET"]),
    "okx": spot_market("BTC-USDT"),
}
OPTIONS = {
    # Known account mode: ccxt would otherwise ask REST which one the key has.
    "bybit": {"enableUnifiedMargin": False, "enableUnifiedAccount": True},
}


async def bounded(awaitable):
    return await asyncio.wait_for(awaitable, TIMEOUT)


async def rejection_of(awaitable) -> BaseException:
    try:
        await bounded(awaitable)
    except ccxt.BaseError as exc:
        return exc
    raise AssertionError("the call succeeded")


@pytest_asyncio.fixture
async def server():
    async with FakeWsServer(lambda _message: ()) as fake:
        yield fake
    # Nothing went to REST: the websocket path alone produced every verdict.
    assert [] == fake.http_requests


@pytest_asyncio.fixture
async def connect(server):
    """Build wrapped ccxt.pro clients aimed at the fake (REST too, so nothing leaves)."""
    clients = []

    def factory(exchange_id: str):
        client = getattr(ccxt.pro, exchange_id)(
            {**CREDENTIALS, "enableRateLimit": False, "options": OPTIONS.get(exchange_id, {})}
        )
        point_ws_at(point_at(client, server.http_url), server.url)
        client.set_markets([MARKETS[exchange_id]])
        clients.append(client)
        return ipwhitelist.wrap(client, egress=False)

    yield factory
    for client in clients:
        await client.close()


def sent_secrets(server) -> set[str]:
    """Credentials and signatures the clients sent over the socket."""
    found = {API_KEY, SECRET, PASSWORD}
    for message in server.received:
        data = message.data
        if not isinstance(data, dict):
            continue
        if data.get("op") == "auth":  # Bybit: [key, expires, signature]
            found.update({data["args"][0], data["args"][2]})
        for arg in data.get("args") or ():
            if isinstance(arg, dict):  # OKX login
                found.update(str(arg[k]) for k in ("apiKey", "passphrase", "sign") if k in arg)
        params = data.get("params")
        if isinstance(params, dict):  # Binance WebSocket API
            found.update(str(params[k]) for k in ("apiKey", "signature") if k in params)
    return found


def assert_no_secret(exc: ipwhitelist.IPRejection, server) -> None:
    texts = [
        str(exc),
        repr(exc),
        str(exc.diagnosis),
        repr(exc.diagnosis),
        json.dumps(exc.diagnosis.to_dict()),
    ]
    leaks = [s for s in sent_secrets(server) for text in texts if s in text]

    assert [] == leaks


class TestBybit:
    @pytest.mark.parametrize("method", ["create_order_ws", "createOrderWs"])
    async def test_order_create_unmatched_ip(self, server, connect, method):
        """order.create answered with retCode 10010 raises IPNotWhitelisted; the next order goes through."""
        answers = iter([10010, 0])

        def respond(message):
            if message.data.get("op") == "auth":
                yield bybit_trade_auth()
            elif message.data.get("op") == "order.create":
                code = next(answers)
                text = BYBIT_UNMATCHED_IP if code else "OK"
                data = {"orderId": "1673523595617593600"} if code == 0 else None
                yield bybit_trade_op(message.data["reqId"], "order.create", code, text, data)

        server.respond = respond
        bybit = connect("bybit")

        exc = await rejection_of(getattr(bybit, method)("BTC/USDT", "limit", "buy", 0.01, 30000))
        order = await bounded(getattr(bybit, method)("BTC/USDT", "limit", "buy", 0.01, 30000))

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert ("bybit", "10010", "ip_not_whitelisted", "confirmed") == (
            exc.diagnosis.exchange,
            exc.diagnosis.code,
            exc.diagnosis.kind,
            exc.diagnosis.confidence,
        )
        assert BYBIT_UNMATCHED_IP == exc.diagnosis.message
        assert type(exc.original) is ccxt.PermissionDenied
        assert isinstance(exc.__cause__, type(exc.original))  # a redacted stand-in
        assert "1673523595617593600" == order["id"]
        assert_no_secret(exc, server)

    async def test_trade_auth_unmatched_ip_then_reauthenticates(self, server, connect):
        """A 10010 answer to the order-entry login is typed; the next call logs in again and trades."""
        auth_codes = iter([10010, 0])

        def respond(message):
            if message.data.get("op") == "auth":
                code = next(auth_codes)
                yield bybit_trade_auth(code, BYBIT_UNMATCHED_IP if code else "OK")
            elif message.data.get("op") == "order.create":
                data = {"orderId": "1673523595617593600"}
                yield bybit_trade_op(message.data["reqId"], "order.create", 0, "OK", data)

        server.respond = respond
        bybit = connect("bybit")

        exc = await rejection_of(bybit.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))
        order = await bounded(bybit.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert ("bybit", "10010") == (exc.diagnosis.exchange, exc.diagnosis.code)
        assert "1673523595617593600" == order["id"]
        assert 2 == sum(m.data.get("op") == "auth" for m in server.received)
        assert_no_secret(exc, server)

    async def test_private_auth_failure_without_exchange_id_or_code(self, server, connect):
        """ccxt's 'Authentication failed: …' (no id, no code, frame echoing key and signature) is typed from its text."""

        def respond(message):
            if message.data.get("op") == "auth":
                yield bybit_echoing_auth_failure(BYBIT_UNMATCHED_IP, message.data["args"])

        server.respond = respond
        bybit = connect("bybit")

        exc = await rejection_of(bybit.watch_balance())

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert f"Authentication failed: {BYBIT_UNMATCHED_IP}" == str(exc.original)
        assert ("bybit", None, BYBIT_UNMATCHED_IP) == (
            exc.diagnosis.exchange,
            exc.diagnosis.code,
            exc.diagnosis.message,
        )
        assert_no_secret(exc, server)

    async def test_concurrent_waiters_get_their_own_typed_exception(self, server, connect):
        """One refused login reaches two watchers: two typed exceptions, one untouched ccxt error."""

        def respond(message):
            if message.data.get("op") == "auth":
                yield bybit_private_auth(success=False, ret_msg=BYBIT_UNMATCHED_IP)

        server.respond = respond
        bybit = connect("bybit")

        first, second = await asyncio.gather(
            rejection_of(bybit.watch_balance()), rejection_of(bybit.watch_orders())
        )

        assert isinstance(first, ipwhitelist.IPNotWhitelisted)
        assert isinstance(second, ipwhitelist.IPNotWhitelisted)
        assert first is not second
        assert first.original is second.original
        shared = first.original
        assert type(shared) is ccxt.ExchangeError
        assert (f"bybit {BYBIT_UNMATCHED_IP}",) == shared.args
        assert {} == vars(shared)
        assert BYBIT_UNMATCHED_IP == first.diagnosis.message == second.diagnosis.message

    async def test_close_then_retry_logs_in_again(self, server, connect):
        """ccxt keeps a refused private stream marked as logged in; after close() a retry logs in and streams."""
        logins = iter([False, True])

        def respond(message):
            if message.data.get("op") == "auth":
                ok = next(logins)
                yield bybit_private_auth(success=ok, ret_msg="" if ok else BYBIT_UNMATCHED_IP)
            elif message.data.get("op") == "subscribe":
                yield bybit_subscribed(message.data.get("req_id"))
                yield bybit_wallet("USDT", "1000")

        server.respond = respond
        bybit = connect("bybit")

        exc = await rejection_of(bybit.watch_balance())
        await bybit.close()
        balance = await bounded(bybit.watch_balance())

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert 1000 == balance["USDT"]["total"]

    async def test_other_auth_failure_passes_through_unchanged(self, server, connect):
        """A non-IP login refusal reaches both watchers as the very same ccxt object."""

        def respond(message):
            if message.data.get("op") == "auth":
                yield bybit_echoing_auth_failure("error:request expired", message.data["args"])

        server.respond = respond
        bybit = connect("bybit")

        first, second = await asyncio.gather(
            rejection_of(bybit.watch_balance()), rejection_of(bybit.watch_orders())
        )

        assert first is second
        assert type(first) is ccxt.AuthenticationError
        assert ("Authentication failed: error:request expired",) == first.args


class TestBinance:
    async def test_create_order_ws_2015(self, server, connect):
        """A WebSocket API -2015 (401) raises IPNotWhitelisted with the code, not as an HTTP status."""
        answers = iter(["reject", "accept"])

        def respond(message):
            request_id = message.data["id"]
            if next(answers) == "reject":
                yield binance_error(request_id, 401, -2015, BINANCE_2015)
            else:
                yield binance_result(request_id, BINANCE_ORDER)

        server.respond = respond
        binance = connect("binance")

        exc = await rejection_of(binance.create_order_ws("BTC/USDT", "limit", "buy", 10, 0.1))
        order = await bounded(binance.create_order_ws("BTC/USDT", "limit", "buy", 10, 0.1))

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert ("binance", "-2015", None, "ip_not_whitelisted", "possible") == (
            exc.diagnosis.exchange,
            exc.diagnosis.code,
            exc.diagnosis.http_status,
            exc.diagnosis.kind,
            exc.diagnosis.confidence,
        )
        assert BINANCE_2015 == exc.diagnosis.message
        assert type(exc.original) is ccxt.AuthenticationError
        assert "12510053279" == order["id"]
        assert_no_secret(exc, server)

    async def test_fetch_balance_ws_2015_after_success_is_ddos_in_ccxt(self, server, connect):
        """Once the key worked, ccxt raises -2015 as DDoSProtection; it is still typed, with more confidence."""
        server.respond = lambda m: [binance_error(m.data["id"], 401, -2015, BINANCE_2015)]
        binance = connect("binance")
        binance.options["hasAlreadyAuthenticatedSuccessfully"] = True

        exc = await rejection_of(binance.fetch_balance_ws())

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert type(exc.original) is ccxt.DDoSProtection
        assert ("-2015", "likely") == (exc.diagnosis.code, exc.diagnosis.confidence)
        assert_no_secret(exc, server)

    async def test_signature_error_passes_through(self, server, connect):
        """-1022 (bad signature) is not an IP rejection: ccxt's own error comes out."""
        msg = "Signature for this request is not valid."
        server.respond = lambda m: [binance_error(m.data["id"], 400, -1022, msg)]
        binance = connect("binance")

        exc = await rejection_of(binance.fetch_balance_ws())

        assert type(exc) is ccxt.AuthenticationError
        assert (f'binance {{"code":-1022,"msg":"{msg}"}}',) == exc.args


class TestOkx:
    async def test_order_op_50110_names_the_ip(self, server, connect):
        """An order op refused with sCode 50110 raises IPNotWhitelisted with the IP OKX saw."""
        answers = iter(["reject", "accept"])

        def respond(message):
            data = message.data
            if data.get("op") == "login":
                yield okx_login_ok()
            elif data.get("op") == "batch-orders":
                if next(answers) == "reject":
                    yield okx_op_failure(data["id"], data["op"], "50110", OKX_50110)
                else:
                    yield okx_op_success(data["id"], data["op"], "599823446566084608")

        server.respond = respond
        okx = connect("okx")

        exc = await rejection_of(okx.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))
        order = await bounded(okx.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert ("okx", "50110", "confirmed", "198.51.100.23") == (
            exc.diagnosis.exchange,
            exc.diagnosis.code,
            exc.diagnosis.confidence,
            str(exc.diagnosis.reported_ip),
        )
        assert type(exc.original) is ccxt.PermissionDenied
        assert "599823446566084608" == order["id"]
        assert_no_secret(exc, server)

    async def test_bare_login_failed_is_not_typed(self, server, connect):
        """60009 'Login failed.' names no IP: every waiter gets ccxt's own error, not a guess."""

        def respond(message):
            if message.data.get("op") == "login":
                yield okx_error_event("60009", "Login failed.")

        server.respond = respond
        okx = connect("okx")

        first, second = await asyncio.gather(
            rejection_of(okx.watch_balance()), rejection_of(okx.watch_orders())
        )

        assert first is second
        assert type(first) is ccxt.AuthenticationError
        assert not isinstance(first, ipwhitelist.IPRejection)

    async def test_close_then_retry_logs_in_again(self, server, connect):
        """ccxt does not log in again after a refused login; after close() a retry does, and trades."""
        logins = iter([False, True])

        def respond(message):
            data = message.data
            if data.get("op") == "login":
                yield okx_login_ok() if next(logins) else okx_error_event("60009", "Login failed.")
            elif data.get("op") == "batch-orders":
                yield okx_op_success(data["id"], data["op"], "599823446566084608")

        server.respond = respond
        okx = connect("okx")

        exc = await rejection_of(okx.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))
        await okx.close()
        order = await bounded(okx.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000))

        assert type(exc) is ccxt.AuthenticationError
        assert "599823446566084608" == order["id"]


class TestFakeWsServer:
    async def test_text_frames_and_rest_calls(self, server):
        """Non-JSON text reaches the responder as text; REST calls are recorded and answered 404."""
        server.respond = lambda m: ["pong"] if m.data == "ping" else []

        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(server.url + "/ws/v5/public") as ws:
                await ws.send_str("ping")
                reply = await bounded(ws.receive_str())
            async with session.post(server.http_url + "/api/v5/trade/order") as response:
                status = response.status
        await server.stop()  # idempotent: the fixture stops it again

        assert "pong" == reply
        assert ["/ws/v5/public"] == [m.path for m in server.received]
        assert (404, ["POST /api/v5/trade/order"]) == (status, server.http_requests)
        server.http_requests.clear()  # this REST call was the point; the fixture checks for none

    async def test_loopback_only(self):
        """The fake refuses to listen beyond 127.0.0.0/8."""
        with pytest.raises(ValueError, match="loopback"):
            FakeWsServer(lambda _m: (), host="0.0.0.0")
