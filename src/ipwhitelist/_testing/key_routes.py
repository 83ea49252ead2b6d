"""
Fake KuCoin, Bitget and Gate: their signed key-information endpoint only.

Each ``*_routes(state)`` returns a one-route table for a `FakeServer`. The
route checks, like the exchange, the API key, the client's real TCP source
address against ``state.allowed_ips``, and the signature ccxt computed (then,
on KuCoin and Bitget, the passphrase), and answers with the exchange's own
error body at the first failure. Timestamps are not checked.

What each fake answers (everything else is a 404):

* KuCoin (``kucoin``, ``kucoinfutures``): signed ``GET /api/v1/user/api-key``
  only. Like KuCoin, it masks the whitelist: plain IPv4 addresses read
  ``127.**.1``; other entries (networks, IPv6) are shown as they are, since
  how KuCoin masks those is not documented.
* Bitget: signed ``GET /api/v2/spot/account/info`` only (``ips`` joined with
  commas: the fake's choice, Bitget's page shows a single address).
* Gate: signed ``GET /api/v4/account/detail`` only.

Error bodies, as the exchanges document them (codes and messages from the
linked pages; where a page gives no HTTP status, the fake's choice is marked):

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
from typing import TYPE_CHECKING, Any

from .fake import Reply
from .keys import hmac_sha256, ms_of, now_ms, raw_query

if TYPE_CHECKING:
    from .fake import Request
    from .keys import FakeKeyState, Routes

__all__ = [
    "bitget_account_info",
    "bitget_routes",
    "gate_account_detail",
    "gate_routes",
    "kucoin_key_info",
    "kucoin_routes",
]

# -- KuCoin --------------------------------------------------------------------


def _kucoin_error(status: int, code: str, msg: str) -> Reply:
    return Reply.json({"code": code, "msg": msg}, status)


def _b64_hmac(secret: str, payload: str) -> str:
    return base64.b64encode(hmac_sha256(secret, payload)).decode()


def _prehash(request: Request, timestamp: str) -> str:
    """Join timestamp, method, path (with ?query) and body, as KuCoin and Bitget sign them."""
    query = raw_query(request)
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
        "createdAt": ms_of(state.created_at),
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
    return Reply.json({"code": code, "msg": msg, "requestTime": now_ms(), "data": data}, status)


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
        "regisTime": str(ms_of(state.created_at)),
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
                raw_query(request),
                hashlib.sha512(request.body).hexdigest(),
                headers.get("timestamp", ""),
            )
        )
        expected = hmac.new(state.secret.encode(), payload.encode(), hashlib.sha512).hexdigest()
        if not hmac.compare_digest(expected, headers.get("sign", "")):
            return _gate_error("INVALID_SIGNATURE", "Invalid signature")
        return Reply.json(gate_account_detail(state))

    return {("GET", "/api/v4/account/detail"): route}
