"""
pybit: ``pybit.unified_trading.HTTP`` (Bybit's official connector, v5 API).

Every REST call goes through ``_submit_request`` (``_submit_file_request`` for
uploads) in ``pybit/_http_manager.py``:

* an answer other than HTTP 200 raises ``FailedRequestError`` with only
  "HTTP status code is not 200." (or, for 403, "You have breached the IP rate
  limit or your IP is from the USA."): the body is dropped, so a response
  hook on the client's own ``requests`` session (``client.client``) keeps it;
* a 200 answer with a non-zero ``retCode`` raises ``InvalidRequestError``
  with the code in ``status_code`` and ``retMsg`` in ``message`` (Bybit's
  10010 "Unmatched IP" comes this way);
* unless the code is in ``ignore_codes``: then the error is *returned* as
  data, and only ``wrap(raise_returned=True)`` raises it.

The client's dataclass ``repr`` prints ``api_secret``: credentials are taken
from its fields and redacted by value wherever they could appear.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any, cast

from ..._core.redact import redact
from ..introspect import credentials_of
from . import transport
from .base import (
    Adapter,
    ClientView,
    Returned,
    own,
    proxy_in,
    recorded_response,
    response_of,
    settings_of,
    text_of,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..._core import classify

__all__ = ["ADAPTER", "Pybit"]

# pybit's request text: f"{method} {path}: {params}".
_REQUEST = re.compile(r"^([A-Z]+) (\S+): ")


def _names(exc: BaseException) -> set[str]:
    return {k.__name__ for k in type(exc).__mro__ if k.__module__ == "pybit.exceptions"}


class Pybit(Adapter):
    """The pybit adapter."""

    name = "pybit"
    prefixes = ("pybit",)
    exchanges = ("bybit",)
    methods = ("_submit_request", "_submit_file_request")
    returning = ("_submit_request",)
    signing = ("_submit_request",)

    def signed(
        self, client: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """``_submit_request(method, path, query, auth)``: *auth* says."""
        return bool(kwargs.get("auth", args[3] if len(args) > 3 else False))  # noqa: PLR2004

    def view(self, client: Any) -> ClientView:
        """``api_key`` and ``api_secret`` (an RSA key's PEM text too); the session's proxy."""
        return ClientView(
            id="bybit",
            apiKey=text_of(getattr(client, "api_key", None)),
            secret=text_of(getattr(client, "api_secret", None)),
            httpsProxy=proxy_in(getattr(getattr(client, "client", None), "proxies", None)),
            session=getattr(client, "client", None),
        )

    def entries(self, cls: type) -> dict[str, Any]:
        """The guarded methods, and a ``__repr__`` without the credentials pybit's prints."""
        namespace = super().entries(cls)
        shown = cast("Callable[[Any], str]", own(cls, "__repr__"))
        view = self.view

        def __repr__(client: Any) -> str:  # noqa: N807 - the dunder of the guarded class
            # The class is guarded for every client: only wrapped ones change.
            text = shown(client)
            if settings_of(client) is None:
                return text
            return redact(text, credentials_of(view(client)))

        namespace["__repr__"] = __repr__
        return namespace

    def attach(self, client: Any) -> None:
        """Keep non-200 bodies, which pybit drops."""
        transport.attach_requests(getattr(client, "client", None))

    def detach(self, client: Any) -> None:
        """Remove the response hook."""
        transport.detach(getattr(client, "client", None))

    def response(self, client: Any, exc: BaseException, method: str) -> classify.Response | None:
        """``InvalidRequestError``: code and message; ``FailedRequestError``: the recorded body."""
        names = _names(exc)
        request = getattr(exc, "request", None)
        found = _REQUEST.match(request) if isinstance(request, str) else None
        url, verb = (found.group(2), found.group(1)) if found else (None, None)
        headers = getattr(exc, "resp_headers", None)
        if "InvalidRequestError" in names:
            # Raised for a 200 answer whose retCode is not 0.
            body = json.dumps({"retCode": exc.status_code, "retMsg": exc.message})  # type: ignore[attr-defined]
            return response_of(
                "bybit", status=200, body=body, url=url, method=verb, headers=headers
            )
        if "FailedRequestError" not in names:
            return None
        status = getattr(exc, "status_code", None)
        recorded = transport.take(client.client, status) if client is not None and headers else None
        if recorded is None:
            # No answer was recorded (a local failure, or `diagnosing` without
            # the client): the status alone, no body.
            return response_of("bybit", status=status, url=url, method=verb, headers=headers)
        return recorded_response("bybit", recorded)

    def result(self, client: Any, result: Any) -> Returned | None:
        """A code of ``ignore_codes``, returned; else pybit raises ``InvalidRequestError``."""
        payload = result[0] if isinstance(result, tuple) and result else result
        if not isinstance(payload, dict) or not (payload.get("retCode") or payload.get("ret_code")):
            return None
        sdk = getattr(sys.modules.get("pybit.exceptions"), "InvalidRequestError", None)
        code = payload.get("retCode") or payload.get("ret_code")
        message = payload.get("retMsg") or payload.get("ret_msg")
        return Returned(
            response=response_of("bybit", status=200, body=json.dumps(payload)),
            sdk=sdk if isinstance(sdk, type) else None,
            # InvalidRequestError's attributes: the code is in status_code.
            attributes={"status_code": code, "message": message, "request": None, "time": None},
        )


ADAPTER = Pybit()
