"""Point a ccxt client's REST URLs at another base URL (a config's ``base_url``, a fake)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["point_at"]


def point_at(exchange: Any, base_url: str) -> Any:
    """
    Point every REST URL of a ccxt client at *base_url*, keeping the paths.

    ``https://fapi.binance.com/fapi/v1`` becomes ``http://127.0.0.1:PORT/fapi/v1``.
    """

    def rewrite(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            split = urlsplit(value)
            return base_url + split.path + (f"?{split.query}" if split.query else "")
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        return value

    exchange.urls["api"] = rewrite(exchange.urls["api"])
    return exchange
