"""
binance-connector: ``binance.spot.Spot`` and the clients sharing ``binance.api.API``.

Every REST call ends in ``API.send_request`` (``binance/api.py``), which raises
``ClientError(status_code, error_code, error_message, header, error_data)``
for a 4xx answer (``error_code`` None and the raw text as message when the
body is not JSON) and ``ServerError(status_code, text)`` for a 5xx. The
futures connector (``binance.um_futures``, ``binance.cm_futures``) is built
the same way on its own ``binance.api``. A response hook on the client's
``session`` adds the request's URL and method.

binance-connector is deprecated by Binance in favour of the modular SDKs; it
installs a top-level ``binance`` package, as python-binance does, so the two
are told apart by module path.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import transport
from .base import Adapter, ClientView, binance_id, proxy_in, recorded_response, response_of, text_of

if TYPE_CHECKING:
    from ..._core import classify

__all__ = ["ADAPTER", "Connector"]


class Connector(Adapter):
    """The binance-connector adapter."""

    name = "binance-connector"
    prefixes = ("binance.api", "binance.spot", "binance.um_futures", "binance.cm_futures")
    exchanges = ("binance", "binanceus", "binanceusdm", "binancecoinm")
    methods = ("send_request",)
    inline = True
    signing = methods

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """Whether the request was signed (the session sends the key header on public ones too)."""
        return transport.signed_success(getattr(client, "session", None))

    def view(self, client: Any) -> ClientView:
        """Key, secret, private key (and its password), and ``proxies``."""
        return ClientView(
            id="binance",
            apiKey=text_of(getattr(client, "api_key", None)),
            secret=text_of(getattr(client, "api_secret", None)),
            privateKey=text_of(getattr(client, "private_key", None)),
            password=text_of(getattr(client, "private_key_pass", None)),
            httpsProxy=proxy_in(getattr(client, "proxies", None)),
            session=getattr(client, "session", None),
        )

    def attach(self, client: Any) -> None:
        """Record failed responses' URL and method."""
        transport.attach_requests(getattr(client, "session", None), signing=True)

    def detach(self, client: Any) -> None:
        """Remove the response hook."""
        transport.detach(getattr(client, "session", None))

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """``ClientError`` / ``ServerError``: status, code, message and headers are all kept."""
        names = {k.__name__ for k in type(exc).__mro__ if k.__module__ == "binance.error"}
        if not names & {"ClientError", "ServerError"}:
            return None
        status = getattr(exc, "status_code", None)
        session = getattr(client, "session", None)
        recorded = transport.take(session, status) if session is not None else None
        if recorded is not None:
            return recorded_response(binance_id(recorded.url), recorded)
        code = getattr(exc, "error_code", None)
        message = getattr(exc, "error_message", None) or getattr(exc, "message", None)
        body = json.dumps({"code": code, "msg": message}) if code is not None else message
        base = getattr(client, "base_url", None)
        return response_of(
            binance_id(base), status=status, body=body, headers=getattr(exc, "header", None)
        )


ADAPTER = Connector()
