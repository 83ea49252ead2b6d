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
python-binance           ``binance.client``, ``.async_client``   `_python_binance`
binance-connector        ``binance.spot``, ``binance.api``, …    `_connector`
Binance's modular SDKs   ``binance_sdk_*``, ``binance_common``   `_modular`
pybit                    ``pybit``                               `_pybit`
python-okx               ``okx``                                 `_okx`
=======================  ======================================  ===================

python-binance and binance-connector both install a top-level ``binance``
package; their module paths below it differ.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._fork import ForkSafeLock
from ._base import BASE, RETURNED, STATE, Adapter, settings_of, wrapped_class

if TYPE_CHECKING:
    from .._mapping import Settings
    from ..errors import IPRejection

# Module path prefix -> adapter module. The longest matching prefix wins.
_PREFIXES = {
    "binance.client": "_python_binance",
    "binance.async_client": "_python_binance",
    "binance.base_client": "_python_binance",
    "binance.exceptions": "_python_binance",
    "binance.ws": "_python_binance",
    "binance.api": "_connector",
    "binance.spot": "_connector",
    "binance.error": "_connector",
    "binance.cm_futures": "_connector",
    "binance.um_futures": "_connector",
    "binance_common": "_modular",
    "binance_sdk_": "_modular",
    "pybit": "_pybit",
    "okx": "_okx",
}

# Every adapter, in the order the docs list the SDKs.
_ADAPTERS = ("_python_binance", "_connector", "_modular", "_pybit", "_okx")

_by_class: dict[type, Adapter | None] = {}
_lock = ForkSafeLock()


def _adapter_module(module: str) -> str | None:
    found = [
        p
        for p in _PREFIXES
        if module == p or module.startswith(f"{p}.") or (p.endswith("_") and module.startswith(p))
    ]
    return _PREFIXES[max(found, key=len)] if found else None


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
    "RETURNED",
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
