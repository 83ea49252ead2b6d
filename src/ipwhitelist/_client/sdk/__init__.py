"""
The exchanges' own SDKs: which adapter serves a client, and wrapping it.

Clients are recognised by the module path of their class, so no SDK is ever
imported here: a client (or an exception) from ``pybit.unified_trading`` can
only exist once pybit is imported by the bot itself. One adapter module per
SDK family; this registry maps module path prefixes to them and loads an
adapter on first use.

=======================  ======================================  ===================
SDK (package index)      modules                                 adapter
=======================  ======================================  ===================
python-binance           ``binance.client``, ``.async_client``   `python_binance`
binance-connector        ``binance.spot``, ``binance.api``, …    `connector`
Binance's modular SDKs   ``binance_sdk_*``, ``binance_common``   `modular`
pybit                    ``pybit``                               `pybit`
python-okx               ``okx``                                 `okx`
=======================  ======================================  ===================

python-binance and binance-connector both install a top-level ``binance``
package; their module paths below it differ.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..._core.fork import ForkSafeLock

if TYPE_CHECKING:
    from ...errors import IPRejection
    from ..mapping import Settings
    from .base import BASE, STATE, Adapter, settings_of, wrapped_class

# Module path prefix -> adapter module. The longest matching prefix wins.
_PREFIXES = {
    "binance.client": "python_binance",
    "binance.async_client": "python_binance",
    "binance.base_client": "python_binance",
    "binance.exceptions": "python_binance",
    "binance.ws": "python_binance",
    "binance.api": "connector",
    "binance.spot": "connector",
    "binance.error": "connector",
    "binance.cm_futures": "connector",
    "binance.um_futures": "connector",
    "binance_common": "modular",
    "binance_sdk_": "modular",
    "pybit": "pybit",
    "okx": "okx",
}

# Every adapter, in the order the docs list the SDKs.
_ADAPTERS = ("python_binance", "connector", "modular", "pybit", "okx")

_by_class: dict[type, Adapter | None] = {}
_lock = ForkSafeLock()


def _adapter_module(module: str) -> str | None:
    found = [
        p
        for p in _PREFIXES
        if module == p or module.startswith(f"{p}.") or (p.endswith("_") and module.startswith(p))
    ]
    return _PREFIXES[max(found, key=len)] if found else None


# The adapters' shared base loads with the first adapter (it imports ccxt, through
# the guard): `texts`, the SDKs' error texts, is read by `ipwhitelist explain`
# without any exchange library.
_BASE_NAMES = frozenset({"BASE", "STATE", "Adapter", "settings_of", "wrapped_class"})


def __getattr__(name: str) -> Any:
    if name in _BASE_NAMES:
        return getattr(importlib.import_module(f"{__name__}.base"), name)
    msg = f"module {__name__} has no attribute {name}"
    raise AttributeError(msg)


def _load(name: str) -> Adapter:
    module = importlib.import_module(f"{__name__}.{name}")
    adapter: Adapter = module.ADAPTER
    return adapter


def adapters() -> tuple[Adapter, ...]:
    """Every SDK adapter (none of them imports its SDK)."""
    return tuple(_load(name) for name in _ADAPTERS)


def adapter_for(obj: object) -> Adapter | None:
    """The adapter for an SDK client (or one of its exceptions), or None."""
    cls = obj if isinstance(obj, type) else type(obj)
    found = _by_class.get(cls, False)
    if found is not False:
        return found  # type: ignore[return-value]
    adapter = None
    for klass in cls.__mro__:
        name = _adapter_module(klass.__module__ or "")
        if name is not None:
            candidate = _load(name)
            if issubclass(cls, BaseException) or candidate.accepts(cls):
                adapter = candidate
                break
    with _lock:
        _by_class[cls] = adapter
    return adapter


def wrap_sdk(adapter: Adapter, client: Any, settings: Settings, *, raise_returned: bool) -> Any:
    """Instrument *client* in place (the `wrap` of an SDK client)."""
    return adapter.install(client, settings, raise_returned=raise_returned)


def unwrap_sdk(adapter: Adapter, client: Any) -> Any:
    """Undo `wrap_sdk`; a client that is not wrapped is left as it is."""
    return adapter.uninstall(client)


def rejection_for(exc: BaseException, exchange: object, settings: Settings) -> IPRejection | None:
    """
    Classify an SDK exception for `diagnose` / `diagnosing`, or None.

    *exchange* is an SDK client (its credentials are redacted, its proxy
    used), a ccxt id, or None: then the exception says which exchange.
    """
    adapter = adapter_for(exc)
    if adapter is None:
        return None
    if (
        exchange is not None
        and not isinstance(exchange, str)
        and adapter_for(exchange) is not adapter
    ):
        # A client of something else (a ccxt client): only its id counts.
        found = getattr(exchange, "id", None)
        exchange = found if isinstance(found, str) else None
    return adapter.rejection(exchange, exc, settings)


__all__ = [
    "BASE",
    "STATE",
    "Adapter",
    "adapter_for",
    "adapters",
    "rejection_for",
    "settings_of",
    "unwrap_sdk",
    "wrap_sdk",
    "wrapped_class",
]
