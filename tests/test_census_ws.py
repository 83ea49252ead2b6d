"""
The census over websockets: typed census entries are typed when they arrive over the socket.

For the exchanges whose ccxt.pro class raises websocket errors from the REST
exception map and whose websocket API carries a login or a private call, each
census entry that a rule types over REST (``tests/test_census.py``) is sent by a
loopback ccxt.pro server in that exchange's websocket error frame, in answer to
the client's own login or private request; the wrapped client must raise an
`ipwhitelist.IPRejection` where the unwrapped one raises ccxt's error. One
near-miss per exchange (a bad signature) must come out unchanged.

Not here, and why (each is typed over REST, where its refusal arrives):

* Bitget and HTX map websocket errors with a websocket-only map (no census
  entry names an IP);
* BingX, KuCoin, Bitstamp, MEXC, Toobit, Paradex, GRVT, XT and Aster get the
  websocket's listen key, token or cookie from a REST call, so an IP refusal
  comes over REST;
* BYDFi and One Trading raise inside ccxt's message handler, so the refusal
  never reaches the awaiting call (the call times out in plain ccxt too).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import attrs
import ccxt
import ccxt.pro
import pytest

import census
import ipwhitelist
from helpers import CREDENTIALS, spot_market
from ipwhitelist._core.lineage import lineage_of_id
from ipwhitelist._testing.fake import point_at
from ipwhitelist._testing.ws import (
    FakeWsServer,
    binance_error,
    bybit_trade_auth,
    okx_login_ok,
    okx_op_failure,
    point_ws_at,
)

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0


@attrs.frozen
class Socket:
    """How one exchange's ccxt.pro client is driven into an error frame."""

    #: The call that sends a login or a private request.
    call: Callable[[Any], Any]
    #: The error frame answering the client's message (request, code, text), or None.
    frame: Callable[[dict[str, Any], str, str], Any]
    #: Where the frame's shape comes from.
    source: str
    #: A code and text that are not an IP rejection (a bad signature).
    near_miss: tuple[str, str]
    market: dict[str, Any] = attrs.field(factory=lambda: spot_market("BTCUSDT"))
    config: dict[str, Any] = attrs.field(factory=dict)


def _okx(request: dict[str, Any], code: str, text: str) -> Any:
    if request.get("op") == "login":
        return okx_login_ok()
    return okx_op_failure(request["id"], request["op"], code, text)


def _bybit(request: dict[str, Any], code: str, text: str) -> Any:
    # The order-entry stream's login answer carries the retCode and retMsg.
    return bybit_trade_auth(int(code), text) if request.get("op") == "auth" else None


SOCKETS = {
    "binance": Socket(
        call=lambda c: c.fetch_balance_ws(),
        frame=lambda m, code, text: binance_error(m["id"], 400, int(code), text),
        source="https://github.com/binance/binance-spot-api-docs/blob/master/web-socket-api.md",
        near_miss=("-1022", "Signature for this request is not valid."),
    ),
    "bybit": Socket(
        call=lambda c: c.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000),
        frame=_bybit,
        source="https://bybit-exchange.github.io/docs/v5/websocket/trade/guideline",
        near_miss=("10004", "Error sign, please check your signature generation algorithm."),
        config={"options": {"enableUnifiedMargin": False, "enableUnifiedAccount": True}},
    ),
    "okx": Socket(
        call=lambda c: c.create_order_ws("BTC/USDT", "limit", "buy", 0.01, 30000),
        frame=_okx,
        source="https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order",
        near_miss=("50113", "Invalid Sign"),
        market=spot_market("BTC-USDT"),
    ),
    "cryptocom": Socket(
        call=lambda c: c.watch_balance(),
        # Request-response envelope of the Exchange v1 websocket (public/auth).
        frame=lambda m, code, text: {
            "id": m.get("id"),
            "method": m.get("method"),
            "code": int(code),
            "message": text,
        },
        source="https://exchange-docs.crypto.com/exchange/v1/rest-ws/index.html#response-format",
        near_miss=("40101", "Not authenticated, or key/signature incorrect"),
        market=spot_market("BTC_USDT"),
    ),
    "bitvavo": Socket(
        call=lambda c: c.fetch_balance_ws(),
        frame=lambda m, code, text: {
            "action": m.get("action"),
            "errorCode": int(code),
            "error": text,
        },
        source="https://docs.bitvavo.com/docs/errors",
        near_miss=("309", "The signature is invalid."),
        market=spot_market("BTC-EUR", "BTC/EUR"),
    ),
    "derive": Socket(
        call=lambda c: c.watch_orders(params={"subaccount_id": 1}),
        # Derive's websocket is JSON-RPC, like its REST API.
        frame=lambda m, code, text: {
            "id": m.get("id"),
            "error": {"code": int(code), "message": text},
        },
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/pro/derive.py",
        near_miss=("14014", "Signature invalid for message or transaction"),
        market=spot_market("BTC-USDC", "BTC/USDC"),
        config={"privateKey": "0x" + "11" * 32, "walletAddress": "0x" + "22" * 20},
    ),
}


