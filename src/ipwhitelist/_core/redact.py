"""
Make untrusted text safe to show: credentials out, control characters escaped.

Redaction (`redact`) has two passes, each replacing what it finds with ``***``.
First the exact values of the credentials known (the client's own, a proxy's
password) in every encoded form a signed request or an encoder gives them:
percent-encoded (either case, ``+`` for space), JSON-escaped, base64. Then
patterns, values unknown: credential fields (their names follow the exchanges'
own ``sign()`` code), signature-shaped tokens (HMAC-SHA256/384/512 in hex,
SHA-256/512 in base64), bearer tokens, private keys, and the userinfo of URLs.
Over-redacting a transaction hash is cheap; leaking a signature or a key is not.

Escaping (`escape_controls`) belongs at the edges people read: a log line, a
terminal, ``str()`` of an exception. JSON needs none: the encoder escapes.
"""

from __future__ import annotations

import base64
import contextvars
import functools
import html
import itertools
import json
import logging
import re
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = [
    "ITEM_CAP",
    "MAX_INPUT",
    "MAX_LIST",
    "REDACTED",
    "TEXT_CAP",
    "WITHHELD",
    "Needles",
    "escape_controls",
    "human_lines",
    "known_secrets",
    "needles_for",
    "redact",
    "redact_patterns",
    "redact_url",
    "remove_needles",
    "remove_values",
    "scrub",
    "scrub_fields",
    "scrub_lines",
    "scrubbed_items",
    "scrubbed_text",
    "strip_query",
    "url_secrets",
    "without_query",
]

REDACTED = "***"

logger = logging.getLogger("ipwhitelist")

#: Longest text redacted: longer input is cut first (exchange bodies are read
#: up to the same length), so a hostile answer cannot make redaction slow.
MAX_INPUT = 16_384

# Credential values shorter than this are not searched for by value: replacing
# every "a" in a message would destroy it and protects nothing.
_MIN_SECRET_LENGTH = 4
# A base64 fragment this short could occur by chance; shorter ones are skipped.
_MIN_B64_CORE = 6

# -- credential fields ---------------------------------------------------------------

# How a credential field's name ends, in the spellings of the exchanges'
# sign() code: X-MBX-APIKEY, OK-ACCESS-PASSPHRASE, KC-API-SIGN, AccessKeyId,
# client_secret, Kraken's API-Sign, Mercado's TAPI-MAC, Btcturk's X-PCK.
# tests/test_redact.py reads every sign() of the installed ccxt and checks
# that each name it fills with a credential is caught here.
_CORES = (
    r"api[-_.]?key|app[-_.]?key|access[-_.]?key(?:[-_.]?id)?|key(?:[-_.]?id)?"
    r"|private[-_.]?key|secret(?:[-_.]?key)?|passphrase|password|passwd|pass|pwd"
    r"|signature|sign|sig|mac|token|auth|authent|authentication|authorization"
    r"|credentials?|pck"
)
_SECRET_NAME = re.compile(
    # The whole name, or its last part after a separator (sign, X-BAPI-SIGN)
    # or in camelCase (publicKey, APToken, X-DeriveSignature; not monkey, MONKEY).
    rf"(?:[\w.-]*[-_.]|[\w.-]*?(?:[a-z0-9]|[A-Z](?=[A-Z][a-z]))(?=[A-Z]))?(?i:{_CORES})"
    # Names no rule above catches: BTSE's request-api, Mercado's TAPI-ID,
    # OAuth's client_id, and the base64 payload headers that carry the key.
    r"|(?i:request-api|tapi-id|client[-_]?id|[\w.-]*[-_]payload)"
)
# Where a field's value starts: name=, "name": , name: , and in an encoded
# query name%3D (a signed URL inside a proxy URL's path). The name is read
# backwards from here: separators are few, names many.
_SEPARATOR = re.compile(r"[:=]|%3[Dd]")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_HEX = frozenset("0123456789abcdefABCDEF")
# A field's value: quoted (JSON, a Python repr, JSON inside JSON), or bare up
# to a separator; a header value may start with a scheme word (BITSTAMP key).
_VALUE = re.compile(
    r"\"(?:[^\"\\\n]|\\.){0,4096}+\""
    r"|'(?:[^'\\\n]|\\.){0,4096}+'"
    r"|\\\"(?:(?!\\\").){0,4096}+\\\""
    r"|(?:[A-Z][\w-]{1,24}[ \t]++(?=[^\s&\"',;]))?\\?[\"']?(?:[^\s&\"',;%]|%(?!26))++"
)

