"""Map a ccxt exchange (class or id) to its family: its own id and its ccxt ancestors' ids."""

from __future__ import annotations

import functools

__all__ = ["families_of", "families_of_class", "families_of_id"]


@functools.cache
def families_of_class(cls: type) -> tuple[str, ...]:
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
def families_of_id(exchange_id: str) -> tuple[str, ...]:
    """Return the family of a ccxt id; an id ccxt does not know is its own family."""
    import ccxt

    cls = getattr(ccxt, exchange_id, None)
    if isinstance(cls, type):
        return families_of_class(cls) or (exchange_id,)
    return (exchange_id,)


def families_of(exchange: object) -> tuple[str, ...]:
    """Return the family of a ccxt client instance (falls back to its ``id``)."""
    cls: type = type(exchange)
    found = families_of_class(cls)
    if found:
        return found
    exchange_id = getattr(exchange, "id", None)
    return families_of_id(exchange_id) if isinstance(exchange_id, str) else ()
