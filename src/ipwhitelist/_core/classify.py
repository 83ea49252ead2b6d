"""
Pure classification: exchange response (or ccxt exception) -> `Match` or ``None``.

No I/O here. The wrapper feeds it the structured response that ccxt's
``handle_errors`` sees; code that only has the exception (decorators,
websockets) feeds it the exception text, from which the body, the HTTP status
and the exchange id are recovered.
"""

from __future__ import annotations

import json
import re
import string
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import attrs

from .address import parse_ip
from .bans import find_banned_until, retry_after_seconds
from .lineage import lineage_of_id
from .redact import without_query
from .rules import REGISTRY, Rule

if TYPE_CHECKING:
    from datetime import datetime

    from .diagnosis import IPAddress

__all__ = [
    "MAX_SCAN",
    "MEMO_BODY",
    "MEMO_MAX",
    "Match",
    "Response",
    "clear_memos",
    "find_ip",
    "match",
    "parse_body",
    "response_from_exception",
    "response_from_http",
]

# Nested error objects are unpacked at most this deep.
_MAX_DEPTH = 2

# Bodies and messages are scanned only up to this size: an exchange error is a
# few hundred bytes, and a multi-megabyte HTML page must not cost seconds.
MAX_SCAN = 16_384

# Envelopes: Binance/OKX/KuCoin/Bitget/MEXC code+msg, Bybit retCode+retMsg (v5)
# and ret_code+ret_msg (legacy), HTX err-code+err-msg (spot) and err_code+err_msg
# (derivatives), Gate label+message, Bitvavo errorCode+error, Deribit JSON-RPC
# error{code,message}, Kraken error[...], XT mc (no message), Bitstamp
# code+reason, Gemini reason+message. A key listed in both tuples is a code
# only when no earlier code key is present (Gemini's reason) and a message only
# when no earlier message key is (Bitstamp's reason).
_CODE_KEYS = (
    "code",
    "retCode",
    "ret_code",
    "error_code",
    "errorCode",
    "err_code",
    "err-code",
    "label",
    "mc",
    "reason",
)
_MESSAGE_KEYS = (
    "msg",
    "retMsg",
    "ret_msg",
    "message",
    "error_message",
    "errorMessage",
    "err_msg",
    "err-msg",
    "error",
    "reason",
)

# Address tokens: maximal runs of ASCII letters, digits and the characters an
# address, a CIDR, a scope id or a URL is made of. Only a whole token (less
# sentence dots, one trailing colon, a leading "word:" label) is an address, so
# "999.1.1.1" is never 99.1.1.1 and "http://203.0.113.9/" is no address at all.
# One linear scan; each token costs a few bounded parse attempts.
_TOKEN = re.compile(r"[\w.:%/-]+", re.ASCII)
_LABEL = re.compile(r"[\w-]*", re.ASCII)
_DIGIT = re.compile(r"\d")
_IPV4_SHAPE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}", re.ASCII)
_ADDRESS_CHARS = re.compile(r"[0-9A-Fa-f:.]+", re.ASCII)
# The longest address text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
_MAX_ADDRESS = 45
_MIN_COLONS = 6  # IPv6 without "::": "1:2:3:4:5:6:1.2.3.4" has the fewest
# JSON fields in which an exchange names the address it saw: Delta's
# error.context.client_ip (https://github.com/delta-exchange/python-rest-client/issues/47).
_SEEN_IP_KEYS = frozenset({"client_ip"})
# One decoder for every body: raw_decode keeps no state between calls.
_DECODER = json.JSONDecoder()
# Bitfinex v2 errors are arrays: ["error", 10100, "apikey: invalid"]
# (https://docs.bitfinex.com/docs/abbreviations-glossary#error-codes).
_ERROR_ARRAY = re.compile(r'\[\s*"error"\s*,')

# ccxt's exception texts: "<id> <body>", "<id> <status> <reason> <body>" (Binance
# 418/429), "<id> <METHOD> <url> <status> <reason> <body>" (the HTTP status map,
# Exchange.handle_http_status_code) and "<id> <METHOD> <url>" (transport errors,
# Exchange.fetch). Only <body> is the exchange's; ccxt joins an empty reason
# as is, leaving two spaces.
_WITH_URL = re.compile(
    r"^(\S+) (GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S+)(?: (\d{3})(?= |$))?(?: |$)"
)
_WITH_STATUS = re.compile(r"^(\S+) (\d{3}) ")

