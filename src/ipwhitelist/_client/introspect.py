"""
What a ccxt client's attributes say: its credentials and the proxy its requests take.

Read by name, never assumed present: any object may be handed over, and a
client whose attribute raises is the caller's to handle.
"""

from __future__ import annotations

import functools
import ipaddress
import operator
import urllib.request
from itertools import repeat
from typing import Any
from urllib.parse import urlsplit

from .._core.ccxt_compat import BaseExchange
from .._core.redact import url_secrets
from .._whitelist.fingerprint import fingerprint

__all__ = [
    "api_url_of",
    "credentials_of",
    "environment_proxy",
    "key_fingerprint_of",
    "proxy_of",
    "route_of",
    "url_prefix_of",
]

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
# ccxt.pro's websocket proxies: websockets take these, never the REST ones.
_WS_PROXIES = ("wsProxy", "ws_proxy", "wssProxy", "wss_proxy", "wsSocksProxy", "ws_socks_proxy")
_CREDENTIALS = ("apiKey", "secret", "password", "privateKey", "token", "twofa", "uid", "login")


_ALL = (*_PROXIES, *_PREFIXES, *_WS_PROXIES, *_CREDENTIALS)
_PREFIXES_AT = len(_PROXIES)
_WS_AT = _PREFIXES_AT + len(_PREFIXES)
_CREDENTIALS_AT = _WS_AT + len(_WS_PROXIES)


def _texts(exchange: object, names: tuple[str, ...]) -> list[str]:
    """The non-empty string values of these attributes of *exchange*, in order."""
    return _strings(tuple(map(getattr, repeat(exchange), names, repeat(None))))


def _strings(values: tuple[object, ...]) -> list[str]:
    # Most are unset (None or ""): any() skips the loop for them.
    return [value for value in values if isinstance(value, str) and value] if any(values) else []


def route_of(
    exchange: object, url: str | None = None
) -> tuple[tuple[str, ...], str | None, str | None, bool]:
    """
    What a rejection needs of the route its request to *url* took.

    ``(credentials, proxy, url_prefix, from_environment)``: `credentials_of`,
    `proxy_of` and `url_prefix_of` from one reading of the attributes (every
    rejection needs all three: reading each attribute once is a third of the
    cost of asking the three functions), and whether the proxy is the one the
    environment gives (`environment_proxy`). A websocket URL takes ccxt.pro's
    websocket proxies and no URL prefix (ccxt's prefixes route REST only).
    """
    # One pass of C-level getattr calls: this runs on every rejection.
    values = _values(exchange)
    table = getattr(exchange, "proxies", None)
    websocket = url is not None and url.startswith(("ws://", "wss://"))
    if table is None and not _trusts_environment(exchange):
        # Without the environment's proxies the route is a function of the
        # values just read: a bot's rejections repeat it, so it is memoised
        # (keyed by those values, as the redaction needles are by the secrets).
        try:
            return _route_of_values(values, websocket)
        except TypeError:  # an unhashable attribute value: worked out below
            pass
    return _route(exchange, url, values, table, websocket=websocket)


def _values(exchange: object) -> tuple[object, ...]:
    """The attributes `_ALL` names, ``None`` for those *exchange* lacks."""
    if isinstance(exchange, BaseExchange):
        try:
            # ccxt's base class defines every one of them: one C-level read.
            return _READ(exchange)
        except AttributeError:  # a ccxt release without one of them
            pass
    return tuple(map(getattr, repeat(exchange), _ALL, repeat(None)))


_READ = operator.attrgetter(*_ALL)


@functools.lru_cache(maxsize=32)
def _route_of_values(
    values: tuple[object, ...], websocket: bool
) -> tuple[tuple[str, ...], str | None, str | None, bool]:
    """`_route` for a client without a ``proxies`` table that does not trust the environment."""
    return _route(None, None, values, None, websocket=websocket)


