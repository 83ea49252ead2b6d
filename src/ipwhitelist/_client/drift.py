"""
Checks that the ccxt internals `wrap()` builds on still have the shape it expects.

`wrap()` replaces three ccxt internals on a client's class, each spelled out
for speed or for what it can see (see ``_wrap.py``):

* ``handle_errors``, called positionally with nine arguments;
* ``fetch(url, method='GET', headers=None, body=None)``;
* ``fetch2``'s retry loop, which reads the global ``OperationFailed``.

On async clients, ``fetch`` and the ``handle_errors`` wrapper are written into
a copy of ccxt's ``fetch`` instead, after a stricter check of its own
(``inline.py``: its source must compile to the running bytecode).

A future ccxt may change any of them. Each is checked once per class, when its
wrapped class is built; one that does not fit is left as ccxt wrote it (or, for
``fetch``, guarded through the generic path), so the wrapped client behaves
exactly as the plain one. A warning, logged once per ccxt function and process,
says what ipwhitelist can no longer do for it. The outer layers (``fetch`` and
the unified methods) still type IP rejections from ccxt's exception text.
"""

from __future__ import annotations

import inspect
import logging
import types

import ccxt

from .._core.fork import ForkSafeLock

__all__ = [
    "FETCH_SIGNATURE",
    "HANDLE_ERRORS_ARITY",
    "fetch2_problem",
    "fetch2_unrecognised",
    "fetch_fits",
    "forget_warnings",
    "handle_errors_fits",
    "warn_once",
]

logger = logging.getLogger("ipwhitelist")

_P = inspect.Parameter

#: ccxt's ``handle_errors(code, reason, url, method, headers, body, response,
#: requestHeaders, requestBody)``, after ``self`` (python/ccxt/base/exchange.py).
HANDLE_ERRORS_ARITY = 9

#: ccxt's ``fetch`` signature as ``guard_fetch_sync``/``guard_fetch_async`` spell it.
FETCH_SIGNATURE = (
    ("self", _P.POSITIONAL_OR_KEYWORD, _P.empty),
    ("url", _P.POSITIONAL_OR_KEYWORD, _P.empty),
    ("method", _P.POSITIONAL_OR_KEYWORD, "GET"),
    ("headers", _P.POSITIONAL_OR_KEYWORD, None),
    ("body", _P.POSITIONAL_OR_KEYWORD, None),
)

# Strong references: ccxt's functions live as long as the process anyway.
_warned: set[tuple[object, str]] = set()
_warned_lock = ForkSafeLock()


def _parameters(func: object) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(func).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _describe(func: object) -> str:
    try:
        return str(inspect.signature(func))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(unreadable signature)"


def warn_once(cls: type, func: object, part: str, problem: str, consequence: str) -> None:
    """Log, once per ccxt function and process, that *part* of *cls* drifted."""
    key = (func, part)
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    logger.warning(
        "ipwhitelist: %s.%s %s; %s. The client works as it does without ipwhitelist; "
        "upgrade ipwhitelist or report this with your ccxt version (%s).",
        cls.__name__,
        part,
        problem,
        consequence,
        getattr(ccxt, "__version__", "unknown"),
    )


def handle_errors_fits(cls: type, func: object) -> bool:
    """
    Whether ccxt's *func* still takes ``(self, <nine positional parameters>)``.

    The wrapper takes exactly those, positionally, and passes all nine on.
    ``*args``, ``**kwargs`` or any keyword-only parameter mean ccxt may call it
    another way, so it is left unwrapped.
    """
    params = _parameters(func)
    positional = [
        p for p in params or () if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
    ]
    if params is not None and len(params) == len(positional) == HANDLE_ERRORS_ARITY + 1:
        return True
    warn_once(
        cls,
        func,
        "handle_errors",
        f"takes {_describe(func)}, not the {HANDLE_ERRORS_ARITY} positional parameters "
        "ipwhitelist wraps",
        "it is left unwrapped, so IP rejections are typed from ccxt's exception text "
        "only: a rule that needs the HTTP status or a response header (a ban's "
        "Retry-After) may not match",
    )
    return False


def fetch_fits(cls: type, func: object) -> bool:
    """Whether ccxt's ``fetch`` still has the signature the fast guard spells out."""
    params = _parameters(func)
    if params is not None and [(p.name, p.kind, p.default) for p in params] == list(
        FETCH_SIGNATURE
    ):
        return True
    warn_once(
        cls,
        func,
        "fetch",
        f"takes {_describe(func)}, not (self, url, method='GET', headers=None, body=None)",
        "it is guarded through the generic path, which forwards any arguments: typing "
        "is unchanged, each request costs slightly more",
    )
    return False


def fetch2_problem(func: object) -> str | None:
    """
    Why *func* is not ccxt's ``fetch2`` retry loop as `_wrap._fetch2` rebinds it, or None.

    The loop retries ``isinstance(e, OperationFailed)``, the module global being
    ``ccxt.OperationFailed``. The copy runs with a snapshot of ccxt's module
    globals, safe only while every other global it reads is a class, function or
    module (bound once at import).
    """
    if not isinstance(func, types.FunctionType):
        return f"is {func!r}, not a plain function"
    where = f"{func.__module__}.{func.__qualname__}"
    names = func.__code__.co_names
    if "OperationFailed" not in names:
        return f"({where}) does not test OperationFailed: its retry loop changed or moved"
    if func.__globals__.get("OperationFailed") is not ccxt.OperationFailed:
        return f"({where}) tests a global OperationFailed that is not ccxt.OperationFailed"
    for name in names:
        value = func.__globals__.get(name)
        if name in func.__globals__ and not isinstance(
            value, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType)
        ):
            return f"({where}) reads the module global {name!r}, which a copy could leave stale"
    return None


def fetch2_unrecognised(cls: type, func: object, problem: str) -> None:
    """Warn that ccxt's retry loop is kept as is: it may resend a request refused with a ban."""
    warn_once(
        cls,
        func,
        "fetch2",
        problem,
        "ccxt's own fetch2 is kept: if this ccxt retries failed requests "
        "(options['maxRetriesOnFailure']), a request refused with IPBanned may be sent "
        "again, which can extend the ban",
    )


def forget_warnings() -> None:
    """Forget which drifts were reported (tests)."""
    with _warned_lock:
        _warned.clear()
