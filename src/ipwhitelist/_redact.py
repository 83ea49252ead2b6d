"""
Scrub credentials out of text before it is stored anywhere.

Two passes: the exact values of the client's own credentials (when known), then
patterns for credential-looking fields in query strings, headers and JSON, and for
signature-shaped tokens (64-hex HMAC-SHA256, base64 HMAC digests, bearer tokens).
Over-redacting a transaction hash is cheap; leaking a signature or key is not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterable

REDACTED = "***"

# Names of credential fields across the exchanges' query strings, headers and
# bodies (Binance X-MBX-APIKEY/signature, Bybit X-BAPI-*, OKX OK-ACCESS-*, ccxt
# config keys). Matched case-insensitively as a whole name.
_SECRET_NAMES = (
    r"api[-_]?key|apikey|x-mbx-apikey|secret(?:[-_]?key)?|api[-_]?secret|passphrase|password"  # noqa: S105 - field names
    r"|pass|signature|sign|x-bapi-api-key|x-bapi-sign|ok-access-key|ok-access-sign"
    r"|ok-access-passphrase|access[-_]?token|token|private[-_]?key|authorization|auth"
    r"|x-api-key|key"
)

# name=value in query strings and form bodies.
_QUERY = re.compile(rf"(?i)(?<![\w-])({_SECRET_NAMES})=([^&\s\"',;]+)")
# "name": "value" / 'name': 'value' in JSON or Python reprs.
_JSON = re.compile(rf"(?i)([\"'])({_SECRET_NAMES})\1(\s*:\s*)([\"'])((?:(?!\4).){{1,4096}})\4")
# Header lines such as "X-MBX-APIKEY: abc".
_HEADER = re.compile(rf"(?im)(?<![\w-])({_SECRET_NAMES})(\s*:\s*)(?![\"'])(\S+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# HMAC-SHA256 hex digests (Binance, Bybit signatures) and base64 digests (OKX).
_HEX_DIGEST = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
_B64_DIGEST = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])")

# Every pattern above needs one of these to match.
_SUSPECT = re.compile(r"(?i)[=:]|\b(?:bearer|basic)\s|[0-9a-f]{64}|[A-Za-z0-9+/]{43}=")

# Credential values shorter than this are not searched for by value: replacing
# every "a" in a message would destroy it and protects nothing.
_MIN_SECRET_LENGTH = 4


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
    """Replace the exact credential values *secrets* (and their URL-encoded forms)."""
    needles = {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}
    # Signed URLs carry values percent-encoded.
    needles |= {quote(s, safe="") for s in needles}
    for secret in sorted(needles, key=len, reverse=True):
        # A replacement can splice a new occurrence together; each pass shortens
        # the text because no secret is shorter than the marker plus one.
        while secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_patterns(text: str) -> str:
    """Replace credential-shaped fields and signature-shaped tokens, values unknown."""
    # One scan decides whether the six substitutions below can match at all:
    # most exchange messages have no separator, no auth scheme and no digest.
    if not text or not _SUSPECT.search(text):
        return text
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _QUERY.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _JSON.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{m[4]}{REDACTED}{m[4]}", text)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _HEX_DIGEST.sub(REDACTED, text)
    return _B64_DIGEST.sub(REDACTED, text)


def strip_query(url: str) -> str:
    """Drop the query string and fragment of *url*: signed requests carry credentials there."""
    for sep in ("?", "#"):
        url = url.split(sep, 1)[0]
    return redact_patterns(url)


def credentials_of(exchange: object) -> tuple[str, ...]:
    """The credential values configured on a ccxt client (never stored, only searched for)."""
    values = []
    for name in ("apiKey", "secret", "password", "privateKey", "token", "twofa", "uid", "login"):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            values.append(value)
    return tuple(values)


# scheme://user:password@ (or scheme://user@) in any URL: proxies carry their
# credentials there.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")


def without_userinfo(text: str) -> str:
    """Replace the ``user:password@`` part of every URL in *text*, keeping scheme, host and port."""
    return _USERINFO.sub(rf"\1{REDACTED}@", text)
