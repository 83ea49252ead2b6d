"""
python-okx: the API classes (``okx.Account.AccountAPI``, ``okx.Trade.TradeAPI``, …).

Each is an ``httpx.Client`` subclass (``okx/okxclient.py`` ``OkxClient``),
and every REST call goes through ``OkxClient._request``, which returns
``response.json()`` whatever the HTTP status: an OKX error such as 50110
"Your IP … is not included in your API key's IP whitelist" comes back as a
``{"code": "50110", "msg": …}`` dict, even from ``place_order``, and batch
endpoints report per item (``data[i].sCode``). It raises only when the body is
not JSON (an HTML block page), as ``json.JSONDecodeError``.

Raising on a returned rejection changes what the bot sees, so it is opt-in
(``wrap(raise_returned=True)``); the raised class is then also python-okx's
``OkxAPIException``, with its ``code``, ``message`` and ``status_code``.
Either way the rejection is diagnosed and reported to the hooks. The HTTP
status and headers the SDK does not return come from its own ``response``:
with the guards written into ``_request`` (`inline.inline_guard`) it is
handed over on the error path only (`Okx.keep`); otherwise an httpx response
hook keeps each response.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...errors import IPRejection
from ..inline import kept
from . import transport
from .base import (
    Adapter,
    ClientView,
    Returned,
    recorded_response,
    response_of,
    settings_of,
    text_of,
)

if TYPE_CHECKING:
    from ..._core import classify

__all__ = ["ADAPTER", "Okx"]

_OK = frozenset({"0", 0, None, ""})
# What python-okx stores for a key, secret or passphrase not given (okxclient.py).
_NO_CREDENTIAL = "-1"


def _proxy(client: Any) -> str | None:
    """
    The proxy an httpx client was built with (``proxy=``), credentials included.

    httpx moves a proxy URL's user and password into a ``Proxy-Authorization``
    header of its pool; they are put back, so the egress lookup passes the
    same proxy (and `credentials_of` redacts them by value, as for ccxt).
    """
    for mounted in getattr(client, "_mounts", {}).values():
        pool = getattr(mounted, "_pool", None)
        url = getattr(pool, "_proxy_url", None)
        if url is not None:
            scheme, host = url.scheme.decode(), url.host.decode()
            port = f":{url.port}" if url.port else ""
            return f"{scheme}://{_userinfo(getattr(pool, '_proxy_headers', None))}{host}{port}"
    return None


def _userinfo(headers: Any) -> str:
    """``user:password@`` from a ``Proxy-Authorization: Basic …`` header, or ""."""
    for name, value in headers or ():
        if bytes(name).lower() != b"proxy-authorization":
            continue
        kind, _, token = bytes(value).partition(b" ")
        if kind.lower() != b"basic":
            return ""
        try:
            user, colon, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return ""
        userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if colon else "")
        return f"{userinfo}@"
    return ""


def _given(value: Any) -> str | None:
    """A credential, or None for python-okx's stand-in "-1" (the client was built without)."""
    found = text_of(value)
    return None if found == _NO_CREDENTIAL else found


class Okx(Adapter):
    """The python-okx adapter."""

    name = "python-okx"
    prefixes = ("okx",)
    exchanges = ("okx",)
    methods = ("_request",)
    returning = ("_request",)
    signing = ("_request",)
    # The one choke point of every REST call: both guards are written into
    # it, and its local ``response`` is handed over on the error path, so no
    # response hook runs on every successful request (`attach`).
    inline = True
    response_local = "response"

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """python-okx signs every request of a client built with a key (``API_KEY`` not "-1")."""
        return _given(getattr(client, "API_KEY", None)) is not None

    def view(self, client: Any) -> ClientView:
        """``API_KEY``, ``API_SECRET_KEY``, ``PASSPHRASE`` ("-1": none given); the proxy."""
        return ClientView(
            id="okx",
            apiKey=_given(getattr(client, "API_KEY", None)),
            secret=_given(getattr(client, "API_SECRET_KEY", None)),
            password=_given(getattr(client, "PASSPHRASE", None)),
            httpsProxy=_proxy(client),
            session=client,  # python-okx's clients are httpx clients
        )

    def keep(self, client: Any, response: Any, error: BaseException | None) -> None:
        """
        Keep python-okx's response of a failed call of a wrapped client.

        Not for a client that is not wrapped (nothing would take it, and it
        holds the request's signed headers), nor for a rejection passing back
        through the handler (it was taken already). None (no response yet)
        is kept too: it replaces an earlier call's.
        """
        if settings_of(client) is not None and not isinstance(error, IPRejection):
            transport.keep(client, response)

    def forget(self, client: Any) -> None:
        """Drop a kept response (its request holds the signed headers)."""
        transport.take(client)

    def attach(self, client: Any) -> None:
        """
        Keep each response's status and headers: a response hook on the client.

        Not when python-okx's ``_request`` has the guards written in: it hands
        its response over itself, on the error path only (`keep`).
        """
        if kept(getattr(type(client), "_request", None)) is None:
            transport.attach_httpx(client)

    def detach(self, client: Any) -> None:
        """Remove the response hook."""
        transport.detach(client)

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """A body that is not JSON (a block page): the recorded response."""
        if client is None:
            return None
        # Taken whatever the error: no response of this call is left for a later one.
        recorded = transport.take(client)
        if not isinstance(exc, ValueError) or recorded is None:
            return None
        return recorded_response("okx", recorded)

    def result(self, client: Any, result: Any) -> Returned | None:
        """An error dict: top-level ``code`` not "0", or an item's ``sCode``."""
        if not isinstance(result, dict):
            return None
        # Spelled out, no helper: this runs on every successful request. An
        # unhashable code (a list, a dict) is no success code (TypeError).
        try:
            if result.get("code") in _OK:
                data = result.get("data")
                first = data[0] if isinstance(data, list) and data else None
                if not isinstance(first, dict) or first.get("sCode") in _OK:
                    return None
        except TypeError:
            pass
        recorded = transport.take(client)
        sdk = getattr(sys.modules.get("okx.exceptions"), "OkxAPIException", None)
        response = response_of(
            "okx",
            status=recorded.status if recorded else None,
            body=json.dumps(result),
            url=recorded.url if recorded else None,
            method=recorded.method if recorded else None,
            headers=recorded.headers if recorded else None,
        )
        return Returned(
            response=response,
            sdk=sdk if isinstance(sdk, type) else None,
            # OkxAPIException's attributes.
            attributes={
                "code": response.code,
                "message": response.message,
                "status_code": response.http_status,
            },
        )


ADAPTER = Okx()