# A bot that lost its whitelist gets the same answer to every private call,
# many a second: what parsing and matching it found is remembered. Only
# answers up to this length, and never a ban (its end depends on the time) nor
# an answer with a Retry-After (idem). Each memo holds at most `MEMO_MAX`
# entries and is emptied when full: a bounded cost, whatever the exchanges send.
MEMO_BODY = 2048
MEMO_MAX = 128
#: body -> (code, message): what `parse_body` found.
_bodies: dict[str, tuple[str | None, str]] = {}
#: (exchange, lineage, HTTP status, body, URL less its query, method) -> the `Response`.
_responses: dict[tuple[object, ...], Response] = {}
#: `Response` -> (the rules' generation, the `Match` or None): what `match` found.
_matches: dict[Response, tuple[int, Match | None]] = {}


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[key] = value


def clear_memos() -> None:
    """Forget every remembered classification (tests; nothing else needs to)."""
    _bodies.clear()
    _responses.clear()
    _matches.clear()


# The hash is cached: a response is looked up in `_matches` at every rejection.
@attrs.frozen(kw_only=True, cache_hash=True)
class Response:
    """What is known about the failed response."""

    exchange: str
    lineage: tuple[str, ...]
    http_status: int | None = None
    code: str | None = None
    message: str = ""
    body: str = ""
    url: str | None = None
    method: str | None = None
    retry_after: float | None = None


@attrs.frozen(kw_only=True)
class Match:
    """A response that a rule identifies as an IP rejection."""

    rule: Rule
    response: Response
    reported_ip: IPAddress | None
    banned_until: datetime | None


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return value
    return None


def parse_body(body: str | None) -> tuple[str | None, str]:
    """
    Extract (error code, message) from an exchange's JSON error body.

    Knows the envelopes listed at ``_CODE_KEYS`` (with OKX's per-item
    ``sCode``/``sMsg`` in ``data`` and nested ``error`` objects) and
    Bitfinex's error arrays. Returns ``(None, "")`` when the body holds no
    JSON error object.
    """
    if not body:
        return None, ""
    if type(body) is str and len(body) <= MEMO_BODY:
        found = _bodies.get(body)
        if found is None:
            found = _parse_body(body)
            _remember(_bodies, body, found)
        return found
    return _parse_body(body)


def _parse_body(body: str) -> tuple[str | None, str]:
    text = body[:MAX_SCAN].strip()
    start = text.find("{")
    array = _ERROR_ARRAY.search(text)
    if array is not None and (start < 0 or array.start() < start):
        # Bitfinex v2: ["error", <code>, "<message>"].
        found = _decode(text, array.start())
        if isinstance(found, list) and len(found) >= 3:  # noqa: PLR2004
            return _scalar(found[1]), _text(found[2])
        return None, ""
    return _parse_object(_decode(text, start)) if start >= 0 else (None, "")


def _decode(text: str, start: int) -> Any:
    """The JSON value at *start* (trailing text ignored), or None."""
    try:
        found, _ = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the stack
        return None
    return found


