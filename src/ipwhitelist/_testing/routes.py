"""
Fake Binance, Bybit and OKX: signed key-restriction endpoints plus what ``load_markets`` needs.

Each ``*_routes(state)`` returns a route table for a `FakeServer`; the signed
routes check, like the exchange, the API key, the client's real TCP source
address against ``state.allowed_ips``, and the signature ccxt computed (then,
on OKX, the passphrase), and answer with the exchange's own error body at the
first failure. Timestamps and receive windows are not checked. Markets and
currencies are empty lists.

What each fake answers (everything else is a 404):

* Binance: public ``GET /api/v3/{exchangeInfo,ping,time}``,
  ``/fapi/v1/exchangeInfo``, ``/dapi/v1/exchangeInfo``; signed
  ``GET /sapi/v1/account/apiRestrictions``, ``GET /api/v3/account`` (spot
  balance), and ``GET /sapi/v1/capital/config/getall`` and
  ``/sapi/v1/margin/{,isolated/}allPairs`` (for ``load_markets``).
* Bybit v5: public ``GET /v5/market/{instruments-info,time}``; signed
  ``GET /v5/user/query-api``, ``GET /v5/account/{info,wallet-balance}``,
  ``GET /v5/asset/coin/query-info`` (for ``load_markets``).
* OKX v5: public ``GET /api/v5/public/{instruments,time}``; signed
  ``GET /api/v5/account/{config,balance}``, ``GET /api/v5/asset/currencies``.

Error bodies, as the exchanges document them (codes and messages from the
linked pages; where a page gives no HTTP status, the fake's choice is marked):

* Binance (https://developers.binance.com/docs/binance-spot-api-docs/errors):
  unknown key or IP not allowed: HTTP 401 ``-2015`` "Invalid API-key, IP, or
  permissions for action."; bad signature: ``-1022`` "Signature for this
  request is not valid." (HTTP 400: the fake's choice).
* Bybit (https://bybit-exchange.github.io/docs/v5/error): ``10003`` invalid
  key, ``10004`` "Error sign, please check your signature generation
  algorithm.", ``10010`` "Unmatched IP, please check your API key's bound IP
  addresses.", in the v5 envelope (HTTP 200: the fake's choice).
* OKX (https://www.okx.com/docs-v5/en/#error-code-rest-api-general-class),
  HTTP 401: ``50111`` "Invalid OK-ACCESS-KEY.", ``50110`` "Your IP {ip} is not
  included in your API key's IP whitelist.", ``50113`` "Invalid signature.",
  ``50105`` 'Request header "OK-ACCESS-PASSPHRASE" incorrect.'.
"""

from __future__ import annotations

import base64
import hmac
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .book import FakeBook
from .fake import Reply
from .keys import hmac_sha256, iso_utc, ms_of, now_ms, raw_query

if TYPE_CHECKING:
    from collections.abc import Callable

    from .book import FakeOrder
    from .fake import Request, Route
    from .keys import FakeKeyState, Routes

__all__ = [
    "binance_restrictions",
    "binance_routes",
    "bybit_key_info",
    "bybit_routes",
    "okx_config",
    "okx_routes",
]

#: Answers of signed routes, by (method, path): what the signature check wraps.
_Answers = dict[tuple[str, str], "Callable[[Request], Any]"]

# -- Binance -------------------------------------------------------------------

_B2015 = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
_B1022 = {"code": -1022, "msg": "Signature for this request is not valid."}


def _binance_signed(state: FakeKeyState, answer: Callable[[Request], Any]) -> Route:
    def route(request: Request) -> Reply:
        if request.headers.get("x-mbx-apikey") != state.api_key:
            return Reply.json(_B2015, 401)
        if not state.allows(request.client_ip):
            return Reply.json(_B2015, 401)
        if request.method in {"POST", "PUT"}:
            # ccxt signs the form body of a POST and sends no query string.
            signed, _, got = request.body.decode().rpartition("&signature=")
        else:
            signed = raw_query(request, drop="signature")
            got = request.query.get("signature", [""])[0]
        expected = hmac_sha256(state.secret, signed).hex()
        if not hmac.compare_digest(expected, got):
            return Reply.json(_B1022, 400)
        answered = answer(request)
        return answered if isinstance(answered, Reply) else Reply.json(answered)

    return route


