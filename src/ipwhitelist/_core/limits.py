"""
`ExchangeLimits`: what an exchange accepts in a key's IP whitelist.

Each exchange module declares its own (``LIMITS``); `ipwhitelist._exchanges`
answers `limits_for`. Only facts with a source are recorded; ``None`` means
"not documented", and validation then neither accepts nor rejects on that
point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ExchangeLimits"]


@attrs.frozen(kw_only=True)
class ExchangeLimits:
    """
    The documented limits of one exchange's per-key IP whitelist.

    Attributes:
        exchange: The ccxt id the limits are written for.
        ip_whitelist: Whether a key can be bound to IP addresses at all
            (``False``: the exchange offers no per-key IP whitelist).
        max_entries: How many addresses (or networks) one key accepts.
        cidr: Whether networks in CIDR notation are accepted.
        ipv6: Whether IPv6 addresses are accepted.
        separator: How the key-management page wants several entries joined.
        sources: Where each fact comes from.

    Added in *0.1.0*.
    """

    exchange: str
    ip_whitelist: bool | None = None
    max_entries: int | None = None
    cidr: bool | None = None
    ipv6: bool | None = None
    separator: str = ","
    sources: tuple[str, ...] = ()

    def format(self, entries: Iterable[str]) -> str:
        """Join *entries* the way the exchange's input field expects them."""
        return self.separator.join(entries)