# -- shapes that need no name ----------------------------------------------------------

_TOKEN = re.compile(
    # Hex HMAC digests (SHA-512, SHA-384, SHA-256), also right after a percent
    # escape: signature%3D<hex> in an encoded URL.
    r"(?:(?<![0-9A-Fa-f])|(?<=%[0-9A-Fa-f]{2}))"
    r"(?:[0-9A-Fa-f]{128}|[0-9A-Fa-f]{96}|[0-9A-Fa-f]{64})(?![0-9A-Fa-f])"
    # Base64 digests: SHA-512 (88 characters, Kraken) and SHA-256 (44, OKX).
    r"|(?<![A-Za-z0-9+/])(?:[A-Za-z0-9+/]{86}==|[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])"
)
# A run of the characters digests are written in, at least as long as the
# shortest: one linear scan finds the few places _TOKEN needs to look at.
_RUN = re.compile(r"(?<![A-Za-z0-9+/=%_-])[A-Za-z0-9+/=%_-]{43,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_PEM = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)
# scheme://userinfo@: up to the last @ before the path (passwords may hold @).
# Schemes are short; an unbounded one would rescan "a.a.a.a..." from every dot.
_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,31}://)[^\s/?#]*@")
# user:password@host without a scheme (requests and ccxt read a proxy so, as
# http://): a token's start, a name, a colon, then anything up to the last @.
_BARE_USERINFO = re.compile(r"(?<![\w.%~+:/@-])[\w.%~+-]+:[^\s/?#@\"']+@(?=[\w\[])")
# Where a URL's query starts, also encoded (a target URL inside a proxy URL).
_QUERY_START = re.compile(r"[?#]|%3[Ff]")

# -- control characters ------------------------------------------------------------------

