"""
Read an SDK exception's text back into code, message and status (for `explain`).

What a bot's log holds is ``str(exc)``: each SDK formats its errors its own
way. These are the shapes, from each SDK's ``__str__`` or constructor:

===============================  ==============================================
SDK, class                       text
===============================  ==============================================
python-binance                   ``APIError(code=-2015): Invalid API-key, …``
``BinanceAPIException``          (``binance/exceptions.py``)
pybit ``InvalidRequestError``    ``Unmatched IP, … (ErrCode: 10010) (ErrTime: …)``
pybit ``FailedRequestError``     ``Http status code is not 200. (ErrCode: 401) …``
                                 (the HTTP status; pybit dropped the body)
binance-connector                ``(401, -2015, 'Invalid API-key, …', {headers})``
``ClientError``                  (``Exception.__str__`` of its args)
modular SDKs (binance-common)    ``(-2015, 'Invalid API-key, …')``
``UnauthorizedError`` etc.       (Binance's code where the status goes)
python-okx (returned dict)       ``{'code': '50110', 'msg': 'Your IP …'}``
===============================  ==============================================

A traceback's last line (``binance.exceptions.BinanceAPIException: APIError…``)
is read too: the class name before the colon is skipped.
"""

from __future__ import annotations

import ast
import json
import re

import attrs

from ..._core.classify import MAX_SCAN
from ..._core.lineage import lineage_of_id

__all__ = ["Read", "read", "shapes"]

_PYTHON_BINANCE = re.compile(r"APIError\(code=(-?\d+)\):\s*(.*)", re.DOTALL)
_PYBIT = re.compile(r"^(.*?)\s*\(ErrCode: (-?\d+)\)(?: \(ErrTime: [^)]*\))?", re.DOTALL)
# pybit's own texts for a failed HTTP request (``message.capitalize()``).
_PYBIT_FAILED = (
    "http status code is not 200.",
    "you have breached the ip rate limit or your ip is from the usa.",
    "bad request. retries exceeded maximum.",
    "conflict. could not decode json.",
)
_CONNECTOR = re.compile(r"^\(\s*(\d{3}),\s*(-?\d+|None),\s*(['\"])(.*?)\3", re.DOTALL)
_MODULAR = re.compile(r"^\(\s*(-?\d+|None),\s*(['\"])(.*?)\2\s*\)$", re.DOTALL)
# "binance.exceptions.BinanceAPIException: " at the start of a traceback line.
_CLASS_PREFIX = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception):\s+")


@attrs.frozen(kw_only=True)
class Read:
    """What an SDK's error text says."""

    sdk: str
    code: str | None = None
    message: str = ""
    http_status: int | None = None
    body: str = ""
    note: str | None = None


def read(text: str) -> Read | None:
    """Recognise one of the SDKs' error texts; None when it is none of them."""
    text = _CLASS_PREFIX.sub("", text[:MAX_SCAN].strip(), count=1)
    found = _PYTHON_BINANCE.search(text)
    if found:
        message = found.group(2).strip()
        return Read(sdk="python-binance", code=found.group(1), message=message, body=message)
    found = _CONNECTOR.match(text)
    if found:
        code = None if found.group(2) == "None" else found.group(2)
        message = _unrepr(found.group(3), found.group(4))
        status = int(found.group(1))
        return Read(
            sdk="binance-connector", code=code, message=message, http_status=status, body=message
        )
    found = _MODULAR.match(text)
    if found:
        code = None if found.group(1) == "None" else found.group(1)
        message = _unrepr(found.group(2), found.group(3))
        return Read(sdk="binance-sdk", code=code, message=message, body=message)
    found = _PYBIT.match(text)
    if found:
        message, number = found.group(1).strip(), found.group(2)
        if message.lower() in _PYBIT_FAILED:
            return Read(
                sdk="pybit",
                http_status=int(number),
                note=(
                    "pybit reports only the HTTP status of a failed request and drops the "
                    "body that says why; ipwhitelist.wrap() recovers it from pybit's session"
                ),
            )
        return Read(sdk="pybit", code=number, message=message, body=message)
    return _python_dict(text)


def _unrepr(quote: str, text: str) -> str:
    """A string as ``repr()`` printed it inside a tuple, unescaped."""
    try:
        value = ast.literal_eval(f"{quote}{text}{quote}")
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


def _python_dict(text: str) -> Read | None:
    """A dict as Python prints it (python-okx's and pybit's returned errors)."""
    if not text.startswith("{") or not text.endswith("}"):
        return None
    try:
        json.loads(text)
    except ValueError:
        pass
    else:
        # Valid JSON is the exchange's own body (Python prints a dict's string
        # keys in single quotes): no SDK's text, whatever the exchange.
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return None
    if not isinstance(value, dict):
        return None
    sdk = "pybit" if "retCode" in value or "ret_code" in value else "python-okx"
    return Read(sdk=sdk, body=json.dumps(value, default=str))


def shapes(
    exchange: str, code: str | None, http_status: int | None, message: str
) -> dict[str, str]:
    """
    How each supported SDK for *exchange* shows this error (for `doctor`), by SDK name.

    The inverse of `read`: a bot built on an SDK logs these texts, not ccxt's.
    """
    family = set(lineage_of_id(exchange))
    number = code if code is not None else "None"
    found: dict[str, str] = {}
    if "binance" in family:
        found["python-binance"] = f"BinanceAPIException: APIError(code={number}): {message}"
        if http_status is not None:
            found["binance-connector"] = f"ClientError: ({http_status}, {number}, {message!r}, …)"
        found["binance-sdk"] = f"({number}, {message!r}) from binance_common.errors"
    if "bybit" in family:
        if http_status in (None, 200):
            found["pybit"] = f"InvalidRequestError: {message} (ErrCode: {number})"
        else:
            found["pybit"] = (
                f"FailedRequestError: Http status code is not 200. (ErrCode: {http_status})"
                " (the reason is lost unless the client is wrapped)"
            )
    if "okx" in family:
        found["python-okx"] = f"returns {{'code': '{number}', 'msg': {message!r}, …}}, no exception"
    return found
