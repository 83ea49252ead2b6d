"""
Loopback fakes of six exchanges that check what real ccxt clients sign.

Binance, Bybit, OKX, KuCoin, Bitget and Gate.

Each fake holds one API key's state (`FakeKeyState`): its credentials, its IP
whitelist, its permissions and its expiry. On every private request it checks,
like the exchange, the API key, the client's real TCP source address against
the whitelist, and the signature ccxt computed, and answers with the
exchange's own error body when one of them is wrong. The key-restriction
endpoints answer from the state, so tests (and ``ipwhitelist demo``) can change
the whitelist or the permissions between two calls.

```python
from ipwhitelist._fake_exchanges import FakeKeyState, fake_exchange

with fake_exchange("bybit", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
    client = fake.client()                  # a real ccxt.bybit aimed at the fake
    client.fetch_balance()                  # signed, checked, answered
    fake.state.allowed_ips = ["203.0.113.7"]
    client.fetch_balance()                  # ccxt.PermissionDenied: retCode 10010
```

``fake.client(module=ccxt.async_support)`` builds an async client (use
`afake_exchange` so it is closed); ``fake.client(source="127.0.0.2")`` makes
the client connect from another loopback address, which plays "the egress IP
changed". Route tables (`binance_routes`, `bybit_routes`, `okx_routes`,
`kucoin_routes`, `bitget_routes`, `gate_routes`) can be mounted on any
`FakeServer`.

What each fake answers (everything else is a 404); "signed" means the key,
the source IP and the signature are checked first:

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
* KuCoin (``kucoin``, ``kucoinfutures``): signed ``GET /api/v1/user/api-key``
  only. Like KuCoin, it masks the whitelist: plain IPv4 addresses read
  ``127.**.1``; other entries (networks, IPv6) are shown as they are, since
  how KuCoin masks those is not documented.
* Bitget: signed ``GET /api/v2/spot/account/info`` only (``ips`` joined with
  commas: the fake's choice, Bitget's page shows a single address).
* Gate: signed ``GET /api/v4/account/detail`` only.

Markets and currencies are empty lists: ``load_markets()`` and
``fetch_balance()`` work, nothing that needs a symbol does. Checks run in this
order: API key, source IP, signature (then, on OKX, KuCoin and Bitget, the
passphrase); the first failure answers. Timestamps and receive windows are not
checked.

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
* KuCoin (https://github.com/Kucoin/kucoin-api-docs/blob/master/source/localizable/index.html.md,
  "System error codes"; HTTP 401 "Invalid API Key"): ``400003`` "KC-API-KEY not
  exists", ``400005`` "Signature error", ``400004`` "KC-API-PASSPHRASE error";
  ``400006`` with today's text "Invalid request ip, the current clientIp
  is:<ip>" (HTTP 403, https://www.kucoin.com/docs-new/error-code/websocket).
* Bitget (https://www.bitget.com/api-doc/spot/error-code/restapi), HTTP 400
  (the fake's choice): ``40037`` "Apikey does not exist", ``40018`` "Invalid
  IP", ``40009`` "sign signature error", ``40012`` "apikey/password is
  incorrect".
* Gate (https://www.gate.io/docs/developers/apiv4/en/#label-list), HTTP 401
  ("401 is returned on authentication failure"): ``INVALID_KEY`` "Invalid API
  Key", ``IP_FORBIDDEN`` "Request IP not in whitelist: <ip>",
  ``INVALID_SIGNATURE`` "Invalid signature".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import time
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._fake import FakeServer, Reply, Request, Route, point_at
from ._families import families_of_id

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Mapping

# Public by design, like the demo's: they only ever open a loopback fake.
FAKE_API_KEY = "fake-api-key-not-a-secret-000000000000000000000000000000000000000000"
FAKE_SECRET = "fake-secret-not-a-secret-0000000000000000000000000000000000000000000"  # noqa: S105
FAKE_PASSWORD = "fake-passphrase-not-a-secret"  # noqa: S105

Routes = dict[tuple[str, str], Route]


def _to_list(value: Any) -> list[str]:
    return [str(v) for v in value]


@attrs.define(kw_only=True)
class FakeKeyState:
    """
    One API key as a fake exchange sees it; mutable, so tests can edit it between calls.

    Attributes:
        api_key: The key the fake accepts.
        secret: The secret it verifies signatures with.
        password: The passphrase of OKX, KuCoin and Bitget.
        allowed_ips: The key's IP whitelist (addresses or CIDR networks); empty
            means unrestricted.
        can_read: Reading permission.
        can_trade: Trading permission (Binance: Spot & Margin and Futures;
            Bybit: contract and spot trade; OKX: ``trade``; KuCoin: ``Spot``
            and ``Futures``; Bitget: ``stow``, ``coow``, ``cpow``). Gate
            reports no permissions.
        can_withdraw: Withdrawal permission.
        expires_at: The expiry the restriction endpoint reports (Binance:
            ``tradingAuthorityExpirationTime``; Bybit: ``expiredAt``); the
            others report none.
        created_at: The creation time the restriction endpoint reports.
        balance: Free balance per currency, as decimal strings.
    """

    api_key: str = attrs.field(default=FAKE_API_KEY, repr=False)
    secret: str = attrs.field(default=FAKE_SECRET, repr=False)
    password: str = attrs.field(default=FAKE_PASSWORD, repr=False)
    allowed_ips: list[str] = attrs.field(factory=list, converter=_to_list)
    can_read: bool = True
    can_trade: bool = True
    can_withdraw: bool = False
    expires_at: datetime | None = None
    created_at: datetime = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    balance: Mapping[str, str] = attrs.field(factory=lambda: {"USDT": "1000"})

    def allows(self, ip: str) -> bool:
        """Whether a request from *ip* passes the key's whitelist."""
        if not self.allowed_ips:
            return True
        address = ipaddress.ip_address(ip)
        return any(address in network for network in _networks(self.allowed_ips))


