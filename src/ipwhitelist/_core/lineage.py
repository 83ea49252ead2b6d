"""
A ccxt exchange's lineage: its own id and its ccxt ancestors' ids, most derived first.

``binanceusdm`` derives from ``binance``: rules, limits and key facts written
for ``binance`` apply to it. (The IP version, 4 or 6, is the *address family*:
another word for another concept.)
"""

from __future__ import annotations

import functools
import sys

from .ccxt_ids import source_lineage

__all__ = ["lineage_of", "lineage_of_class", "lineage_of_id"]


@functools.cache
def lineage_of_class(cls: type) -> tuple[str, ...]:
    """
    Return the ccxt ids along *cls*'s MRO, most derived first.

    ``ccxt.pro.binanceusdm`` gives ``("binanceusdm", "binance")``: ccxt generates
    one class per id in a module of the same name, so a class counts when its
    name is the last part of its module path.
    """
    ids: list[str] = []
    for klass in cls.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if module.startswith("ccxt.") and module.rsplit(".", 1)[-1] == klass.__name__:
            ids.append(klass.__name__)
    return tuple(dict.fromkeys(ids))


@functools.cache
def lineage_of_id(exchange_id: str) -> tuple[str, ...]:
    """Return the lineage of a ccxt id; an id ccxt does not know is its own lineage."""
    ccxt = sys.modules.get("ccxt")
    if ccxt is None:
        # ccxt not imported (the command line's offline commands): its source says it.
        return source_lineage(exchange_id) or (exchange_id,)
    cls = getattr(ccxt, exchange_id, None)
    if isinstance(cls, type):
        return lineage_of_class(cls) or (exchange_id,)
    return (exchange_id,)


def lineage_of(exchange: object) -> tuple[str, ...]:
    """Return the lineage of a ccxt client instance (falls back to its ``id``)."""
    cls: type = type(exchange)
    found = lineage_of_class(cls)
    if found:
        return found
    exchange_id = getattr(exchange, "id", None)
    return lineage_of_id(exchange_id) if isinstance(exchange_id, str) else ()
