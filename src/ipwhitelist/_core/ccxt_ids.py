"""
ccxt's exchange ids and class lineages, without importing ccxt when it is not loaded.

``import ccxt`` costs a third of a second (it imports every exchange class).
The command line's commands that call no exchange (``--help``, ``explain``,
``paste``, ``fingerprint``, ``egress``) only need the list of ids and which id
derives from which: both are read from ccxt's installed source files, which
ccxt generates in one shape (``exchanges = [...]`` in its ``__init__``, one
``class <id>(<base id>, ImplicitAPI):`` per module). Once ccxt is imported its
own objects answer. A test checks both ways agree for every id.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import sys
from pathlib import Path

__all__ = ["exchange_ids", "source_lineage"]

_CLASS = re.compile(r"^class (\w+)\(([^)]*)\):", re.MULTILINE)


def exchange_ids() -> list[str]:
    """Ccxt's exchange ids (``ccxt.exchanges``), read from its source when it is not imported."""
    module = sys.modules.get("ccxt")
    exchanges = getattr(module, "exchanges", None)
    if isinstance(exchanges, list):
        return exchanges
    return _ids_from_source()


@functools.cache
def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("ccxt")  # finds the package, does not run it
    origin = spec.origin if spec is not None else None
    return Path(origin).parent if origin else None


@functools.cache
def _ids_from_source() -> list[str]:
    directory = _package_dir()
    try:
        assert directory is not None  # noqa: S101 - handled just below
        text = (directory / "__init__.py").read_text("utf-8")
        start = text.index("\nexchanges = [")
        end = text.index("]", start)
        ids = ast.literal_eval(text[start + len("\nexchanges = ") : end + 1])
        if isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids):
            return ids
    except (AssertionError, OSError, ValueError, SyntaxError):
        pass
    import ccxt  # noqa: PLC0415 - lazy: the fallback when ccxt's source has another shape

    return list(ccxt.exchanges)


@functools.cache
def source_lineage(exchange_id: str) -> tuple[str, ...]:
    """
    The ccxt ids along *exchange_id*'s class bases, most derived first, from ccxt's source.

    Empty when ccxt has no module for it (the caller then imports ccxt or
    falls back on the id itself).
    """
    ids = set(exchange_ids())
    directory = _package_dir()
    lineage: list[str] = []
    current: str | None = exchange_id
    while current is not None and current in ids and current not in lineage:
        try:
            text = (directory / f"{current}.py").read_text("utf-8") if directory else ""
        except OSError:
            return ()
        found = {m.group(1): m.group(2) for m in _CLASS.finditer(text)}
        if current not in found:
            return ()
        lineage.append(current)
        bases = [b.strip() for b in found[current].split(",")]
        current = next((b for b in bases if b in ids), None)
    return tuple(lineage)
