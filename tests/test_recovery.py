"""Recovery review: open positions without an exchange-resident stop-loss."""

from __future__ import annotations

import json

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist

# Unified structures as ccxt returns them (fields abridged to what matters).
POSITIONS = [
    {
        "symbol": "BTC/USDT:USDT",
        "side": "long",
        "contracts": 0.01,
        "notional": 500.0,
        "stopLossPrice": None,
    },
    {
        "symbol": "ETH/USDT:USDT",
        "side": "short",
        "contracts": 1.0,
        "notional": 3000.0,
        "stopLossPrice": None,
    },
    {
        "symbol": "SOL/USDT:USDT",
        "side": "long",
        "contracts": 5.0,
        "notional": 700.0,
        "stopLossPrice": 120.0,
    },
    {"symbol": "XRP/USDT:USDT", "side": "long", "contracts": 0.0, "notional": 0.0},
]
ORDERS = {
    "BTC/USDT:USDT": [
        {
            "id": "11",
            "symbol": "BTC/USDT:USDT",
            "type": "stop_market",
            "side": "sell",
            "reduceOnly": True,
            "stopPrice": 45000.0,
            "triggerPrice": 45000.0,
        },
        {"id": "12", "symbol": "BTC/USDT:USDT", "type": "limit", "side": "sell", "price": 60000.0},
    ],
    # A stop on the wrong side (it would add to the short) protects nothing,
    # and a take-profit is not a stop-loss.
    "ETH/USDT:USDT": [
        {
            "id": "21",
            "symbol": "ETH/USDT:USDT",
            "type": "stop_market",
            "side": "sell",
            "stopPrice": 2500.0,
        },
        {
            "id": "22",
            "symbol": "ETH/USDT:USDT",
            "type": "take_profit_market",
            "side": "buy",
            "triggerPrice": 2500.0,
            "takeProfitPrice": 2500.0,
        },
    ],
    "SOL/USDT:USDT": [],
}


class _Futures(ccxt.binanceusdm):
    """Unified methods answered from canned unified data; everything else refuses."""

    calls: list

    def fetch_positions(self, symbols=None, params=None):
        self.calls.append(("fetch_positions", symbols))
        return json.loads(json.dumps(POSITIONS))

    def fetch_open_orders(self, symbol=None, since=None, limit=None, params=None):
        self.calls.append(("fetch_open_orders", symbol))
        return json.loads(json.dumps(ORDERS.get(symbol, [])))

    def create_order(self, *args, **kwargs):
        raise AssertionError("the review must be read-only")

    def cancel_order(self, *args, **kwargs):
        raise AssertionError("the review must be read-only")


def test_flags_positions_without_stop():
    """Only BTC (stop order) and SOL (attached stop-loss) are protected; flat XRP is ignored."""
    client = _Futures()
    client.calls = []

    review = ipwhitelist.review_positions(ipwhitelist.wrap(client, egress=False))

    assert ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"] == [
        p.symbol for p in review.positions
    ]
    assert ["ETH/USDT:USDT"] == [p.symbol for p in review.unprotected]
    assert ("11",) == review.positions[0].stop_order_ids
    assert 4 == review.open_orders
    assert "ETH/USDT:USDT short 1.0: NO exchange-side stop-loss" in str(review)
    assert ["ETH/USDT:USDT"] == json.loads(json.dumps(review.to_dict()))["unprotected"]


def test_read_only_calls():
    """Only fetch_positions and fetch_open_orders (per open symbol) are called."""
    client = _Futures()
    client.calls = []

    ipwhitelist.review_positions(client)

    assert {name for name, _ in client.calls} == {"fetch_positions", "fetch_open_orders"}
    assert {s for n, s in client.calls if n == "fetch_open_orders"} == {
        "BTC/USDT:USDT",
        "ETH/USDT:USDT",
        "SOL/USDT:USDT",
    }


def test_nothing_open():
    """No positions: an empty review that says so."""
    review = ipwhitelist._ops.recovery.assess("binanceusdm", [], [])

    assert ((), 0) == (review.unprotected, review.open_orders)


class _AsyncFutures(ccxt.async_support.binanceusdm):
    async def fetch_positions(self, symbols=None, params=None):
        return json.loads(json.dumps(POSITIONS))

    async def fetch_open_orders(self, symbol=None, since=None, limit=None, params=None):
        return json.loads(json.dumps(ORDERS.get(symbol, [])))


