"""
What a ccxt client's attributes say: its credentials and the proxy its requests take.

Read by name, never assumed present: any object may be handed over, and a
client whose attribute raises is the caller's to handle.
"""

from __future__ import annotations

from typing import Any

from .._core.redact import url_secrets

__all__ = ["credentials_of", "proxy_of", "url_prefix_of"]

# Every ccxt setting that may hold a proxy URL (and so a proxy password).
_SETTINGS = (
    "httpsProxy",
    "https_proxy",
    "httpProxy",
    "http_proxy",
    "socksProxy",
    "socks_proxy",
    "aiohttp_proxy",
    "proxyUrl",
    "proxy_url",
    "proxy",
)


def credentials_of(exchange: object) -> tuple[str, ...]:
    """The credential values of a ccxt client, proxy passwords included (only searched for)."""
    values = []
    for name in ("apiKey", "secret", "password", "privateKey", "token", "twofa", "uid", "login"):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            values.append(value)
    proxies = getattr(exchange, "proxies", None)
    urls = [getattr(exchange, name, None) for name in _SETTINGS]
    urls += list(proxies.values()) if isinstance(proxies, dict) else []
    values += [s for url in urls if isinstance(url, str) for s in url_secrets(url)]
    return tuple(values)


def url_prefix_of(exchange: Any) -> str | None:
    """Ccxt's URL-prefix proxy (``proxyUrl``, ``proxy_url``, legacy ``proxy``), if set."""
    for name in ("proxyUrl", "proxy_url", "proxy"):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def proxy_of(exchange: Any) -> str | None:
    """The proxy URL a ccxt client sends requests through, if any."""
    for name in (
        "httpsProxy",
        "https_proxy",
        "httpProxy",
        "http_proxy",
        "socksProxy",
        "socks_proxy",
        "aiohttp_proxy",
    ):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            return value
    proxies = getattr(exchange, "proxies", None)
    if isinstance(proxies, dict):
        value = proxies.get("https") or proxies.get("http")
        if isinstance(value, str) and value:
            return value
    return None