def _scalar(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _text(value: Any) -> str:
    """A message as text; Kraken's list of error strings is joined."""
    if value is None:
        return ""
    if isinstance(value, list):
        # Kraken: ["EAPI:Invalid key"]; older WhiteBIT: [["<message>"]]. One
        # level of nesting is flattened; anything deeper is not a message.
        flat = [w for v in value for w in (v if isinstance(v, list) else (v,))]
        return "; ".join(str(v) for v in flat if isinstance(v, str | int | float))
    return str(value)


def _parse_object(obj: Any, depth: int = 0) -> tuple[str | None, str]:
    if not isinstance(obj, dict):
        return None, ""
    code = _first(obj, _CODE_KEYS)
    if code is None and depth > 0:
        # Upbit nests error objects with a "name" (no_authorization_ip) and a
        # "message"; "name" is a code only inside an error object.
        code = obj.get("name")
    message = _first(obj, _MESSAGE_KEYS)
    if isinstance(message, dict) and depth < _MAX_DEPTH:
        inner_code, inner_message = _parse_object(message, depth + 1)
        code = code if code is not None else inner_code
        message = inner_message
    # OKX batch/order endpoints: top-level code "1"/"2", the reason is per item.
    data = obj.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        s_code = data[0].get("sCode")
        if s_code not in (None, "", "0", 0):
            code, message = s_code, data[0].get("sMsg") or message
    # Binance's {"success": false, "msg": "<json>"} nests a second error object.
    if isinstance(message, str) and message.startswith("{") and depth < _MAX_DEPTH:
        try:
            nested = json.loads(message)
        except (ValueError, RecursionError):
            nested = None
        if isinstance(nested, dict):
            return _parse_object(nested, depth + 1)
    return _scalar(code), _text(message)


def _address(text: str) -> IPAddress | None:
    # Cheap shape checks first: most tokens are words or numbers, and a failed
    # parse raises. IPv6 text has "::" or at least six colons (the last group
    # may be an IPv4 address); IPv4 text is four dotted numbers.
    if len(text) > _MAX_ADDRESS or not _ADDRESS_CHARS.fullmatch(text):
        return None
    if ":" in text:
        if "::" not in text and text.count(":") < _MIN_COLONS:
            return None
    elif not _IPV4_SHAPE.fullmatch(text):
        return None
    try:
        return parse_ip(text)
    except ValueError:
        return None


def _read_token(token: str) -> IPAddress | None:
    """The address *token* is, taken whole, or None."""
    base = token.rstrip(".")  # "Your IP 203.0.113.7."
    for form in (base, base[:-1]) if base.endswith(":") else (base,):
        ip = _address(form)
        if ip is not None:
            return ip
        # "is:203.0.113.7", "]:203.0.113.7", "is:2001:db8::7": a label, then
        # the address. A label ending in a hex digit could be the address's
        # own first group ("x2001:db8::1" is not "x2001" and db8::1): then
        # only an IPv4 address or one starting with "::" may follow it.
        head, colon, rest = form.partition(":")
        if (
            colon
            and _LABEL.fullmatch(head)
            and (
                not head
                or head[-1] not in string.hexdigits
                or _IPV4_SHAPE.fullmatch(rest)
                or rest.startswith("::")
            )
        ):
            ip = _address(rest)
            if ip is not None:
                return ip
    return None


def find_ip(text: str) -> IPAddress | None:
    """
    Return the first address in *text* that is a whole token, or None.

    A token is a run of ASCII letters, digits and ``.:%/-_``; punctuation,
    spaces and other scripts delimit it. A token is an address when, less its
    trailing dots, one trailing colon and a leading ``word:`` label, it is
    exactly one address (`parse_ip`: no scope id; IPv4-mapped IPv6 becomes
    IPv4). So ``999.1.1.1``, ``x1.2.3.4``, ``1.2.3.4:443``, ``10.0.0.0/8`` and a
    URL's host name no address.
    """
    text = text[:MAX_SCAN]
    # The test below, on the whole text: most messages ("Invalid API-key, IP, or
    # permissions for action.") hold no token worth splitting out.
    if text.count(":") < 2 and _DIGIT.search(text) is None:  # noqa: PLR2004
        return None
    for found in _TOKEN.finditer(text):
        token = found.group(0)
        # Words and numbers are most tokens: an address has a dot or a colon,
        # and a digit or (IPv6) two colons.
        if "." not in token and ":" not in token:
            continue
        if token.count(":") < 2 and not any(c.isdigit() for c in token):  # noqa: PLR2004
            continue
        ip = _read_token(token)
        if ip is not None:
            return ip
    return None


def _reported_ip(code: str | None, message: str, body: str) -> IPAddress | None:
    """
    The address the exchange says it saw, read from its own words only.

    Its message first; then, in a JSON error, the fields that name the
    client's address (`_SEEN_IP_KEYS`), never its other fields (they echo
    the request or carry ids). A body that is no JSON error (an exchange's or
    CDN's HTML or text page) is read whole when it is all there is.
    """
    ip = find_ip(message)
    if ip is not None:
        return ip
    text = body.lstrip()
    if text.startswith(("{", "[")):
        # A body that names none of the keys (nor escapes one) has none: not decoded again.
        if "\\" not in text and not any(key in text for key in _SEEN_IP_KEYS):
            return None
        return find_ip(" ".join(_seen_ip_fields(_decode(text, 0))))
    if not message and code is None:
        return find_ip(body)
    return None


def _seen_ip_fields(value: Any, depth: int = 0) -> list[str]:
    """The text values of `_SEEN_IP_KEYS` fields anywhere in a decoded JSON error (bounded)."""
    if depth > _MAX_DEPTH + 1:
        return []
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in _SEEN_IP_KEYS and isinstance(inner, str):
                found.append(inner)
            elif isinstance(inner, dict | list):
                found.extend(_seen_ip_fields(inner, depth + 1))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_seen_ip_fields(inner, depth + 1))
    return found


def match(response: Response) -> Match | None:
    """Return the first rule (user rules, then the most specific) matching *response*."""
    generation = REGISTRY.generation
    memoised = (
        response.retry_after is None
        and len(response.body) <= MEMO_BODY
        and len(response.message) <= MEMO_BODY
    )
    if memoised:
        try:
            found = _matches.get(response)
        except TypeError:  # a field of a type no hash is defined for
            memoised = False
        else:
            if found is not None and found[0] == generation:
                return found[1]
    result = _match(response)
    if memoised and (result is None or result.rule.kind != "ip_banned"):
        # A ban's end (`banned_until`) is read against the clock: never remembered.
        _remember(_matches, response, (generation, result))
    return result