# C0, DEL, C1, and the format characters that end lines or reorder text
# (U+2028/2029, bidi embeddings, overrides and isolates, zero-width marks).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """
    Return *text* with credentials replaced by ``***``.

    Args:
        text: Any text: an exchange message, a URL, a log line.
        secrets: Exact credential values to remove wherever they appear.

    Returns:
        The scrubbed text; unchanged if nothing looked like a credential.
    """
    return redact_patterns(remove_values(text, secrets))


def remove_values(text: str, secrets: Iterable[str | None]) -> str:
    """Replace the exact credential values *secrets*, in each of their encoded forms."""
    return remove_needles(text, needles_for(secrets))


class Needles(NamedTuple):
    """
    What `remove_needles` searches for: every encoded form of each credential.

    ``canonical`` holds each credential as `_canonical` reduces it, for the
    last check: text in which a credential survives in a form no needle
    spells (UTF-16, HTML entities, split by a line break...) is withheld.
    """

    forms: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()


_NO_NEEDLES = Needles()
# The encoded forms of the credentials `known_secrets` made known, for `scrub`.
_scope: contextvars.ContextVar[Needles] = contextvars.ContextVar(
    "ipwhitelist_needles", default=_NO_NEEDLES
)

#: What a text becomes when a known credential survives in it in an encoded form.
WITHHELD = f"{REDACTED} (withheld: the text holds a credential in an encoded form)"


def needles_for(secrets: Iterable[str | None]) -> Needles:
    """What `remove_needles` searches for: every encoded form of each credential."""
    return _needles(tuple(filter(None, secrets)))


def remove_needles(text: str, needles: Needles) -> str:
    """
    Replace each of *needles* (from `needles_for`), longest first.

    Then, if a credential still survives in a form no needle spells (seen
    through `_canonical`: percent, HTML and JSON escapes decoded, spacing,
    control characters and NULs dropped, case folded), the whole text is
    withheld (`WITHHELD`): a lost message is cheap, a leaked key is not.
    """
    for needle in needles.forms:
        # A replacement can splice a new occurrence together; each pass shortens
        # the text because no needle is shorter than the marker plus one.
        while needle in text:
            text = text.replace(needle, REDACTED)
    if needles.canonical and text:
        seen = _canonical(text)
        if any(secret in seen for secret in needles.canonical):
            return WITHHELD
    return text


@functools.lru_cache(maxsize=32)
def _needles(secrets: tuple[str, ...]) -> Needles:
    # Cached: the same client's credentials are searched for in every field.
    found = {form for s in secrets if len(s) >= _MIN_SECRET_LENGTH for form in _encodings(s)}
    forms = sorted((n for n in found if len(n) >= _MIN_SECRET_LENGTH), key=len, reverse=True)
    # Only credentials long enough not to occur by chance in folded text.
    canonical = {_canonical(s) for s in secrets if len(s) >= _MIN_CANONICAL_LENGTH}
    return Needles(tuple(forms), tuple(c for c in canonical if len(c) >= _MIN_CANONICAL_LENGTH))


# Credentials shorter than this are not looked for in canonical form: folded
# and stripped, a short one could match ordinary text.
_MIN_CANONICAL_LENGTH = 8
_JSON_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\[nrtbf/]")
# Everything `_canonical` drops: spacing, controls (NUL of UTF-16 read as
# bytes), zero-width and bidi marks.
_INVISIBLE = re.compile(
    "[\\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+"
)


def _unjson(match: re.Match[str]) -> str:
    if match[1] is not None:
        return chr(int(match[1], 16))
    return "/" if match[0].endswith("/") else ""


def _canonical(text: str) -> str:
    """*text* with escapes decoded (up to three layers), invisible characters dropped, folded."""
    for _ in range(3):
        decoded = html.unescape(_JSON_ESCAPE.sub(_unjson, unquote_plus(text)))
        if decoded == text:
            break
        text = decoded
    return _INVISIBLE.sub("", text).casefold()


def _encodings(secret: str) -> set[str]:
    """*secret* as signed URLs, form bodies, JSON encoders and auth headers carry it."""
    forms = {secret}
    for encoded in (
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="/"),
    ):
        forms |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), encoded)}
    as_json = json.dumps(secret)[1:-1]
    forms |= {as_json, as_json.replace("/", "\\/"), json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= set(_base64_forms(secret.encode()))
    # Hex of the bytes (a debug dump, a hex-encoded payload), either case.
    forms |= {secret.encode().hex(), secret.encode().hex().upper()}
    return forms


_URLSAFE = str.maketrans("+/", "-_")


def _base64_forms(raw: bytes) -> Iterator[str]:
    """
    The parts of any base64 text that encode *raw*, wherever *raw* sits in it.

    The bytes before *raw* shift its encoding by 0, 1 or 2 bytes; for each
    shift, only the characters made of *raw*'s bits alone are kept.
    """
    yield base64.b64encode(raw).decode()
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + raw).decode()
        total = shift + len(raw)
        # Characters 0, 2 or 3 of the first group hold a neighbour's bits; the
        # last partial group has 1 or 2 clean characters.
        start = (0, 2, 3)[shift]
        end = 4 * (total // 3) + total % 3
        core = encoded[start:end]
        if len(core) >= _MIN_B64_CORE:
            yield core
            yield core.translate(_URLSAFE)


def redact_patterns(text: str) -> str:
    """Replace credential-shaped fields and signature-shaped tokens, values unknown."""
    if not text:
        return text
    # Cheap substring tests decide which scans can match at all: most text
    # has no URL with userinfo, no key block and no auth scheme.
    if "-----BEGIN" in text:
        text = _PEM.sub(REDACTED, text)
    if "@" in text:
        if "://" in text:
            text = _USERINFO.sub(rf"\1{REDACTED}@", text)
        text = _BARE_USERINFO.sub(f"{REDACTED}@", text)
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if ":" in text or "=" in text or "%3" in text:
        text = _fields(text)
    return _RUN.sub(lambda run: _TOKEN.sub(REDACTED, run[0]), text)


def _fields(text: str) -> str:
    pieces: list[str] = []
    last = 0
    for separator in _SEPARATOR.finditer(text):
        # Names are short: the last 64 characters decide (and bound the cache).
        name = _name_before(text, separator.start())[-64:]
        if separator.start() < last or not _is_secret_name(name):
            continue
        start = separator.end()
        while start < len(text) and text[start] in " \t":
            start += 1
        value = _VALUE.match(text, start)
        if value is None:
            continue
        pieces += (text[last:start], _masked(value[0]))
        last = value.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _name_before(text: str, end: int) -> str:
    """The field name that ends at *end*: spaces, a quote and a backslash skipped."""
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    while end > 0 and text[end - 1] in "\"'\\":
        end -= 1
    start = end
    while start > 0 and text[start - 1] in _NAME_CHARS:
        start -= 1
    # name%3D after %26 or %3F: the escape's two hex digits are not the name's.
    if start > 0 and text[start - 1] == "%" and end - start > 2 and text[start] in _HEX:  # noqa: PLR2004
        start += 2
    return text[start:end]


@functools.lru_cache(maxsize=4096)
def _is_secret_name(name: str) -> bool:
    return bool(name) and name[0].isalpha() and _SECRET_NAME.fullmatch(name) is not None


def _masked(value: str) -> str:
    """The marker, inside the value's own quotes so that JSON stays JSON."""
    for quote_mark in ('\\"', '"', "'"):
        quoted = value.startswith(quote_mark) and value.endswith(quote_mark)
        if quoted and len(value) > 2 * len(quote_mark):
            return quote_mark + REDACTED + quote_mark
    return REDACTED


