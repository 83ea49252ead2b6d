"""
The key-restriction endpoints `audit` reads, and their answers in one exchange-neutral shape.

One signed, read-only GET per audit, through the client's own ccxt implicit
method (so ccxt signs it, proxies it and maps its errors); nothing is ever
changed on the exchange. Each exchange module that knows its endpoint
declares it (``RESTRICTIONS`` in ``ipwhitelist/_exchanges/<id>.py``: the
method, the documented answer with its source, the parser); this module
finds the one for a client and turns an unexpected answer into
``ccxt.BadResponse``.

`parse_response` turns each answer into `Facts` and is pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ccxt

from .._core.keyfacts import Facts, Restrictions, Unexpected
from .._exchanges import all_restrictions, restrictions_for

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Facts", "Restrictions", "parse_response", "reader_for"]


def reader_for(lineage: tuple[str, ...]) -> tuple[str, Restrictions] | None:
    """The exchange along *lineage* whose key-restriction endpoint is known, and it."""
    return restrictions_for(lineage)


def parse_response(exchange: str, response: object, now: datetime) -> Facts:
    """
    Turn the answer of *exchange*'s restriction endpoint into `Facts` (pure).

    *exchange* names the exchange module that declares the endpoint (the root
    of the client's ccxt lineage, such as ``"binance"``).

    Raises:
        ccxt.BadResponse: The answer does not have the documented shape.
    """
    restrictions = all_restrictions()[exchange]
    try:
        return restrictions.parse(response, now)
    except Unexpected as exc:
        # Never the body: Bybit's answer carries the API key.
        raise ccxt.BadResponse(
            f"{exchange} {restrictions.endpoint}: unexpected response ({exc})"
        ) from None
