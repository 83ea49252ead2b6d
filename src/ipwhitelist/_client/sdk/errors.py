"""
Typed rejections that are also the SDK's own exception class.

``except BinanceAPIException:`` in a python-binance bot must keep catching an
IP rejection once the client is wrapped, so the exception raised is an
instance of ``(IPNotWhitelisted, BinanceAPIException)``. Those classes are
built on first use (the SDK is never imported by ipwhitelist itself) and live
in this module's namespace under a name that says both halves, so pickle finds
them by reference, in a fresh process too (module ``__getattr__`` rebuilds
them there).

The combined instance never runs the SDK's ``__init__``: every SDK attribute
(``code``, ``message``, ``status_code``, ``response``, …) is read through from
`IPRejection.original`, the exception the SDK raised, so old handlers see the
SDK's own values. Pickling keeps the original's plain data (strings, numbers,
dicts of them) and drops transport objects: a live HTTP response does not
pickle, and its request carries the API key in a header.
"""

from __future__ import annotations

import importlib
import weakref
from typing import Any

from ..._core.fork import ForkSafeLock
from ..._core.redact import redact
from ...errors import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection

__all__ = ["MODULES", "combined", "remember_snapshot", "sdk_base", "snapshot"]

# The modules whose exception classes may be combined, by a short alias used
# in the combined class's name. Only these are imported when unpickling.
MODULES = {
    "binance.exceptions": "PythonBinance",
    "binance.error": "BinanceConnector",
    "binance_common.errors": "BinanceCommon",
    "pybit.exceptions": "Pybit",
    "okx.exceptions": "Okx",
    # python-okx raises the JSONDecodeError of a body that is not JSON (a block page).
    "json.decoder": "JsonDecoder",
    "builtins": "Builtins",
}
_ALIASES = {alias: module for module, alias in MODULES.items()}
_KINDS: dict[str, type[IPRejection]] = {
    cls.__name__: cls for cls in (IPNotWhitelisted, IPBanned, GeoRestricted)
}
_lock = ForkSafeLock()
_PLAIN = (str, int, float, bool, type(None))
_MAX_DEPTH = 4


def sdk_base(cls: type[BaseException]) -> type[BaseException] | None:
    """The most derived class of *cls*'s MRO defined in a known SDK module (or a builtin)."""
    for klass in cls.__mro__:
        if klass.__module__ in MODULES and klass is not BaseException:
            return klass
    return None


def combined(kind: type[IPRejection], sdk: type[BaseException]) -> type[IPRejection]:
    """The class that is both *kind* (e.g. `IPNotWhitelisted`) and *sdk*."""
    name = f"{kind.__name__}_{MODULES[sdk.__module__]}_{sdk.__qualname__}"
    found = globals().get(name)
    if isinstance(found, type):
        return found
    with _lock:
        found = globals().get(name)
        if not isinstance(found, type):
            found = _build(name, kind, sdk)
            globals()[name] = found
    return found


def _build(name: str, kind: type[IPRejection], sdk: type[BaseException]) -> type[IPRejection]:
    namespace = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": (
            f"`{kind.__name__}` that is also the SDK's `{sdk.__module__}.{sdk.__qualname__}`,"
            " so existing handlers of either keep catching it."
        ),
        # The SDK's __str__ formats attributes the combined instance reads
        # through from the original; the rejection's own message is the one to show.
        "__init__": _init,
        "__str__": IPRejection.__str__,
        "__getattr__": _read_through,
        "__reduce__": _reduce,
    }
    cls: type[IPRejection] = type(name, (kind, sdk), namespace)
    return cls


def _init(
    self: IPRejection, message: str, *, diagnosis: Any, original: BaseException | None = None
) -> None:
    # IPRejection's own __init__ would reach the SDK's through super(), with
    # arguments the SDK class does not take.
    Exception.__init__(self, message)
    self.diagnosis = diagnosis
    self.original = original


def _read_through(self: IPRejection, name: str) -> Any:
    # Only called for names the rejection itself lacks: the SDK's attributes.
    if name.startswith("_") or name in {"original", "diagnosis"}:
        raise AttributeError(name)
    original = self.__dict__.get("original")
    if original is None:
        raise AttributeError(name)
    return getattr(original, name)


def _plain(value: Any, secrets: tuple[str, ...], depth: int = 0) -> Any:
    """*value* if it is plain data (strings redacted), else None."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, _PLAIN):
        return value
    if depth < _MAX_DEPTH and isinstance(value, dict):
        return {str(k): _plain(v, secrets, depth + 1) for k, v in value.items()}
    if depth < _MAX_DEPTH and isinstance(value, list | tuple):
        return [_plain(v, secrets, depth + 1) for v in value]
    return None


def snapshot(original: BaseException | None, secrets: tuple[str, ...]) -> tuple[Any, ...] | None:
    """
    What of *original* a pickle carries: its class, args and attributes as plain data.

    Taken when the rejection is made, while the client's credentials are known:
    an exchange may echo a key in its message, and they are removed by value.
    """
    if original is None:
        return None
    return (
        type(original),
        tuple(_plain(a, secrets) for a in original.args),
        {k: _plain(v, secrets) for k, v in vars(original).items()},
    )


_OWN = frozenset({"original", "diagnosis"})

# What a pickle of each SDK rejection carries of its original (`snapshot`),
# taken while the client's credentials were known. Weak, and off the exception.
_snapshots: weakref.WeakKeyDictionary[IPRejection, tuple[Any, ...] | None] = (
    weakref.WeakKeyDictionary()
)


def remember_snapshot(rejection: IPRejection, parts: tuple[Any, ...] | None) -> None:
    """Keep what a pickle of *rejection* carries of its original (see `snapshot`)."""
    _snapshots[rejection] = parts


def _reduce(self: IPRejection) -> tuple[Any, ...]:
    parts = _snapshots.get(self) or snapshot(self.original, ())
    state = {k: _plain(v, ()) for k, v in vars(self).items() if k not in _OWN}
    return (_rebuild, (type(self), str(self), self.diagnosis, parts), state)


def _rebuild(
    cls: type[IPRejection], message: str, diagnosis: Any, parts: tuple[Any, ...] | None
) -> IPRejection:
    original = None
    if parts is not None:
        # The SDK's __init__ takes transport objects the pickle does not
        # carry; the attributes are restored as they were.
        sdk_cls, args, attributes = parts
        original = sdk_cls.__new__(sdk_cls)
        original.args = args
        original.__dict__.update(attributes)
    return cls(message, diagnosis=diagnosis, original=original)


def __getattr__(name: str) -> type[IPRejection]:
    # Unpickling in a process that has not built this class yet.
    kind, _, rest = name.partition("_")
    alias, _, qualname = rest.partition("_")
    if kind not in _KINDS or alias not in _ALIASES or not qualname:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    sdk = getattr(importlib.import_module(_ALIASES[alias]), qualname, None)
    if not isinstance(sdk, type) or not issubclass(sdk, BaseException):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")  # noqa: TRY004 - getattr protocol
    return combined(_KINDS[kind], sdk)