def redact_url(url: str) -> str:
    """
    A URL fit to show: the one way the library shows a proxy or provider URL.

    Userinfo becomes ``***`` and credential-looking query values are scrubbed;
    scheme, host, port and path are kept.
    """
    return redact(url, url_secrets(url))


def strip_query(url: str) -> str:
    """`redact_url` without the query string and fragment: signed requests carry credentials."""
    return redact_url(without_query(url))


def without_query(url: str) -> str:
    """*url* cut before its query string or fragment, or an encoded target URL's query."""
    start = _QUERY_START.search(url)
    return url if start is None else url[: start.start()]


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The password in a URL's userinfo (raw and decoded), to remove wherever it appears."""
    if not url or "@" not in url:
        return ()
    url = url.strip()
    if "://" not in url:
        url = "//" + url  # user:password@host:port, as requests reads a proxy
    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    return (password, unquote(password)) if password else ()


class known_secrets:  # noqa: N801 - used like the function it was: with known_secrets(...)
    """Within the block, `scrub` also removes these values (the mapping layer knows them)."""

    # A class, not a generator: every rejection enters one.
    __slots__ = ("_needles", "_token")

    def __init__(self, secrets: Iterable[str]) -> None:
        self._needles = needles_for(secrets)

    def __enter__(self) -> None:
        self._token = _scope.set(self._needles)

    def __exit__(self, *_: object) -> None:
        _scope.reset(self._token)


def scrub(text: str, cap: int) -> str:
    """
    The one redaction step of every text a `Diagnosis` holds, run by its converters.

    Known values (see `known_secrets`) and patterns are removed, then the text
    is cut to *cap* characters, ending with an ellipsis when cut.
    """
    try:
        needles = _scope.get()
        key = (text, needles)
        if key not in _clean:
            text = _scrubbed(key)
    except Exception:
        # A bug here must neither leak the text nor turn a rejection into a crash.
        logger.exception("ipwhitelist: redaction failed; the text is withheld")
        return REDACTED
    return text if len(text) <= cap else text[: cap - 1] + "…"


def _scrubbed(key: tuple[str, Needles]) -> str:
    text, needles = key
    scrubbed = remove_needles(text[:MAX_INPUT], needles)
    # The same lines recur in every rejection of a bot that lost its
    # whitelist: their pattern pass is cached (keyed by text from which
    # the known credentials are already gone).
    scrubbed = _common_patterns(scrubbed) if len(scrubbed) <= _CACHED else redact_patterns(scrubbed)
    if scrubbed == text and len(text) <= _CACHED:
        # Remembered only when nothing was removed: the memo never holds a
        # credential that a text carried, only texts found clean (the
        # remediation steps, the exchange's usual message) and the needles,
        # which the needle cache and the caller's scope hold anyway.
        if len(_clean) >= _CLEAN_MAX:
            _clean.clear()
        _clean[key] = None
    return scrubbed