def _networks(entries: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return networks


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _raw_query(request: Request, *, drop: str | None = None) -> str:
    """The query string as the client sent and signed it, without a trailing *drop* parameter."""
    raw = request.raw_query
    return raw.split(f"&{drop}=", 1)[0] if drop else raw


def _hmac(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()


# -- Binance -------------------------------------------------------------------

_B2015 = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
_B1022 = {"code": -1022, "msg": "Signature for this request is not valid."}


def _binance_signed(state: FakeKeyState, answer: Callable[[Request], Any]) -> Route:
    def route(request: Request) -> Reply:
        if request.headers.get("x-mbx-apikey") != state.api_key:
            return Reply.json(_B2015, 401)
        if not state.allows(request.client_ip):
            return Reply.json(_B2015, 401)
        signed = _raw_query(request, drop="signature")
        expected = _hmac(state.secret, signed).hex()
        got = request.query.get("signature", [""])[0]
        if not hmac.compare_digest(expected, got):
            return Reply.json(_B1022, 400)
        return Reply.json(answer(request))

    return route


def binance_restrictions(state: FakeKeyState) -> dict[str, Any]:
    """The body of ``GET /sapi/v1/account/apiRestrictions`` for *state*."""
    body: dict[str, Any] = {
        "ipRestrict": bool(state.allowed_ips),
        "createTime": _ms(state.created_at),
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
        body["tradingAuthorityExpirationTime"] = _ms(state.expires_at)
    return body


def binance_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake Binance (spot host, ``sapi`` and the futures exchange info)."""
    info = lambda _r: {"timezone": "UTC", "serverTime": _now_ms(), "symbols": []}  # noqa: E731

    def account(_request: Request) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "canTrade": state.can_trade,
            "canWithdraw": state.can_withdraw,
            "canDeposit": True,
            "updateTime": _now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": asset, "free": free, "locked": "0"}
                for asset, free in state.balance.items()
            ],
            "permissions": ["SPOT"],
        }

    public = {
        "/api/v3/exchangeInfo": info,
        "/fapi/v1/exchangeInfo": info,
        "/dapi/v1/exchangeInfo": info,
        "/api/v3/ping": lambda _r: {},
        "/api/v3/time": lambda _r: {"serverTime": _now_ms()},
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
            "time": _now_ms(),
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
        payload = request.body.decode() if request.method == "POST" else _raw_query(request)
        auth = (
            headers.get("x-bapi-timestamp", "")
            + state.api_key
            + headers.get("x-bapi-recv-window", "")
            + payload
        )
        expected = _hmac(state.secret, auth).hex()
        if not hmac.compare_digest(expected, headers.get("x-bapi-sign", "")):
            return _bybit(10004, "Error sign, please check your signature generation algorithm.")
        return _bybit(0, "OK", answer(request))

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
        "expiredAt": _iso(expires) if expires is not None else "",
        "createdAt": _iso(state.created_at),
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


def bybit_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake Bybit v5."""

    def instruments(request: Request) -> dict[str, Any]:
        category = request.query.get("category", ["spot"])[0]
        return {"category": category, "list": [], "nextPageCursor": ""}

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
            0, "OK", {"timeSecond": str(_now_ms() // 1000), "timeNano": str(_now_ms() * 10**6)}
        ),
    }
    signed = {
        "/v5/user/query-api": lambda _r: bybit_key_info(state),
        "/v5/account/info": lambda _r: account_info,
        "/v5/account/wallet-balance": wallet,
        "/v5/asset/coin/query-info": lambda _r: {"rows": []},
    }
    routes |= {("GET", p): _bybit_signed(state, a) for p, a in signed.items()}
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
        query = _raw_query(request)
        prehash = (
            headers.get("ok-access-timestamp", "")
            + request.method
            + request.path
            + (f"?{query}" if query else "")
            + request.body.decode()
        )
        expected = base64.b64encode(_hmac(state.secret, prehash)).decode()
        if not hmac.compare_digest(expected, headers.get("ok-access-sign", "")):
            return _okx_error("50113", "Invalid signature.")
        if headers.get("ok-access-passphrase") != state.password:
            return _okx_error("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
        return Reply.json({"code": "0", "msg": "", "data": answer(request)})

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


def okx_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake OKX v5."""

    def balance(_request: Request) -> list[dict[str, Any]]:
        details = [
            {"ccy": ccy, "eq": free, "cashBal": free, "availBal": free, "frozenBal": "0"}
            for ccy, free in state.balance.items()
        ]
        return [{"uTime": str(_now_ms()), "totalEq": "0", "details": details}]

    def public(data: Callable[[Request], Any]) -> Route:
        return lambda request: Reply.json({"code": "0", "msg": "", "data": data(request)})

    routes: Routes = {
        ("GET", "/api/v5/public/instruments"): public(lambda _r: []),
        ("GET", "/api/v5/public/time"): public(lambda _r: [{"ts": str(_now_ms())}]),
    }
    signed = {
        "/api/v5/account/config": lambda _r: [okx_config(state)],
        "/api/v5/account/balance": balance,
        "/api/v5/asset/currencies": lambda _r: [],
    }
    routes |= {("GET", p): _okx_signed(state, a) for p, a in signed.items()}
    return routes


# -- KuCoin --------------------------------------------------------------------


def _kucoin_error(status: int, code: str, msg: str) -> Reply:
    return Reply.json({"code": code, "msg": msg}, status)


def _b64_hmac(secret: str, payload: str) -> str:
    return base64.b64encode(_hmac(secret, payload)).decode()


def _prehash(request: Request, timestamp: str) -> str:
    """Join timestamp, method, path (with ?query) and body, as KuCoin and Bitget sign them."""
    query = _raw_query(request)
    return (
        timestamp
        + request.method
        + request.path
        + (f"?{query}" if query else "")
        + request.body.decode()
    )


def _kucoin_mask(entry: str) -> str:
    try:
        ipaddress.IPv4Address(entry)
    except ValueError:
        return entry
    first, *_, last = entry.split(".")
    return f"{first}.**.{last}"


def kucoin_key_info(state: FakeKeyState) -> dict[str, Any]:
    """``data`` of ``GET /api/v1/user/api-key`` for *state*, the key included as KuCoin does."""
    permission = ["General"] if state.can_read else []
    permission += ["Spot", "Futures"] if state.can_trade else []
    permission += ["Transfer"] if state.can_withdraw else []
    return {
        "remark": "ipwhitelist fake",
        "apiKey": state.api_key,
        "apiVersion": 3,
        "permission": ",".join(permission),
        "ipWhitelist": ",".join(map(_kucoin_mask, state.allowed_ips)),
        "createdAt": _ms(state.created_at),
        "uid": 165111215,
        "isMaster": True,
    }


def kucoin_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake KuCoin (the key-info endpoint)."""

    def route(request: Request) -> Reply:
        headers = request.headers
        if headers.get("kc-api-key") != state.api_key:
            return _kucoin_error(401, "400003", "KC-API-KEY not exists")
        if not state.allows(request.client_ip):
            return _kucoin_error(
                403,
                "400006",
                f"Invalid request ip, the current clientIp is:{request.client_ip}",
            )
        expected = _b64_hmac(state.secret, _prehash(request, headers.get("kc-api-timestamp", "")))
        if not hmac.compare_digest(expected, headers.get("kc-api-sign", "")):
            return _kucoin_error(401, "400005", "Signature error")
        # Key version 2 sends the passphrase encrypted with the secret.
        passphrase = (
            _b64_hmac(state.secret, state.password)
            if headers.get("kc-api-key-version") == "2"
            else state.password
        )
        if not hmac.compare_digest(passphrase, headers.get("kc-api-passphrase", "")):
            return _kucoin_error(401, "400004", "KC-API-PASSPHRASE error")
        return Reply.json({"code": "200000", "data": kucoin_key_info(state)})

    return {("GET", "/api/v1/user/api-key"): route}


# -- Bitget --------------------------------------------------------------------


def _bitget(code: str, msg: str, data: Any = None, status: int = 200) -> Reply:
    return Reply.json({"code": code, "msg": msg, "requestTime": _now_ms(), "data": data}, status)


def bitget_account_info(state: FakeKeyState) -> dict[str, Any]:
    """``data`` of ``GET /api/v2/spot/account/info`` for *state*."""
    authorities = ["coor", "cpor", "stor"] if state.can_read else []
    authorities += ["coow", "cpow", "stow"] if state.can_trade else []
    authorities += ["wwow"] if state.can_withdraw else []
    return {
        "userId": "4287912813",
        "inviterId": "0",
        "ips": ",".join(state.allowed_ips),
        "authorities": authorities,
        "parentId": 4287912813,
        "traderType": "not_trader",
        "channelCode": "",
        "channel": "",
        "regisTime": str(_ms(state.created_at)),
    }


def bitget_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake Bitget (the account-info endpoint)."""

    def route(request: Request) -> Reply:
        headers = request.headers
        if headers.get("access-key") != state.api_key:
            return _bitget("40037", "Apikey does not exist", status=400)
        if not state.allows(request.client_ip):
            return _bitget("40018", "Invalid IP", status=400)
        expected = _b64_hmac(state.secret, _prehash(request, headers.get("access-timestamp", "")))
        if not hmac.compare_digest(expected, headers.get("access-sign", "")):
            return _bitget("40009", "sign signature error", status=400)
        if headers.get("access-passphrase") != state.password:
            return _bitget("40012", "apikey/password is incorrect", status=400)
        return _bitget("00000", "success", bitget_account_info(state))

    return {("GET", "/api/v2/spot/account/info"): route}


# -- Gate ----------------------------------------------------------------------


def _gate_error(label: str, message: str) -> Reply:
    return Reply.json({"label": label, "message": message}, 401)


def gate_account_detail(state: FakeKeyState) -> dict[str, Any]:
    """The body of ``GET /api/v4/account/detail`` for *state*; Gate reports no permissions."""
    return {
        "user_id": 1667201533,
        "ip_whitelist": list(state.allowed_ips),
        "currency_pairs": [],
        "key": {"mode": 1},
        "tier": 0,
        "copy_trading_role": 0,
    }


def gate_routes(state: FakeKeyState) -> Routes:
    """Routes of a fake Gate APIv4 (the account-detail endpoint)."""

    def route(request: Request) -> Reply:
        headers = request.headers
        if headers.get("key") != state.api_key:
            return _gate_error("INVALID_KEY", "Invalid API Key")
        if not state.allows(request.client_ip):
            return _gate_error("IP_FORBIDDEN", f"Request IP not in whitelist: {request.client_ip}")
        payload = "\n".join(
            (
                request.method,
                request.path,
                _raw_query(request),
                hashlib.sha512(request.body).hexdigest(),
                headers.get("timestamp", ""),
            )
        )
        expected = hmac.new(state.secret.encode(), payload.encode(), hashlib.sha512).hexdigest()
        if not hmac.compare_digest(expected, headers.get("sign", "")):
            return _gate_error("INVALID_SIGNATURE", "Invalid signature")
        return Reply.json(gate_account_detail(state))

    return {("GET", "/api/v4/account/detail"): route}


# -- clients -------------------------------------------------------------------

_ROUTES = {
    "binance": binance_routes,
    "bybit": bybit_routes,
    "okx": okx_routes,
    "kucoin": kucoin_routes,
    "bitget": bitget_routes,
    "gate": gate_routes,
}


def routes_for(exchange_id: str, state: FakeKeyState) -> Routes:
    """The fake's routes for a ccxt id of a family `_ROUTES` knows."""
    for family in families_of_id(exchange_id):
        if family in _ROUTES:
            return _ROUTES[family](state)
    raise ValueError(f"no fake for {exchange_id!r}; fakes exist for {', '.join(_ROUTES)}")


@attrs.define
class FakeExchange:
    """
    A started fake exchange and a factory of real ccxt clients aimed at it.

    Attributes:
        exchange_id: The ccxt id the fake plays.
        state: The key's state; edit it to change what the exchange enforces.
        server: The loopback server (``server.requests`` records every request).
    """

    exchange_id: str
    state: FakeKeyState
    server: FakeServer
    _clients: list[Any] = attrs.field(factory=list, repr=False)
    _sessions: list[Any] = attrs.field(factory=list, repr=False)

    @property
    def url(self) -> str:
        """The fake's base URL."""
        return self.server.url

    def client(self, module: Any = None, *, source: str | None = None, **config: Any) -> Any:
        """
        A real ccxt client (``ccxt``, ``ccxt.async_support`` or ``ccxt.pro``) aimed at the fake.

        It carries the state's credentials unless *config* overrides them.
        *source* binds its connections to that loopback address; for async
        clients, call this inside the event loop.
        """
        if module is None:
            import ccxt

            module = ccxt
        settings = {
            "apiKey": self.state.api_key,
            "secret": self.state.secret,
            "password": self.state.password,
            "enableRateLimit": False,
            **config,
        }
        asynchronous = module.__name__ != "ccxt"
        if source is not None and asynchronous:
            settings["session"] = self._async_session(source)
        client = point_at(getattr(module, self.exchange_id)(settings), self.server.url)
        if source is not None and not asynchronous:
            bind_source(client, source)
        self._clients.append(client)
        return client

    def _async_session(self, source: str) -> Any:
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))
        self._sessions.append(session)
        return session

    async def aclose(self) -> None:
        """Close the async clients (and sessions) this fake made."""
        for client in self._clients:
            close = getattr(client, "close", None)
            if close is not None and _is_async(client):
                await close()
        for session in self._sessions:
            await session.close()
        self._clients.clear()
        self._sessions.clear()


def _is_async(client: Any) -> bool:
    import asyncio

    return asyncio.iscoroutinefunction(type(client).fetch)


def bind_source(client: Any, address: str) -> Any:
    """Make a sync ccxt client's connections leave from *address* (e.g. ``127.0.0.2``)."""
    from ._family import source_adapter

    adapter = source_adapter(address)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client


@contextmanager
def fake_exchange(
    exchange_id: str = "binance",
    state: FakeKeyState | None = None,
    *,
    host: str = "127.0.0.1",
) -> Iterator[FakeExchange]:
    """
    Start a fake *exchange_id* on loopback.

    Any ccxt id of the Binance, Bybit, OKX, KuCoin, Bitget or Gate family.

    Raises:
        ValueError: There is no fake for *exchange_id*, or *host* is not loopback.
    """
    state = FakeKeyState() if state is None else state
    with FakeServer(host, routes=routes_for(exchange_id, state)) as server:
        yield FakeExchange(exchange_id, state, server)


@asynccontextmanager
async def afake_exchange(
    exchange_id: str = "binance",
    state: FakeKeyState | None = None,
    *,
    host: str = "127.0.0.1",
) -> AsyncIterator[FakeExchange]:
    """Async form of `fake_exchange`: closes the async clients it made on exit."""
    with fake_exchange(exchange_id, state, host=host) as fake:
        try:
            yield fake
        finally:
            await fake.aclose()
