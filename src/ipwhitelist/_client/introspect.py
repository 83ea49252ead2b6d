"""
What a ccxt client's attributes say: its credentials and the proxy its requests take.

Read by name, never assumed present: any object may be handed over, and a
client whose attribute raises is the caller's to handle.
"""

from __future__ import annotations

from typing import Any

from .._core.redact import url_secrets
from .._whitelist.fingerprint import fingerprint

__all__ = ["credentials_of", "proxy_of", "url_prefix_of"]

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


def _texts(exchange: object, names: tuple[str, ...]) -> list[str]:
    """The non-empty string values of these attributes of *exchange*, in order."""
    found = (getattr(exchange, name, None) for name in names)
    return [value for value in found if isinstance(value, str) and value]


def credentials_of(exchange: object) -> tuple[str, ...]:
    """The credential values of a ccxt client, proxy passwords included (only searched for)."""
    proxies = getattr(exchange, "proxies", None)
    urls = [*_texts(exchange, _PROXIES + _PREFIXES)]
    urls += [u for u in proxies.values() if isinstance(u, str)] if isinstance(proxies, dict) else []
    return (*_texts(exchange, _CREDENTIALS), *(s for url in urls for s in url_secrets(url)))


def key_fingerprint_of(exchange: object) -> str | None:
    """The `fingerprint` of the client's API key (``apiKey``), or None without one."""
    key = getattr(exchange, "apiKey", None)
    return fingerprint(key) if isinstance(key, str) and key.strip() else None


def url_prefix_of(exchange: Any) -> str | None:
    """Ccxt's URL-prefix proxy (``proxyUrl``, ``proxy_url``, legacy ``proxy``), if set."""
    found = _texts(exchange, _PREFIXES)
    return found[0] if found else None


def proxy_of(exchange: Any) -> str | None:
    """The proxy URL a ccxt client sends requests through, if any."""
    found = _texts(exchange, _PROXIES)
    if found:
        return found[0]
    proxies = getattr(exchange, "proxies", None)
    if isinstance(proxies, dict):
        value = proxies.get("https") or proxies.get("http")
        if isinstance(value, str) and value:
            return value
    return None
