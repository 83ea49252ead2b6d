"""
The one market a fake exchange lists, and the orders placed on it.

Enough for a bot's loop: ``load_markets()`` finds one spot market
(``BTC/USDT`` by default), ``fetch_ticker()`` answers a fixed price, and
orders are accepted, listed and cancelled; nothing ever fills.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import attrs

__all__ = ["FakeBook", "FakeOrder"]


@attrs.define(kw_only=True)
class FakeOrder:
    """An order the fake accepted."""

    id: str
    side: str  # "buy" or "sell"
    type: str  # "limit" or "market"
    amount: str
    price: str
    created_ms: int
    status: str = "open"  # "open" or "canceled"


@attrs.define(kw_only=True)
class FakeBook:
    """
    A fake exchange's only market and its orders; thread-safe.

    Attributes:
        base: The base currency (``BTC``).
        quote: The quote currency (``USDT``).
        price: The last price, as a decimal string; bid and ask are the same.
    """

    base: str = "BTC"
    quote: str = "USDT"
    price: str = "50000"
    orders: dict[str, FakeOrder] = attrs.field(factory=dict)
    _ids: Any = attrs.field(factory=lambda: itertools.count(1000001), repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def place(self, *, side: str, type: str, amount: str, price: str, now_ms: int) -> FakeOrder:  # noqa: A002
        """Accept an order; a market order takes the last price."""
        with self._lock:
            order = FakeOrder(
                id=str(next(self._ids)),
                side=side.lower(),
                type=type.lower(),
                amount=amount,
                price=price or self.price,
                created_ms=now_ms,
            )
            self.orders[order.id] = order
            return order

    def cancel(self, order_id: str) -> FakeOrder | None:
        """Cancel an open order; ``None`` if there is no such open order."""
        with self._lock:
            order = self.orders.get(order_id)
            if order is None or order.status != "open":
                return None
            order.status = "canceled"
            return order

    def open_orders(self) -> list[FakeOrder]:
        """The orders not cancelled, oldest first."""
        with self._lock:
            return [order for order in self.orders.values() if order.status == "open"]