def scrub_lines(lines: tuple[str, ...], cap: int) -> tuple[str, ...] | None:
    """
    *lines* scrubbed as `scrub` does each, when all of them are clean; else ``None``.

    The same tuple of library-made lines (a rejection's remediation steps)
    recurs in every rejection: one memo lookup stands for a dozen.
    """
    key = (lines, _scope.get())
    found = _clean_lines.get(key)
    if found is not None:
        return found
    if not all(type(line) is str and len(line) <= cap for line in lines):
        return None
    scrubbed = tuple(scrub(line, cap) for line in lines)
    if scrubbed != lines:
        return None
    if len(_clean_lines) >= _CLEAN_MAX:
        _clean_lines.clear()
    _clean_lines[key] = scrubbed
    return scrubbed


def scrub_fields(
    texts: tuple[str | None, ...], caps: tuple[int, ...], secrets: tuple[str, ...]
) -> tuple[str | None, ...]:
    """
    `scrub` of each of *texts* with its cap, *secrets* known; ``None`` stays ``None``.

    A rejection's short structured fields (exchange id, code, class name, rule
    source) are the same in every rejection of a bot that lost its whitelist:
    once found clean together, one memo lookup stands for their scrubs.
    """
    needles = needles_for(secrets)
    key = (texts, needles)
    if key in _clean_fields:
        return texts
    token = _scope.set(needles)
    try:
        scrubbed = tuple(
            None if text is None else scrub(text, cap)
            for text, cap in zip(texts, caps, strict=True)
        )
    finally:
        _scope.reset(token)
    if scrubbed == texts and all(type(text) is str or text is None for text in texts):
        # Only texts found clean, as for `_clean`: the memo holds no credential.
        if len(_clean_fields) >= _CLEAN_MAX:
            _clean_fields.clear()
        _clean_fields[key] = None
    return scrubbed


_CACHED = 1024
_CLEAN_MAX = 1024
#: Tuples of fields `scrub_fields` found clean, keyed with the needles.
_clean_fields: dict[tuple[tuple[str | None, ...], Needles], None] = {}
#: Tuples of lines `scrub_lines` found clean, keyed with the needles.
_clean_lines: dict[tuple[tuple[str, ...], Needles], tuple[str, ...]] = {}
#: (text, needles) found clean: scrubbing them again would change nothing. Each
#: rejection rebuilds a dozen such lines; a memo hit skips the needle search.
_clean: dict[tuple[str, Needles], None] = {}


@functools.lru_cache(maxsize=1024)
def _common_patterns(text: str) -> str:
    return redact_patterns(text)


#: Caps of the value objects other than `Diagnosis` (which has its own).
TEXT_CAP = 1024
ITEM_CAP = 64
MAX_LIST = 1000


def scrubbed_text(value: object) -> str:
    """A value object's text field: `scrub` with `TEXT_CAP` (attrs converter)."""
    return scrub(str(value), TEXT_CAP)


def scrubbed_items(values: Iterable[object] | None) -> tuple[str, ...] | None:
    """A value object's list of short strings (addresses, names): each scrubbed and capped."""
    if values is None:
        return None
    return tuple(scrub(str(v), ITEM_CAP) for v in itertools.islice(values, MAX_LIST))


def escape_controls(text: str) -> str:
    r"""
    Show control characters as escapes (``\n``, ``\x1b``, ``\u202e``): for text people read.

    Text from an exchange or a provider must not end a log line, drive a
    terminal (ESC, OSC, BEL) or reorder what is shown (bidi overrides).
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")  # noqa: PLR2004


def human_lines(lines: Iterable[str]) -> str:
    """Join the lines of a report, each escaped: a field's own newline cannot start a line."""
    return "\n".join(map(escape_controls, lines))
