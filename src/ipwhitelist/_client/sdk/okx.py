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
Either way the rejection is diagnosed and reported to the hooks. An httpx
response hook keeps the HTTP status and headers the SDK does not return.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from . import transport
from .base import Adapter, ClientView, Returned, recorded_response, response_of, text_of

if TYPE_CHECKING:
    from ..._core import classify

__all__ = ["ADAPTER", "Okx"]

_OK = frozenset({"0", 0, None, ""})


def _proxy(client: Any) -> str | None:
    """The proxy an httpx client was built with (``proxy=``), without credentials."""
    for mounted in getattr(client, "_mounts", {}).values():
        url = getattr(getattr(mounted, "_pool", None), "_proxy_url", None)
        if url is not None:
            scheme, host = url.scheme.decode(), url.host.decode()
            return f"{scheme}://{host}:{url.port}" if url.port else f"{scheme}://{host}"
    return None


class Okx(Adapter):
    """The python-okx adapter."""

    name = "python-okx"
    prefixes = ("okx",)
    exchanges = ("okx",)
    methods = ("_request",)
    returning = ("_request",)

    def view(self, client: Any) -> ClientView:
        """``API_KEY``, ``API_SECRET_KEY``, ``PASSPHRASE``; the httpx client's proxy."""
        return ClientView(
            id="okx",
            apiKey=text_of(getattr(client, "API_KEY", None)),
            secret=text_of(getattr(client, "API_SECRET_KEY", None)),
            password=text_of(getattr(client, "PASSPHRASE", None)),
            httpsProxy=_proxy(client),
            session=client,  # python-okx's clients are httpx clients
        )

    def attach(self, client: Any) -> None:
        """Keep each response's status and headers."""
        transport.attach_httpx(client)

    def detach(self, client: Any) -> None:
        """Remove the response hook."""
        transport.detach(client)

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """A body that is not JSON (a block page): the recorded response."""
        if not isinstance(exc, ValueError) or client is None:
            return None
        recorded = transport.take(client)
        if recorded is None:
            return None
        return recorded_response("okx", recorded)

    def result(self, client: Any, result: Any) -> Returned | None:
        """An error dict: top-level ``code`` not "0", or an item's ``sCode``."""
        if not isinstance(result, dict):
            return None
        if result.get("code") in _OK:
            data = result.get("data")
            first = data[0] if isinstance(data, list) and data else None
            if not isinstance(first, dict) or first.get("sCode") in _OK:
                return None
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