def _route(
    exchange: object,
    url: str | None,
    values: tuple[object, ...],
    table: object,
    *,
    websocket: bool,
) -> tuple[tuple[str, ...], str | None, str | None, bool]:
    proxies = _strings(values[:_PREFIXES_AT])
    prefixes = _strings(values[_PREFIXES_AT:_WS_AT])
    ws_proxies = _strings(values[_WS_AT:_CREDENTIALS_AT])
    urls = [*proxies, *prefixes, *ws_proxies]
    if isinstance(table, dict):
        urls += [u for u in table.values() if isinstance(u, str)]
    # What the environment gives the API URL (None for a client that does not trust it).
    default = None if exchange is None else environment_proxy(exchange)
    if default:
        urls.append(default)
    from_environment: str | None = None
    if websocket:
        prefix = None
        proxy = ws_proxies[0] if ws_proxies else None
        if proxy is None and exchange is not None and url is not None:
            proxy = from_environment = environment_proxy(
                exchange, "https://" + url.split("://", 1)[1]
            )
    else:
        prefix = prefixes[0] if prefixes else None
        proxy = proxies[0] if proxies else _from_table(table)
        if proxy is None and prefix is None and exchange is not None:
            proxy = from_environment = environment_proxy(exchange, url)
    if from_environment and from_environment not in urls:
        urls.append(from_environment)
    credentials = (*_strings(values[_CREDENTIALS_AT:]), *(s for u in urls for s in url_secrets(u)))
    return credentials, proxy, prefix, from_environment is not None


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


def key_fingerprint_of(exchange: object) -> str | None:
    """The `fingerprint` of the client's API key (``apiKey``), or None without one."""
    key = getattr(exchange, "apiKey", None)
    return _fingerprint(key) if isinstance(key, str) and key.strip() else None


# Every rejection names its key: one SHA-256 per key, not per rejection (keyed
# by the key, as the redaction needles are by the credentials).
_fingerprint = functools.lru_cache(maxsize=32)(fingerprint)


def url_prefix_of(exchange: Any) -> str | None:
    """Ccxt's URL-prefix proxy (``proxyUrl``, ``proxy_url``, legacy ``proxy``), if set."""
    found = _texts(exchange, _PREFIXES)
    return found[0] if found else None


def proxy_of(exchange: Any, url: str | None = None) -> str | None:
    """
    The proxy URL a ccxt client sends requests (to *url*) through, if any.

    A websocket URL (``wss://``) takes ccxt.pro's ``wsProxy``/``wssProxy``/
    ``wsSocksProxy``, never the REST proxies. Its own settings first; else,
    when its HTTP session trusts the environment (ccxt's
    ``requests_trust_env`` / ``aiohttp_trust_env``), the proxy the environment
    gives for *url* (default: the client's API URL), as requests and aiohttp
    pick it: ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``
    by scheme, ``NO_PROXY`` honoured. The egress lookup must take that route:
    the exchange sees the proxy's address.
    """
    return route_of(exchange, url)[1]


def _trusts_environment(exchange: Any) -> bool:
    session = getattr(exchange, "session", None)
    trust = getattr(session, "trust_env", None)
    if isinstance(trust, bool):
        return trust  # requests.Session, aiohttp.ClientSession
    # An async client before its first request has no session yet.
    return getattr(exchange, "aiohttp_trust_env", False) is True


def api_url_of(exchange: Any) -> str | None:
    """The first REST URL of a ccxt client (``urls["api"]``, possibly nested)."""
    urls = getattr(exchange, "urls", None)
    pending = [urls.get("api")] if isinstance(urls, dict) else []
    while pending:
        value = pending.pop(0)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
        if isinstance(value, dict):
            pending.extend(value.values())
    return None


def environment_proxy(exchange: Any, url: str | None = None) -> str | None:
    """The proxy the environment gives *exchange*'s requests to *url*, if it trusts it."""
    if not _trusts_environment(exchange):
        return None
    url = url or api_url_of(exchange)
    if not url:
        return None
    try:
        split = urlsplit(url)
        host = split.hostname or ""
    except ValueError:
        return None
    proxies = urllib.request.getproxies_environment()
    if _bypassed(host, proxies.get("no", "")):
        return None
    value = proxies.get(split.scheme) or proxies.get("all")
    return value or None


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY exempts *host*, as requests reads it (``*``, names, suffixes, CIDRs)."""
    host = host.lower().strip("[]")
    for raw in no_proxy.replace(" ", "").lower().split(","):
        entry = raw.partition(":")[0] if raw.count(":") == 1 else raw
        if not entry:
            continue
        if entry == "*":
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(entry.strip("[]"), strict=False):
                return True
            continue
        except ValueError:
            pass
        name = entry.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False