def _form(request: Request) -> dict[str, str]:
    """The parameters of a request: its form body (POST, PUT) or its query string."""
    text = request.body.decode() if request.method in {"POST", "PUT"} else request.raw_query
    return {key: values[0] for key, values in parse_qs(text).items()}


def _json_body(request: Request) -> dict[str, Any]:
    """The JSON object a request carries; of a batch (a list), the first one."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    if isinstance(body, list) and body:
        body = body[0]
    return body if isinstance(body, dict) else {}


def binance_restrictions(state: FakeKeyState) -> dict[str, Any]:
    """The body of ``GET /sapi/v1/account/apiRestrictions`` for *state*."""
    body: dict[str, Any] = {
        "ipRestrict": bool(state.allowed_ips),
        "createTime": ms_of(state.created_at),
        "enableReading": state.can_read,
        "enableWithdrawals": state.can_withdraw,
        "enableInternalTransfer": False,
        "enableMargin": False,
        "enableFutures": state.can_trade,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enableFixApiTrade": False,
        "enableFixReadOnly": False,
        "enableSpotAndMarginTrading": state.can_trade,
        "enablePortfolioMarginTrading": False,
    }
    if state.expires_at is not None:
        body["tradingAuthorityExpirationTime"] = ms_of(state.expires_at)
    return body


def _binance_symbol(book: FakeBook) -> dict[str, Any]:
    return {
        "symbol": book.base + book.quote,
        "status": "TRADING",
        "baseAsset": book.base,
        "baseAssetPrecision": 8,
        "quoteAsset": book.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "MARKET"],
        "icebergAllowed": False,
        "ocoAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01",
                "maxPrice": "1000000.00",
                "tickSize": "0.01",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00001",
                "maxQty": "9000",
                "stepSize": "0.00001",
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
    }


def _binance_order(order: FakeOrder, book: FakeBook) -> dict[str, Any]:
    return {
        "symbol": book.base + book.quote,
        "orderId": int(order.id),
        "orderListId": -1,
        "clientOrderId": f"ipwhitelist-{order.id}",
        "transactTime": order.created_ms,
        "time": order.created_ms,
        "updateTime": order.created_ms,
        "price": order.price,
        "origQty": order.amount,
        "executedQty": "0",
        "cummulativeQuoteQty": "0",
        "status": "NEW" if order.status == "open" else "CANCELED",
        "timeInForce": "GTC",
        "type": order.type.upper(),
        "side": order.side.upper(),
    }


def _binance_trading(book: FakeBook) -> tuple[Routes, _Answers]:
    """Ticker (public), orders (signed): what a bot's loop calls after ``load_markets``."""

    def ticker(_request: Request) -> dict[str, Any]:
        return {
            "symbol": book.base + book.quote,
            "lastPrice": book.price,
            "bidPrice": book.price,
            "askPrice": book.price,
            "openPrice": book.price,
            "highPrice": book.price,
            "lowPrice": book.price,
            "volume": "0",
            "quoteVolume": "0",
            "openTime": now_ms() - 86_400_000,
            "closeTime": now_ms(),
        }

    def create(request: Request) -> dict[str, Any]:
        form = _form(request)
        order = book.place(
            side=form.get("side", "BUY"),
            type=form.get("type", "LIMIT"),
            amount=form.get("quantity", "0"),
            price=form.get("price", ""),
            now_ms=now_ms(),
        )
        return _binance_order(order, book)

    def cancel(request: Request) -> Reply:
        order = book.cancel(_form(request).get("orderId", ""))
        if order is None:
            return Reply.json({"code": -2011, "msg": "Unknown order sent."}, 400)
        return Reply.json(_binance_order(order, book))

    def open_orders(_request: Request) -> list[dict[str, Any]]:
        return [_binance_order(order, book) for order in book.open_orders()]

    return {("GET", "/api/v3/ticker/24hr"): _public(ticker)}, {
        ("POST", "/api/v3/order"): create,
        ("DELETE", "/api/v3/order"): cancel,
        ("GET", "/api/v3/openOrders"): open_orders,
    }