def socket_of(exchange: str) -> Socket | None:
    for family in lineage_of_id(exchange):
        if family in SOCKETS:
            return SOCKETS[family]
    return None


# One session per distinct entry of a family: ccxt's subclasses (binanceusdm,
# bybiteu, myokx ...) inherit the same map and the same websocket handling.
TYPED = list(
    {
        (lineage_of_id(e.exchange)[-1], e.map, e.key): e
        for e in reversed(census.census())
        if e.exchange in ccxt.pro.exchanges
        and socket_of(e.exchange) is not None
        and census.waiver_of(e) is None
    }.values()
)


async def _raised_both(exchange: str, code: str, text: str) -> tuple[BaseException, ...]:
    """What a plain and then a wrapped ccxt.pro client raise when the socket sends the error."""
    socket = socket_of(exchange)
    assert socket is not None

    def respond(message: Any) -> list[Any]:
        if not isinstance(message.data, dict):
            return []
        frame = socket.frame(message.data, code, text)
        return [] if frame is None else [frame]

    raised = []
    async with FakeWsServer(respond) as server:
        for wrapped in (False, True):
            client = getattr(ccxt.pro, exchange)(
                {**CREDENTIALS, "enableRateLimit": False, **socket.config}
            )
            point_ws_at(point_at(client, server.http_url), server.url)
            client.set_markets([socket.market])
            if wrapped:
                ipwhitelist.wrap(client, egress=False)
            try:
                await asyncio.wait_for(socket.call(client), TIMEOUT)
            except ccxt.BaseError as exc:
                raised.append(exc)
            else:
                raise AssertionError(f"{exchange}: the call succeeded")
            finally:
                await client.close()
        # Nothing went to REST: the socket alone produced the verdicts.
        assert [] == server.http_requests
    return tuple(raised)


@pytest.mark.parametrize("entry", TYPED, ids=[f"{e.exchange}:{e.map}:{e.key}" for e in TYPED])
async def test_census_entry_is_typed_over_the_socket(entry):
    """A census entry typed over REST is typed when the exchange sends it over the websocket."""
    code, text = census.code_and_text(entry)

    plain, wrapped = await _raised_both(entry.exchange, code, text)

    assert not isinstance(plain, ipwhitelist.IPRejection)
    assert isinstance(wrapped, ipwhitelist.IPRejection), (entry, wrapped)
    assert type(wrapped.original) is type(plain)


@pytest.mark.parametrize("exchange", sorted(SOCKETS))
async def test_bad_signature_over_the_socket_passes_through(exchange):
    """A bad signature over the websocket comes out exactly as ccxt raises it."""
    code, text = SOCKETS[exchange].near_miss

    plain, wrapped = await _raised_both(exchange, code, text)

    # The two sessions differ only in their request ids and nonces.
    def same(exc: BaseException) -> tuple[type, str]:
        return type(exc), re.sub(r"\d{10,}", "<n>", str(exc))

    assert not isinstance(wrapped, ipwhitelist.IPRejection)
    assert same(plain) == same(wrapped)


async def test_every_socket_exchange_has_typed_entries():
    """Each exchange driven here has census entries to send (the table is not stale)."""
    driven = {lineage_of_id(e.exchange)[-1] for e in TYPED}

    assert set(SOCKETS) == driven
