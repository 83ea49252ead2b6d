"""
After access is restored: which positions are open, and which lack a stop-loss.

While the bot was locked out it could not manage its positions. This review
is read-only: it calls ccxt's unified ``fetch_positions`` and
``fetch_open_orders`` and flags every open position with no exchange-resident
stop-loss (an open stop order on the closing side, or a stop-loss attached to
the position itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from .._core.redact import human_lines

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["PositionCheck", "RecoveryReview", "areview_positions", "assess", "review_positions"]

# ccxt's unified order types and exchange-specific ones that are stops.
_STOP_TYPES = frozenset(
    {
        "stop",
        "stop_market",
        "stop_loss",
        "stop_loss_limit",
        "stop_limit",
        "trailing_stop_market",
        "trailing_stop",
        "conditional",
    }
)


@attrs.frozen(kw_only=True)
class PositionCheck:
    """
    One open position and the stop-loss protecting it, if any.

    Attributes:
        symbol: The unified market symbol.
        side: ``"long"`` or ``"short"`` (as ccxt reports it).
        contracts: Position size in contracts.
        protected: Whether an exchange-resident stop-loss covers it.
        stop_order_ids: Ids of the open stop orders that protect it.

    Added in *0.1.0*.
    """

    symbol: str
    side: str | None
    contracts: float | None
    protected: bool
    stop_order_ids: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class RecoveryReview:
    """
    What to check once trading works again.

    Attributes:
        exchange: The ccxt id.
        positions: One `PositionCheck` per open position.
        open_orders: How many open orders were found.

    Added in *0.1.0*.
    """

    exchange: str
    positions: tuple[PositionCheck, ...] = ()
    open_orders: int = 0

    @property
    def unprotected(self) -> tuple[PositionCheck, ...]:
        """Open positions without an exchange-resident stop-loss."""
        return tuple(p for p in self.positions if not p.protected)

    def to_dict(self) -> dict[str, Any]:
        """Return the review as a JSON-safe dict."""
        return {
            **attrs.asdict(self, recurse=True),
            "unprotected": [p.symbol for p in self.unprotected],
        }

    def __str__(self) -> str:
        lines = [
            (
                f"{self.exchange}: {len(self.positions)} open position(s), "
                f"{self.open_orders} open order(s)"
            )
        ]
        for p in self.positions:
            mark = "protected by a stop-loss" if p.protected else "NO exchange-side stop-loss"
            lines.append(f"  {p.symbol} {p.side or '?'} {p.contracts or '?'}: {mark}")
        if self.unprotected:
            lines.append("Place a stop-loss on the exchange for each unprotected position.")
        return human_lines(lines)


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _is_open(position: dict[str, Any]) -> bool:
    contracts = _number(position.get("contracts"))
    return bool(contracts) or bool(_number(position.get("notional")))


def _is_stop(order: dict[str, Any]) -> bool:
    kind = str(order.get("type") or "").lower()
    return bool(
        kind in _STOP_TYPES
        or order.get("stopLossPrice")
        or order.get("stopPrice")
        or order.get("triggerPrice")
    ) and not order.get("takeProfitPrice")


def _closes(order: dict[str, Any], side: str | None) -> bool:
    # A long is closed by a sell, a short by a buy.
    wanted = {"long": "sell", "short": "buy"}.get(str(side or "").lower())
    return wanted is None or order.get("side") == wanted


def assess(
    exchange_id: str, positions: Iterable[dict[str, Any]], orders: Iterable[dict[str, Any]]
) -> RecoveryReview:
    """Pure: match unified positions with unified open orders (used by the I/O twins)."""
    order_list = list(orders)
    checks = []
    for position in positions:
        if not _is_open(position):
            continue
        symbol = str(position.get("symbol"))
        side = position.get("side")
        stops = [
            o for o in order_list if o.get("symbol") == symbol and _is_stop(o) and _closes(o, side)
        ]
        attached = bool(_number(position.get("stopLossPrice")))
        checks.append(
            PositionCheck(
                symbol=symbol,
                side=side,
                contracts=_number(position.get("contracts")),
                protected=attached or bool(stops),
                stop_order_ids=tuple(str(o.get("id")) for o in stops),
            )
        )
    return RecoveryReview(
        exchange=exchange_id, positions=tuple(checks), open_orders=len(order_list)
    )


def review_positions(exchange: Any, symbols: Iterable[str] | None = None) -> RecoveryReview:
    """
    List open positions and open orders, and flag positions without a stop-loss.

    Read-only: only ``fetch_positions`` and ``fetch_open_orders`` are called.

    Args:
        exchange: A sync ccxt client (wrapped or not).
        symbols: Markets to check; by default every market with an open
            position (open orders are fetched per symbol, which every exchange
            supports).

    Added in *0.1.0*.
    """
    positions = exchange.fetch_positions(list(symbols) if symbols else None)
    wanted = sorted({str(p.get("symbol")) for p in positions if _is_open(p)} | set(symbols or ()))
    orders = [o for s in wanted for o in exchange.fetch_open_orders(s)]
    return assess(exchange.id, positions, orders)


async def areview_positions(exchange: Any, symbols: Iterable[str] | None = None) -> RecoveryReview:
    """Async twin of `review_positions`. Added in *0.1.0*."""
    positions = await exchange.fetch_positions(list(symbols) if symbols else None)
    wanted = sorted({str(p.get("symbol")) for p in positions if _is_open(p)} | set(symbols or ()))
    orders = [o for s in wanted for o in await exchange.fetch_open_orders(s)]
    return assess(exchange.id, positions, orders)