def binance_routes(state: FakeKeyState, book: FakeBook | None = None) -> Routes:
    """
    Routes of a fake Binance (spot host, ``sapi`` and the futures exchange info).

    The spot market of *book* is listed, quoted and traded on.
    """
    book = FakeBook() if book is None else book
    spot = lambda _r: {  # noqa: E731
        "timezone": "UTC",
        "serverTime": now_ms(),
        "symbols": [_binance_symbol(book)],
    }
    info = lambda _r: {"timezone": "UTC", "serverTime": now_ms(), "symbols": []}  # noqa: E731

    def account(_request: Request) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "canTrade": state.can_trade,
            "canWithdraw": state.can_withdraw,
            "canDeposit": True,
            "updateTime": now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": asset, "free": free, "locked": "0"}
                for asset, free in state.balance.items()
            ],
            "permissions": ["SPOT"],
        }

    public = {
        "/api/v3/exchangeInfo": spot,
        "/fapi/v1/exchangeInfo": info,
        "/dapi/v1/exchangeInfo": info,
        "/api/v3/ping": lambda _r: {},
        "/api/v3/time": lambda _r: {"serverTime": now_ms()},
    }
    signed = {
        "/sapi/v1/account/apiRestrictions": lambda _r: binance_restrictions(state),
        "/sapi/v1/capital/config/getall": lambda _r: [],
        "/sapi/v1/margin/allPairs": lambda _r: [],
        "/sapi/v1/margin/isolated/allPairs": lambda _r: [],
        "/api/v3/account": account,
    }
    routes: Routes = {("GET", p): _public(a) for p, a in public.items()}
    routes |= {("GET", p): _binance_signed(state, a) for p, a in signed.items()}
    public_trading, signed_trading = _binance_trading(book)
    routes |= public_trading
    routes |= {key: _binance_signed(state, a) for key, a in signed_trading.items()}
    return routes


def _public(answer: Callable[[Request], Any]) -> Route:
    return lambda request: Reply.json(answer(request))


# -- Bybit ---------------------------------------------------------------------


def _bybit(ret_code: int, ret_msg: str, result: Any = None) -> Reply:
    return Reply.json(
        {
            "retCode": ret_code,
            "retMsg": ret_msg,
            "result": {} if result is None else result,
            "retExtInfo": {},
            "time": now_ms(),
        }
    )


def _bybit_signed(state: FakeKeyState, answer: Callable[[Request], Any]) -> Route:
    def route(request: Request) -> Reply:
        headers = request.headers
        if headers.get("x-bapi-api-key") != state.api_key:
            return _bybit(
                10003,
                "API key is invalid. Check whether the key and domain are matched, there are "
                "4 env: mainnet, testnet, mainnet-demo, testnet-demo",
            )
        if not state.allows(request.client_ip):
            return _bybit(10010, "Unmatched IP, please check your API key's bound IP addresses.")
        payload = request.body.decode() if request.method == "POST" else raw_query(request)
        auth = (
            headers.get("x-bapi-timestamp", "")
            + state.api_key
            + headers.get("x-bapi-recv-window", "")
            + payload
        )
        expected = hmac_sha256(state.secret, auth).hex()
        if not hmac.compare_digest(expected, headers.get("x-bapi-sign", "")):
            return _bybit(10004, "Error sign, please check your signature generation algorithm.")
        answered = answer(request)
        return answered if isinstance(answered, Reply) else _bybit(0, "OK", answered)

    return route


def bybit_key_info(state: FakeKeyState) -> dict[str, Any]:
    """The ``result`` of ``GET /v5/user/query-api`` for *state*, the key included as Bybit does."""
    trade = ["Order", "Position"] if state.can_trade else []
    wallet = (["AccountTransfer"] if state.can_trade else []) + (
        ["Withdraw"] if state.can_withdraw else []
    )
    expires = state.expires_at
    days = max(0, (expires - datetime.now(UTC)).days) if expires is not None else 0
    return {
        "id": "13770661",
        "note": "ipwhitelist fake",
        "apiKey": state.api_key,
        "readOnly": 0 if state.can_trade or state.can_withdraw else 1,
        "secret": "",
        "permissions": {
            "ContractTrade": trade,
            "Spot": ["SpotTrade"] if state.can_trade else [],
            "Wallet": wallet,
            "Options": [],
            "Derivatives": [],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": [],
            "NFT": [],
            "Earn": [],
        },
        "ips": list(state.allowed_ips) or ["*"],
        "type": 1,
        "deadlineDay": days,
        "expiredAt": iso_utc(expires) if expires is not None else "",
        "createdAt": iso_utc(state.created_at),
        "unified": 0,
        "uta": 1,
        "userID": 24617703,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": True,
        "parentUid": "0",
        "kycLevel": "LEVEL_1",
        "kycRegion": "",
    }