def _match(response: Response) -> Match | None:
    message = response.message[:MAX_SCAN]
    body = response.body[:MAX_SCAN]
    for rule in REGISTRY.for_lineage(response.lineage):
        if rule.matches(response.code, response.http_status, message, body):
            text = message or body
            return Match(
                rule=rule,
                response=response,
                reported_ip=_reported_ip(response.code, message, body),
                banned_until=find_banned_until(text, response.retry_after)
                if rule.kind == "ip_banned"
                else None,
            )
    return None


def response_from_http(
    exchange: str,
    lineage: tuple[str, ...],
    *,
    http_status: int | None,
    body: str | None,
    url: str | None = None,
    method: str | None = None,
    headers: Any = None,
) -> Response:
    """
    Build a `Response` from what ccxt's ``handle_errors`` receives.

    The URL is kept without its query string (it holds the request's
    signature and timestamp; the diagnosis shows none of it).
    """
    retry_after = retry_after_seconds(headers) if headers else None
    if url:
        url = without_query(url)
    key: tuple[object, ...] | None = None
    if retry_after is None and type(body) is str and len(body) <= MEMO_BODY:
        # The status's type too: True == 1, and a diagnosis shows what it was given.
        key = (type(http_status), http_status, exchange, lineage, body, url, method)
        try:
            found = _responses.get(key)
        except TypeError:  # an unhashable lineage
            key = None
        else:
            if found is not None:
                return found
    code, message = parse_body(body)
    response = Response(
        exchange=exchange,
        lineage=lineage,
        http_status=http_status,
        code=code,
        message=message,
        body=(body or "")[:MAX_SCAN],
        url=url,
        method=method,
        retry_after=retry_after,
    )
    # Only plain values are remembered: a str subclass's == may say anything.
    if key is not None and type(exchange) is str and {type(url), type(method)} <= _TEXT_TYPES:
        _remember(_responses, key, response)
    return response


_TEXT_TYPES = frozenset({str, type(None)})


def response_from_exception(
    exc: BaseException, exchange: str | None, lineage: tuple[str, ...]
) -> Response:
    """
    Recover a `Response` from a ccxt exception's text.

    ccxt prefixes its messages with the exchange id; when *exchange* is
    ``None`` that prefix names the exchange. ccxt.pro sometimes drops both the
    id and the code (a refused Bybit websocket login), so callers that hold
    the client pass its id. The message and body are the exchange's words
    only: ccxt's id, method, URL, status and reason phrase are taken apart, so
    the diagnosis never quotes them and no address is read from the URL.
    """
    text = str(exc)[:MAX_SCAN]
    http_status = url = method = None
    prefix = text.split(" ", 1)[0] if text else ""
    found = _WITH_URL.match(text)
    if found:
        method, url = found.group(2), found.group(3)
        status = found.group(4)
        http_status = int(status) if status else None
    else:
        found = _WITH_STATUS.match(text)
        if found:
            http_status = int(found.group(2))
    if exchange is None:
        exchange = prefix or "unknown"
        lineage = lineage_of_id(exchange) if prefix else ()
    if found is None:
        said = _bare_message(text, (exchange, *lineage))
    else:
        said = text[found.end() :]
        if http_status is not None:
            said = _without_reason(said, http_status)
    code, message = parse_body(said)
    if not message and code is None:
        message = said
    return Response(
        exchange=exchange,
        lineage=lineage,
        http_status=http_status,
        code=code,
        message=message,
        body=said,
        url=url,
        method=method,
    )


def _without_reason(text: str, status: int) -> str:
    """*text* ("<reason> <body>") less the HTTP reason phrase ccxt put before the body."""
    if text.startswith(" "):  # ccxt joined an empty reason phrase
        return text[1:]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return text
    head = text[: len(phrase)]
    if head.lower() == phrase.lower() and text[len(phrase) : len(phrase) + 1] in ("", " "):
        return text[len(phrase) + 1 :]
    # A reason phrase of the server's own wording: where it ends is unknown,
    # and it is the server's words too, so it stays.
    return text


# Wrappers ccxt puts around an exchange's words when no JSON body survives:
# ccxt.pro's Bybit reports a private-stream auth refusal as
# "Authentication failed: <ret_msg>" (python/ccxt/pro/bybit.py,
# handle_error_message), other refusals there as "<id> <ret_msg>".
_CCXT_PREFIXES = ("Authentication failed: ",)


def _bare_message(text: str, ids: tuple[str, ...]) -> str:
    """The exchange's own words in a ccxt exception text without a JSON body."""
    head, _, rest = text.partition(" ")
    if rest and head in ids:
        text = rest
    for prefix in _CCXT_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :] or text
    return text