@pytest.mark.asyncio
async def test_async_twin():
    """areview_positions gives the same verdict on async clients."""
    client = _AsyncFutures()
    try:
        review = await ipwhitelist.areview_positions(client)
    finally:
        await client.close()

    assert ["ETH/USDT:USDT"] == [p.symbol for p in review.unprotected]


# -- end to end: real ccxt parsing against a loopback fake of Binance USDⓈ-M ------------

_FILTERS = [
    {"filterType": "PRICE_FILTER", "minPrice": "556.80", "maxPrice": "4529764", "tickSize": "0.10"},
    {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.001", "maxQty": "120", "stepSize": "0.001"},
    {"filterType": "MAX_NUM_ORDERS", "limit": 200},
    {"filterType": "MIN_NOTIONAL", "notional": "100"},
]


def _symbol(base):
    return {
        "symbol": f"{base}USDT", "pair": f"{base}USDT", "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "baseAsset": base, "quoteAsset": "USDT", "marginAsset": "USDT",
        "pricePrecision": 2, "quantityPrecision": 3, "baseAssetPrecision": 8, "quotePrecision": 8,
        "underlyingType": "COIN", "triggerProtect": "0.0500", "filters": _FILTERS,
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }  # fmt: skip


def _position(symbol, amount, notional):
    return {
        "symbol": symbol, "positionSide": "BOTH", "positionAmt": amount, "entryPrice": "50000.0",
        "breakEvenPrice": "50010.0", "markPrice": "51000.0", "unRealizedProfit": "10.0",
        "liquidationPrice": "0", "isolatedMargin": "0", "notional": notional, "marginAsset": "USDT",
        "isolatedWallet": "0", "initialMargin": "5.1", "maintMargin": "2.04", "adl": 1,
        "updateTime": 1700000000000,
    }  # fmt: skip


_STOP = {
    "orderId": 11, "symbol": "BTCUSDT", "status": "NEW", "clientOrderId": "stop-btc", "price": "0",
    "avgPrice": "0", "origQty": "0.010", "executedQty": "0", "cumQuote": "0", "timeInForce": "GTC",
    "type": "STOP_MARKET", "reduceOnly": True, "closePosition": False, "side": "SELL",
    "positionSide": "BOTH", "stopPrice": "45000", "workingType": "CONTRACT_PRICE",
    "origType": "STOP_MARKET", "updateTime": 1700000000000, "time": 1700000000000,
}  # fmt: skip


def _binance_futures(request):
    from ipwhitelist._testing.fake import Reply

    if request.path == "/fapi/v1/exchangeInfo":
        return Reply.json(
            {
                "timezone": "UTC",
                "serverTime": 1700000000000,
                "symbols": [_symbol("BTC"), _symbol("ETH")],
            }
        )
    if request.path == "/fapi/v1/leverageBracket":
        brackets = [
            {
                "bracket": 1,
                "initialLeverage": 125,
                "notionalCap": 50000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.004,
                "cum": 0,
            }
        ]
        return Reply.json([{"symbol": s, "brackets": brackets} for s in ("BTCUSDT", "ETHUSDT")])
    if request.path == "/fapi/v3/positionRisk":
        return Reply.json(
            [_position("BTCUSDT", "0.010", "510.0"), _position("ETHUSDT", "-1.000", "-3000.0")]
        )
    if request.path == "/fapi/v1/openOrders":
        return Reply.json([_STOP] if request.query["symbol"] == ["BTCUSDT"] else [])
    return Reply.json({"code": -1000, "msg": f"unexpected {request.path}"}, 400)


def test_end_to_end_against_loopback_binance_futures():
    """Real ccxt parsing: the long with a reduce-only stop is protected, the short is not; only GETs."""
    from helpers import make_client
    from ipwhitelist._testing.fake import FakeServer

    with FakeServer(default=_binance_futures) as server:
        client = make_client(
            ccxt,
            "binanceusdm",
            server.url,
            options={"fetchCurrencies": False, "fetchMarkets": {"types": ["linear"]}},
        )
        review = ipwhitelist.review_positions(ipwhitelist.wrap(client, egress=False))

        methods = {r.method for r in server.requests}

    assert [("BTC/USDT:USDT", "long", True), ("ETH/USDT:USDT", "short", False)] == [
        (p.symbol, p.side, p.protected) for p in review.positions
    ]
    assert ("11",) == review.positions[0].stop_order_ids
    assert {"GET"} == methods