def _bybit_order(order: FakeOrder, book: FakeBook) -> dict[str, Any]:
    return {
        "orderId": order.id,
        "orderLinkId": "",
        "symbol": book.base + book.quote,
        "price": order.price,
        "qty": order.amount,
        "side": order.side.capitalize(),
        "orderStatus": "New" if order.status == "open" else "Cancelled",
        "orderType": order.type.capitalize(),
        "timeInForce": "GTC",
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.created_ms),
        "leavesQty": order.amount,
        "cumExecQty": "0",
        "cumExecValue": "0",
        "avgPrice": "",
    }


def _bybit_trading(book: FakeBook) -> tuple[Routes, _Answers]:
    """Ticker (public), orders (signed): what a bot's loop calls after ``load_markets``."""

    def ticker(_request: Request) -> Reply:
        item = {
            "symbol": book.base + book.quote,
            "bid1Price": book.price,
            "bid1Size": "1",
            "ask1Price": book.price,
            "ask1Size": "1",
            "lastPrice": book.price,
            "prevPrice24h": book.price,
            "price24hPcnt": "0",
            "highPrice24h": book.price,
            "lowPrice24h": book.price,
            "turnover24h": "0",
            "volume24h": "0",
        }
        return _bybit(0, "OK", {"category": "spot", "list": [item]})

    def create(request: Request) -> dict[str, Any]:
        body = _json_body(request)
        order = book.place(
            side=str(body.get("side", "Buy")),
            type=str(body.get("orderType", "Limit")),
            amount=str(body.get("qty", "0")),
            price=str(body.get("price", "")),
            now_ms=now_ms(),
        )
        return {"orderId": order.id, "orderLinkId": ""}

    def cancel(request: Request) -> Any:
        order = book.cancel(str(_json_body(request).get("orderId", "")))
        if order is None:
            return _bybit(170213, "Order does not exist.")
        return {"orderId": order.id, "orderLinkId": ""}

    def open_orders(_request: Request) -> dict[str, Any]:
        orders = [_bybit_order(order, book) for order in book.open_orders()]
        return {"category": "spot", "list": orders, "nextPageCursor": ""}

    return {("GET", "/v5/market/tickers"): ticker}, {
        ("POST", "/v5/order/create"): create,
        ("POST", "/v5/order/cancel"): cancel,
        ("GET", "/v5/order/realtime"): open_orders,
    }


