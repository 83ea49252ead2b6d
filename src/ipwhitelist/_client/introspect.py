"""
What a ccxt client's attributes say: its credentials and the proxy its requests take.

Read by name, never assumed present: any object may be handed over, and a
client whose attribute raises is the caller's to handle.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from .._core.redact import url_secrets

__all__ = ["credentials_of", "proxy_of", "route_of", "url_prefix_of"]

# ccxt's proxy settings: the proxy a request goes through, in ccxt's order of
# precedence, then the URL-prefix proxies (the target URL is appended).
_PROXIES = (
    "httpsProxy",
    "https_proxy",
    "httpProxy",
    "http_proxy",
    "socksProxy",
    "socks_proxy",
    "aiohttp_proxy",
)
_PREFIXES = ("proxyUrl", "proxy_url", "proxy")
_CREDENTIALS = ("apiKey", "secret", "password", "privateKey", "token", "twofa", "uid", "login")


_ALL = (*_PROXIES, *_PREFIXES, *_CREDENTIALS)
_PREFIXES_AT = len(_PROXIES)
_CREDENTIALS_AT = _PREFIXES_AT + len(_PREFIXES)


def _texts(exchange: object, names: tuple[str, ...]) -> list[str]:
    """The non-empty string values of these attributes of *exchange*, in order."""
    return _strings(tuple(map(getattr, repeat(exchange), names, repeat(None))))


def _strings(values: tuple[object, ...]) -> list[str]:
    # Most are unset (None or ""): any() skips the loop for them.
    return [value for value in values if isinstance(value, str) and value] if any(values) else []


def route_of(exchange: object) -> tuple[tuple[str, ...], str | None, str | None]:
    """
    `credentials_of`, `proxy_of` and `url_prefix_of` from one reading of the attributes.

    Every rejection needs all three: reading each attribute once is a third
    of the cost of asking the three functions.
    """
    # One pass of C-level getattr calls: this runs on every rejection.
    values = tuple(map(getattr, repeat(exchange), _ALL, repeat(None)))
    proxies = _strings(values[:_PREFIXES_AT])
    prefixes = _strings(values[_PREFIXES_AT:_CREDENTIALS_AT])
    table = getattr(exchange, "proxies", None)
    urls = [*proxies, *prefixes]
    if isinstance(table, dict):
        urls += [u for u in table.values() if isinstance(u, str)]
    from_urls = (s for url in urls for s in url_secrets(url))
    credentials = (*_strings(values[_CREDENTIALS_AT:]), *from_urls)
    proxy = proxies[0] if proxies else _from_table(table)
    return credentials, proxy, prefixes[0] if prefixes else None


def _from_table(table: object) -> str | None:
    """A requests-style ``proxies`` dict's proxy (ccxt's legacy setting), if any."""
    if isinstance(table, dict):
        value = table.get("https") or table.get("http")
        if isinstance(value, str) and value:
            return value
    return None


def credentials_of(exchange: object) -> tuple[str, ...]:
    """The credential values of a ccxt client, proxy passwords included (only searched for)."""
    return route_of(exchange)[0]


def url_prefix_of(exchange: Any) -> str | None:
    """Ccxt's URL-prefix proxy (``proxyUrl``, ``proxy_url``, legacy ``proxy``), if set."""
    found = _texts(exchange, _PREFIXES)
    return found[0] if found else None


def proxy_of(exchange: Any) -> str | None:
    """The proxy URL a ccxt client sends requests through, if any."""
    found = _texts(exchange, _PROXIES)
    return found[0] if found else _from_table(getattr(exchange, "proxies", None))
