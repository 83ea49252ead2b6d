"""
What a traceback shows of a rejection's cause: a redacted stand-in for ccxt's exception.

ccxt's exception, and the ``requests.HTTPError`` it was raised while handling,
carry the signed URL (signature, timestamp, sometimes the key). Every raise
site raises the typed rejection *from a stand-in*: an instance of a subclass of
the original's class, named like it, with the same frames and the same chain
(each link a stand-in too), whose text is redacted and escaped when it is first
shown. ``log.exception`` and error trackers therefore print the chain without
credentials; ``exc.original`` stays the very exception ccxt raised.

The stand-in's text is only computed when something shows it: the rejection
path of a bot that lost its whitelist runs many times a second, and nearly
nobody prints every traceback.
"""

from __future__ import annotations

from typing import Any

from .fork import ForkSafeLock
from .redact import (
    MAX_INPUT,
    Needles,
    escape_controls,
    needles_for,
    redact_patterns,
    remove_needles,
)

__all__ = ["RedactedError", "stand_in"]

_CHAIN_DEPTH = 8
# Enough of ccxt's message (which holds the exchange's whole body) for a traceback.
_SHOWN = 4096


class RedactedError(Exception):
    """Stands in for an exception whose class cannot be subclassed (``module.Class: text``)."""


class _StandIn:
    """Mixed into the stand-in classes: text computed on first display, never pickled raw."""

    __slots__ = ()

    # Slots of each stand-in class (`_stand_in_class`), set by `_copy`: the
    # original and the credentials' needles, then the text once shown. Slots,
    # not the instance dict: vars() shows the original's fields only.
    _original: BaseException
    _needles: Needles
    _shown: str

    def __str__(self) -> str:
        try:
            return self._shown
        except AttributeError:
            # Racing threads make the same text: no lock needed.
            shown = _render(self._original, self._needles)
            # A slot of the stand-in class, not of this mixin (mypy sees the mixin's).
            setattr(self, "_shown", shown)  # noqa: B010
            return shown

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({str(self)!r})"

    @property
    def args(self) -> tuple[str, ...]:
        """As for any exception: the (redacted) message."""
        return (str(self),)

    def __reduce__(self) -> tuple[Any, ...]:
        # The original is in a slot: a pickled stand-in is a plain RedactedError.
        return (RedactedError, (f"{type(self).__module__}.{type(self).__qualname__}: {self}",))


_SLOTS = ("_needles", "_original", "_shown")


_classes: dict[type[BaseException], type[BaseException] | None] = {}
_classes_lock = ForkSafeLock()


def _stand_in_class(cls: type[BaseException]) -> type[BaseException] | None:
    found = _classes.get(cls, False)
    if found is not False:
        return found  # type: ignore[return-value]
    try:
        made: type[BaseException] | None = type(
            cls.__name__,
            (_StandIn, cls),
            # Named like the original: tracebacks print module.qualname.
            {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__slots__": _SLOTS},
        )
    except Exception:  # noqa: BLE001 - a class that refuses subclassing gets RedactedError
        made = None
    with _classes_lock:
        # One entry per exception class the bot ever raised: bounded in practice.
        return _classes.setdefault(cls, made)


def stand_in(exc: BaseException | None, secrets: tuple[str, ...]) -> BaseException | None:
    """The redacted stand-in for *exc* (``None`` for ``None``), its chain stood in for alike."""
    if exc is None:
        return None
    return _copy(exc, needles_for(secrets), {}, 0)


def _copy(
    exc: BaseException, needles: Needles, seen: dict[int, BaseException], depth: int
) -> BaseException:
    if id(exc) in seen:
        return seen[id(exc)]
    cls = _stand_in_class(type(exc))
    copy: BaseException
    try:
        if cls is None:
            raise TypeError(type(exc).__name__)  # noqa: TRY301 - one fallback for every failure
        # Not the constructor: it may want arguments, or keep the response.
        copy = cls.__new__(cls)
        state = vars(exc)
        if state:
            # Numbers and flags are kept; objects (a response, a request) and text
            # stay on the original only.
            vars(copy).update(
                {name: value if isinstance(value, int) else None for name, value in state.items()}
            )
        copy._original = exc  # type: ignore[attr-defined]
        copy._needles = needles  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an exotic class gets the generic stand-in
        copy = RedactedError(
            f"{type(exc).__module__}.{type(exc).__qualname__}: {_render(exc, needles)}"
        )
    seen[id(exc)] = copy
    copy.__traceback__ = exc.__traceback__
    if depth < _CHAIN_DEPTH:
        if exc.__cause__ is not None:
            copy.__cause__ = _copy(exc.__cause__, needles, seen, depth + 1)
        if exc.__context__ is not None:
            copy.__context__ = _copy(exc.__context__, needles, seen, depth + 1)
    # Setting __cause__ also sets this: put back what the original says.
    copy.__suppress_context__ = exc.__suppress_context__
    return copy


def _render(exc: BaseException, needles: Needles) -> str:
    """A stand-in's text: *exc*'s, redacted and escaped (computed when first shown)."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break a traceback
        text = f"<{type(exc).__name__}: str() failed>"
    text = redact_patterns(remove_needles(text[:MAX_INPUT], needles))
    return escape_controls(text[:_SHOWN])