def bybit_routes(state: FakeKeyState, book: FakeBook | None = None) -> Routes:
    """Routes of a fake Bybit v5; the spot market of *book* is listed, quoted and traded on."""
    book = FakeBook() if book is None else book

    def instruments(request: Request) -> dict[str, Any]:
        category = request.query.get("category", ["spot"])[0]
        listed = [
            {
                "symbol": book.base + book.quote,
                "baseCoin": book.base,
                "quoteCoin": book.quote,
                "innovation": "0",
                "status": "Trading",
                "marginTrading": "none",
                "lotSizeFilter": {
                    "basePrecision": "0.000001",
                    "quotePrecision": "0.00000001",
                    "minOrderQty": "0.000048",
                    "maxOrderQty": "71.73956243",
                    "minOrderAmt": "1",
                    "maxOrderAmt": "2000000",
                },
                "priceFilter": {"tickSize": "0.01"},
            }
        ]
        return {
            "category": category,
            "list": listed if category == "spot" else [],
            "nextPageCursor": "",
        }

    def wallet(_request: Request) -> dict[str, Any]:
        coins = [
            {
                "coin": coin,
                "equity": free,
                "walletBalance": free,
                "locked": "0",
                "totalOrderIM": "0",
                "totalPositionIM": "0",
                "borrowAmount": "0",
                "spotBorrow": "0",
            }
            for coin, free in state.balance.items()
        ]
        return {"list": [{"accountType": "UNIFIED", "coin": coins}]}

    account_info = {
        "marginMode": "REGULAR_MARGIN",
        "updatedTime": "1697078946000",
        "unifiedMarginStatus": 5,
        "dcpStatus": "OFF",
        "timeWindow": 10,
        "smpGroup": 0,
        "isMasterTrader": False,
        "spotHedgingStatus": "OFF",
    }
    routes: Routes = {
        ("GET", "/v5/market/instruments-info"): lambda r: _bybit(0, "OK", instruments(r)),
        ("GET", "/v5/market/time"): lambda _r: _bybit(
            0, "OK", {"timeSecond": str(now_ms() // 1000), "timeNano": str(now_ms() * 10**6)}
        ),
    }
    signed = {
        "/v5/user/query-api": lambda _r: bybit_key_info(state),
        "/v5/account/info": lambda _r: account_info,
        "/v5/account/wallet-balance": wallet,
        "/v5/asset/coin/query-info": lambda _r: {"rows": []},
    }
    routes |= {("GET", p): _bybit_signed(state, a) for p, a in signed.items()}
    public_trading, signed_trading = _bybit_trading(book)
    routes |= public_trading
    routes |= {key: _bybit_signed(state, a) for key, a in signed_trading.items()}
    return routes


# -- OKX -----------------------------------------------------------------------


def _okx_error(code: str, msg: str) -> Reply:
    return Reply.json({"msg": msg, "code": code, "data": []}, 401)


def _okx_signed(state: FakeKeyState, answer: Callable[[Request], Any]) -> Route:
    def route(request: Request) -> Reply:
        headers = request.headers
        if headers.get("ok-access-key") != state.api_key:
            return _okx_error("50111", "Invalid OK-ACCESS-KEY.")
        if not state.allows(request.client_ip):
            return _okx_error(
                "50110",
                f"Your IP {request.client_ip} is not included in your API key's IP whitelist.",
            )
        query = raw_query(request)
        prehash = (
            headers.get("ok-access-timestamp", "")
            + request.method
            + request.path
            + (f"?{query}" if query else "")
            + request.body.decode()
        )
        expected = base64.b64encode(hmac_sha256(state.secret, prehash)).decode()
        if not hmac.compare_digest(expected, headers.get("ok-access-sign", "")):
            return _okx_error("50113", "Invalid signature.")
        if headers.get("ok-access-passphrase") != state.password:
            return _okx_error("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
        answered = answer(request)
        if isinstance(answered, Reply):
            return answered
        return Reply.json({"code": "0", "msg": "", "data": answered})

    return route


def okx_config(state: FakeKeyState) -> dict[str, Any]:
    """``data[0]`` of ``GET /api/v5/account/config`` for *state*."""
    perm = [
        name
        for name, on in (
            ("read_only", state.can_read),
            ("trade", state.can_trade),
            ("withdraw", state.can_withdraw),
        )
        if on
    ]
    return {
        "uid": "44705892343619584",
        "mainUid": "44705892343619584",
        "acctLv": "2",
        "posMode": "net_mode",
        "autoLoan": False,
        "greeksType": "PA",
        "level": "Lv1",
        "levelTmp": "",
        "ctIsoMode": "automatic",
        "mgnIsoMode": "automatic",
        "spotOffsetType": "",
        "roleType": "0",
        "traderInsts": [],
        "spotRoleType": "0",
        "spotTraderInsts": [],
        "opAuth": "0",
        "kycLv": "1",
        "label": "ipwhitelist fake",
        "ip": ",".join(state.allowed_ips),
        "perm": ",".join(perm),
    }


def _okx_order(order: FakeOrder, book: FakeBook) -> dict[str, Any]:
    return {
        "instType": "SPOT",
        "instId": f"{book.base}-{book.quote}",
        "ordId": order.id,
        "clOrdId": "",
        "tag": "",
        "px": order.price,
        "sz": order.amount,
        "side": order.side,
        "ordType": order.type,
        "tdMode": "cash",
        "state": "live" if order.status == "open" else "canceled",
        "accFillSz": "0",
        "fillPx": "",
        "avgPx": "",
        "fee": "0",
        "feeCcy": book.quote,
        "cTime": str(order.created_ms),
        "uTime": str(order.created_ms),
    }


def _okx_trading(book: FakeBook) -> tuple[Routes, _Answers]:
    """Ticker (public), orders (signed): what a bot's loop calls after ``load_markets``."""

    def ticker(_request: Request) -> Reply:
        item = {
            "instType": "SPOT",
            "instId": f"{book.base}-{book.quote}",
            "last": book.price,
            "lastSz": "0",
            "askPx": book.price,
            "askSz": "1",
            "bidPx": book.price,
            "bidSz": "1",
            "open24h": book.price,
            "high24h": book.price,
            "low24h": book.price,
            "volCcy24h": "0",
            "vol24h": "0",
            "ts": str(now_ms()),
        }
        return Reply.json({"code": "0", "msg": "", "data": [item]})

    def create(request: Request) -> list[dict[str, Any]]:
        body = _json_body(request)
        order = book.place(
            side=str(body.get("side", "buy")),
            type=str(body.get("ordType", "limit")),
            amount=str(body.get("sz", "0")),
            price=str(body.get("px", "")),
            now_ms=now_ms(),
        )
        return [{"clOrdId": "", "ordId": order.id, "tag": "", "sCode": "0", "sMsg": ""}]

    def cancel(request: Request) -> Any:
        order_id = str(_json_body(request).get("ordId", ""))
        if book.cancel(order_id) is None:
            failed = {
                "clOrdId": "",
                "ordId": order_id,
                "sCode": "51400",
                "sMsg": "Order cancellation failed as the order has been filled, "
                "canceled or does not exist.",
            }
            return Reply.json({"code": "1", "msg": "Operation failed.", "data": [failed]})
        return [{"clOrdId": "", "ordId": order_id, "sCode": "0", "sMsg": ""}]

    def open_orders(_request: Request) -> list[dict[str, Any]]:
        return [_okx_order(order, book) for order in book.open_orders()]

    return {("GET", "/api/v5/market/ticker"): ticker}, {
        # ccxt places single orders through the batch endpoint: one at a time here.
        ("POST", "/api/v5/trade/order"): create,
        ("POST", "/api/v5/trade/batch-orders"): create,
        ("POST", "/api/v5/trade/cancel-order"): cancel,
        ("POST", "/api/v5/trade/cancel-batch-orders"): cancel,
        ("GET", "/api/v5/trade/orders-pending"): open_orders,
    }


def okx_routes(state: FakeKeyState, book: FakeBook | None = None) -> Routes:
    """Routes of a fake OKX v5; the spot market of *book* is listed, quoted and traded on."""
    book = FakeBook() if book is None else book

    def instruments(request: Request) -> list[dict[str, Any]]:
        if request.query.get("instType", [""])[0] != "SPOT":
            return []
        return [
            {
                "instType": "SPOT",
                "instId": f"{book.base}-{book.quote}",
                "uly": "",
                "instFamily": "",
                "baseCcy": book.base,
                "quoteCcy": book.quote,
                "settleCcy": "",
                "ctVal": "",
                "ctMult": "",
                "ctValCcy": "",
                "listTime": "1606468572000",
                "expTime": "",
                "lever": "",
                "tickSz": "0.1",
                "lotSz": "0.00000001",
                "minSz": "0.00001",
                "ctType": "",
                "alias": "",
                "state": "live",
                "maxLmtSz": "9999999999",
                "maxMktSz": "1000000",
            }
        ]

    def balance(_request: Request) -> list[dict[str, Any]]:
        details = [
            {"ccy": ccy, "eq": free, "cashBal": free, "availBal": free, "frozenBal": "0"}
            for ccy, free in state.balance.items()
        ]
        return [{"uTime": str(now_ms()), "totalEq": "0", "details": details}]

    def public(data: Callable[[Request], Any]) -> Route:
        return lambda request: Reply.json({"code": "0", "msg": "", "data": data(request)})

    routes: Routes = {
        ("GET", "/api/v5/public/instruments"): public(instruments),
        ("GET", "/api/v5/public/time"): public(lambda _r: [{"ts": str(now_ms())}]),
    }
    signed = {
        "/api/v5/account/config": lambda _r: [okx_config(state)],
        "/api/v5/account/balance": balance,
        "/api/v5/asset/currencies": lambda _r: [],
    }
    routes |= {("GET", p): _okx_signed(state, a) for p, a in signed.items()}
    public_trading, signed_trading = _okx_trading(book)
    routes |= public_trading
    routes |= {key: _okx_signed(state, a) for key, a in signed_trading.items()}
    return routes
