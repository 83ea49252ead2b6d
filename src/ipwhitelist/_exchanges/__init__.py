"""
What ipwhitelist knows about each exchange: one module per ccxt lineage.

A module is named after the ccxt id at the root of the lineage it covers
(``binance.py`` covers ``binanceusdm``, ``binancecoinm``, ...), and declares
its facts as module attributes; ``generic.py`` holds the rules for every
exchange. Modules are found, not listed: adding an exchange is adding a file.
They are imported on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from .._core.fork import ForkSafeLock
from .._core.rules import REGISTRY, Rule

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["GENERIC", "modules"]

#: The module whose rules apply to every exchange; its rules are tried last.
GENERIC = "generic"

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
        rules.extend(module.RULES)
        spoken = tuple(getattr(module, "DIALECTS", {}))
        if spoken:
            dialects[name] = spoken
    return tuple(rules), dialects


REGISTRY.use_tables(_tables)
