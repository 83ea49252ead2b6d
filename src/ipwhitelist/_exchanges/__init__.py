"""
What ipwhitelist knows about each exchange: one module per ccxt lineage.

A module is named after the ccxt id at the root of the lineage it covers
(``binance.py`` covers ``binanceusdm``, ``binancecoinm``, ...) and holds every
fact about that exchange, each with its source, as module attributes:

=================  ==========================================================
``TITLE``          the exchange's name, for people (required)
``RULES``          how it says "this IP is refused": `Rule` objects
``DIALECTS``       ``{ccxt id: source}``: exchanges whose error codes it also
                   speaks, without deriving from their ccxt class
``ALIASES``        ccxt ids of the same account system outside its lineage
``SHARED_KEYS``    ccxt ids that take this exchange's API keys (one account,
                   one key page), with the source: a ccxt class derived from
                   another is no proof (``binanceus`` is not Binance's)
``LIMITS``         what a key's IP whitelist accepts: `ExchangeLimits`
``KEY_PAGE``       where the key's IP whitelist is edited
``RESTRICTIONS``   its key-restriction endpoint, the parser of its answer and
                   what the exchange does to unrestricted keys: `Restrictions`
=================  ==========================================================

``generic.py`` holds the rules for every exchange. Modules are found, not
listed: adding an exchange is adding a file (see docs/explanation/architecture.md).
They import only the core, and are imported on first use. This package
answers the lookups by ccxt id or lineage; nothing else reads the modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from .._core.fork import ForkSafeLock
from .._core.lineage import lineage_of_id
from .._core.rules import REGISTRY, Rule

if TYPE_CHECKING:
    from types import ModuleType

    from .._core.keyfacts import Restrictions
    from .._core.limits import ExchangeLimits

__all__ = [
    "GENERIC",
    "all_limits",
    "all_restrictions",
    "key_family",
    "key_page",
    "limits_for",
    "modules",
    "restrictions_for",
    "title",
]

#: The module whose rules apply to every exchange; its rules are tried last.
GENERIC = "generic"

# When an exchange module names no page.
_ANY_KEY_PAGE = "the exchange's API key management page"

_modules: dict[str, ModuleType] = {}
_lock = ForkSafeLock()


def modules() -> dict[str, ModuleType]:
    """Every exchange module by name, in name order (``generic`` last)."""
    if not _modules:
        with _lock:
            if not _modules:
                names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != GENERIC)
                found = {n: importlib.import_module(f"{__name__}.{n}") for n in (*names, GENERIC)}
                _modules.update(found)
    return _modules


def _tables() -> tuple[tuple[Rule, ...], dict[str, tuple[str, ...]]]:
    rules: list[Rule] = []
    dialects: dict[str, tuple[str, ...]] = {}
    for name, module in modules().items():
        rules.extend(getattr(module, "RULES", ()))
        spoken = tuple(getattr(module, "DIALECTS", {}))
        if spoken:
            dialects[name] = spoken
    return tuple(rules), dialects


# The core's rule registry reads the tables from here, on first use.
REGISTRY.use_tables(_tables)


def _declared(lineage: tuple[str, ...], attribute: str) -> tuple[str, object] | None:
    """The first module along *lineage* that declares *attribute*, and the value."""
    found = modules()
    for name in lineage:
        module = found.get(name)
        value = getattr(module, attribute, None) if module is not None else None
        if value is not None:
            return name, value
    return None


def _aliased(exchange: str) -> tuple[str, ...]:
    """The modules that list *exchange* among their ``ALIASES``."""
    return tuple(n for n, m in modules().items() if exchange in getattr(m, "ALIASES", ()))


def key_family(exchange: str) -> tuple[str, ...]:
    """
    The ccxt ids whose API keys are *exchange*'s keys, *exchange* first.

    From the explicit ``SHARED_KEYS`` and ``ALIASES`` tables, never from ccxt's
    class tree: ``binanceusdm`` and ``binancecoinm`` take the Binance account's
    key, but ``binanceus`` (Binance.US), ``bybiteu``, ``myokx`` and ``okxus``
    are other companies' accounts whose keys a Binance, Bybit or OKX entry
    says nothing about. An id no table names is its own family.
    """
    family = [exchange]
    for name, module in modules().items():
        members = (
            name,
            *getattr(module, "SHARED_KEYS", {}),
            *getattr(module, "ALIASES", ()),
        )
        if exchange in members:
            family += members
    return tuple(dict.fromkeys(family))


def limits_for(exchange: str) -> ExchangeLimits | None:
    """
    Return the documented whitelist limits for a ccxt exchange id, or ``None``.

    ``binanceusdm`` gets Binance's limits, ``okxus`` OKX's: limits belong to the
    account system, which a ccxt lineage shares (and ``huobi`` is HTX's).

    Added in *0.1.0*.
    """
    found = _declared((*lineage_of_id(exchange), *_aliased(exchange)), "LIMITS")
    return found[1] if found is not None else None  # type: ignore[return-value]


def all_limits() -> dict[str, ExchangeLimits]:
    """Every exchange's declared limits, by module name."""
    return {n: m.LIMITS for n, m in modules().items() if getattr(m, "LIMITS", None) is not None}


def key_page(lineage: tuple[str, ...]) -> str:
    """Where the user edits the key's IP whitelist on the exchange of *lineage*."""
    found = _declared(lineage, "KEY_PAGE")
    return str(found[1]) if found is not None else _ANY_KEY_PAGE


def restrictions_for(lineage: tuple[str, ...]) -> tuple[str, Restrictions] | None:
    """The first exchange along *lineage* with a known key-restriction endpoint, and it."""
    found = _declared(lineage, "RESTRICTIONS")
    return (found[0], found[1]) if found is not None else None  # type: ignore[return-value]


def all_restrictions() -> dict[str, Restrictions]:
    """Every declared key-restriction endpoint, by module name."""
    return {
        n: m.RESTRICTIONS
        for n, m in modules().items()
        if getattr(m, "RESTRICTIONS", None) is not None
    }


def title(name: str) -> str:
    """The exchange module's name for people (``"OKX"``); *name* itself if none."""
    module = modules().get(name)
    return str(getattr(module, "TITLE", name))
