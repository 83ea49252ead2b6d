"""
The sync and async guards every instrumented callable runs in, and the one raise path.

A guard runs the call; on an error it hands over to `typed_sync` /
`typed_async`, which let a rejection that is already typed finish its egress
lookup, or classify the error and finish the verdict's. `throw` then raises the
typed rejection from its redacted cause; it is the only place that raises an
`IPRejection` made from an exchange's error. When there is none, the guard's
bare ``raise`` re-raises the very same object, its traceback untouched.

The guards never hold the rejection in a local variable: the traceback of a
raised exception holds every frame it passed, and a frame holding the
exception is a reference cycle that keeps the client alive until the garbage
collector runs. Only `throw` holds it, and drops it as it raises.
"""

from __future__ import annotations

import asyncio
import functools
import keyword
import linecache
import types
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import ccxt

from ..errors import IPRejection
from .mapping import complete_async, complete_sync

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = [
    "Catch",
    "Classifier",
    "Inspector",
    "Look",
    "Raises",
    "guard_async",
    "guard_fetch_async",
    "guard_fetch_sync",
    "guard_returned_async",
    "guard_returned_sync",
    "guard_sync",
    "returned_async",
    "returned_sync",
    "spelled",
    "throw",
    "typed_async",
    "typed_sync",
]

#: Turns (the call's positional arguments, the ccxt error) into a rejection or None.
Classifier: TypeAlias = "Callable[[tuple[Any, ...], BaseException], IPRejection | None]"
#: The exception classes a guard hands to its classifier (an SDK's own classes too).
Catch: TypeAlias = "type[BaseException] | tuple[type[BaseException], ...]"


def throw(rejection: IPRejection | None) -> None:
    """Raise *rejection* from its redacted cause, keeping no reference to it; return for None."""
    if rejection is None:
        return
    try:
        # reject() made a redacted stand-in of the original the cause (docs: redaction).
        raise rejection from rejection.__cause__
    finally:
        # The traceback holds this frame: without the del, the frame holds the
        # rejection, a cycle that keeps the client alive until gc runs.
        del rejection


def typed_sync(
    exc: BaseException, classify: Classifier, args: tuple[Any, ...]
) -> IPRejection | None:
    """
    The rejection to raise for *exc*, its egress looked up; ``None``: re-raise *exc* itself.

    A rejection an inner layer already typed only gets its egress lookup.
    """
    if isinstance(exc, IPRejection):
        complete_sync(exc)
        return None
    rejection = classify(args, exc)
    if rejection is not None:
        complete_sync(rejection)
    return rejection


async def typed_async(
    exc: BaseException, classify: Classifier, args: tuple[Any, ...]
) -> IPRejection | None:
    """Async twin of `typed_sync`: the egress lookup is awaited, never blocking."""
    if isinstance(exc, IPRejection):
        await complete_async(exc)
        return None
    rejection = classify(args, exc)
    if rejection is not None:
        await complete_async(rejection)
    return rejection


def guard_sync(
    fn: Callable[..., Any], classify: Classifier, catch: Catch = ccxt.BaseError
) -> Callable[..., Any]:
    """Wrap a plain callable; *catch* is what may be an IP rejection (ccxt's errors by default)."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except catch as exc:
            throw(typed_sync(exc, classify, args))
            raise

    return guarded


def guard_async(
    fn: Callable[..., Awaitable[Any]], classify: Classifier, catch: Catch = ccxt.BaseError
) -> Callable[..., Any]:
    """Async twin of `guard_sync`: the egress lookup is awaited, never blocking."""

    @functools.wraps(fn)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(*args, **kwargs)
        except catch as exc:
            throw(await typed_async(exc, classify, args))
            raise

    return guarded


# ccxt's fetch() is the one method every REST call goes through. Its guards
# spell out ccxt's signature instead of forwarding *args/**kwargs: packing the
# arguments costs more than the rest of the guard (measured in benchmarks/).


def guard_fetch_sync(fn: Callable[..., Any], classify: Classifier) -> Callable[..., Any]:
    """`guard_sync` for ``fetch(url, method, headers, body)``."""

    @functools.wraps(fn)
    def fetch(
        self: Any, url: Any, method: Any = "GET", headers: Any = None, body: Any = None
    ) -> Any:
        try:
            return fn(self, url, method, headers, body)
        except ccxt.BaseError as exc:
            throw(typed_sync(exc, classify, (self,)))
            raise

    return fetch


def guard_fetch_async(
    fn: Callable[..., Awaitable[Any]], classify: Classifier
) -> Callable[..., Any]:
    """`guard_async` for ``fetch(url, method, headers, body)``."""

    @functools.wraps(fn)
    async def fetch(
        self: Any, url: Any, method: Any = "GET", headers: Any = None, body: Any = None
    ) -> Any:
        try:
            return await fn(self, url, method, headers, body)
        except ccxt.BaseError as exc:
            throw(await typed_async(exc, classify, (self,)))
            raise

    return fetch


# Some SDKs return an exchange's error as data instead of raising it
# (python-okx always, pybit for its ``ignore_codes``). Their guards inspect the
# result: an IP rejection is diagnosed and reported through the hooks either
# way, and raised only when the caller opted in (*raises*), since raising where
# the SDK returns changes what the bot sees.

#: Looks at (the client, the call's result): what describes a returned error, or None.
#: It is the only check made on the success path, so it is called directly.
Look: TypeAlias = "Callable[[Any, Any], object]"
#: Turns (the call's positional arguments, what `Look` found) into a rejection or None.
Inspector: TypeAlias = "Callable[[tuple[Any, ...], Any], IPRejection | None]"
#: Whether the call's rejection is raised rather than only reported.
Raises: TypeAlias = "Callable[[tuple[Any, ...]], bool]"


def returned_sync(
    rejection: IPRejection | None, raises: Raises, args: tuple[Any, ...]
) -> IPRejection | None:
    """Report a rejection returned as data; return it when the caller wants it raised."""
    if rejection is None:
        return None
    complete_sync(rejection)
    return rejection if raises(args) else None


async def returned_async(
    rejection: IPRejection | None, raises: Raises, args: tuple[Any, ...]
) -> IPRejection | None:
    """Async twin of `returned_sync`."""
    if rejection is None:
        return None
    await complete_async(rejection)
    return rejection if raises(args) else None


# One guard does both jobs when a method is guarded for raised errors too
# (*classify*): nested guards would be two extra frames on every successful
# call, and on the success path only *look* runs (measured in benchmarks/).


def guard_returned_sync(  # noqa: PLR0917 - the two guards' parameters
    fn: Callable[..., Any],
    look: Look,
    inspect: Inspector,
    raises: Raises,
    classify: Classifier | None = None,
    catch: Catch = (),
) -> Callable[..., Any]:
    """
    Wrap a callable whose result may be an IP rejection the SDK did not raise.

    With *classify*, what it raises of *catch* is handled as `guard_sync` does.
    """
    if classify is None:
        catch = ()

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except catch as exc:
            throw(typed_sync(exc, classify, args))  # type: ignore[arg-type]
            raise
        found = look(args[0], result)
        if found is not None:
            throw(returned_sync(inspect(args, found), raises, args))
        return result

    return guarded


def guard_returned_async(  # noqa: PLR0917 - the two guards' parameters
    fn: Callable[..., Awaitable[Any]],
    look: Look,
    inspect: Inspector,
    raises: Raises,
    classify: Classifier | None = None,
    catch: Catch = (),
) -> Callable[..., Any]:
    """Async twin of `guard_returned_sync`."""
    if classify is None:
        catch = ()

    @functools.wraps(fn)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            result = await fn(*args, **kwargs)
        except catch as exc:
            throw(await typed_async(exc, classify, args))  # type: ignore[arg-type]
            raise
        found = look(args[0], result)
        if found is not None:
            throw(await returned_async(inspect(args, found), raises, args))
        return result

    return guarded


# An SDK's choke point is called with its own signature; a guard that takes
# (*args, **kwargs) and calls on with them makes CPython pack the arguments
# and run both calls as fresh C-level calls, about 1 % of python-okx's
# success path (measured in benchmarks/). `spelled` writes the guard out with
# the SDK function's own parameters, as `guard_fetch_sync` does for ccxt.

_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08
_PREFIX = "_ipwhitelist_"

_BODIES = {
    "raised": """
    try:
        return {wait}{p}fn({call})
    except {p}catch as {p}exc:
        {p}throw({wait}{p}typed({p}exc, {p}classify, ({first},)))
        raise
""",
    "returned": """
    try:
        {p}result = {wait}{p}fn({call})
    except {p}catch as {p}exc:
        {p}throw({wait}{p}typed({p}exc, {p}classify, ({first},)))
        raise
    {p}found = {p}look({first}, {p}result)
    if {p}found is not None:
        {p}throw({wait}{p}returned({p}inspect(({first},), {p}found), {p}raises, ({first},)))
    return {p}result
""",
}


def _parameters(fn: Any) -> tuple[str, str, str] | None:
    """*fn*'s parameter list and the call passing them on, as source, and its first name."""
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code is None or not code.co_argcount:
        return None
    names = code.co_varnames
    count, kwonly = code.co_argcount, code.co_kwonlyargcount
    positional, named = names[:count], names[count : count + kwonly]
    rest = iter(names[count + kwonly :])
    star = next(rest) if code.co_flags & _CO_VARARGS else None
    stars = next(rest) if code.co_flags & _CO_VARKEYWORDS else None
    every = (*positional, *named, star or "", stars or "", fn.__name__)
    if any(
        n and (not n.isidentifier() or keyword.iskeyword(n) or n.startswith(_PREFIX)) for n in every
    ):
        return None
    params = list(positional)
    if code.co_posonlyargcount:
        params.insert(code.co_posonlyargcount, "/")
    call = list(positional)
    if star:
        params.append(f"*{star}")
        call.append(f"*{star}")
    elif named:
        params.append("*")
    params += named
    call += [f"{k}={k}" for k in named]
    if stars:
        params.append(f"**{stars}")
        call.append(f"**{stars}")
    return ", ".join(params), ", ".join(call), positional[0]


def spelled(
    fn: Callable[..., Any],
    kind: str,
    *,
    classify: Classifier | None,
    catch: Catch,
    look: Look | None = None,
    inspect: Inspector | None = None,
    raises: Raises | None = None,
) -> Callable[..., Any] | None:
    """
    A guard of *fn* written out with *fn*'s own parameters, or None.

    *kind* "raised" is `guard_sync`/`guard_async`, "returned"
    `guard_returned_sync`/`guard_returned_async`. None: *fn* is not a plain
    function with a positional parameter (the caller uses the generic guard).

    Defaults are *fn*'s own (``__defaults__``, ``__kwdefaults__``), so a call
    binds exactly as the SDK's function would, with the same errors.
    """
    found = _parameters(fn)
    if found is None:
        return None
    params, call, first = found
    is_async = asyncio.iscoroutinefunction(fn)
    p = _PREFIX
    body = _BODIES[kind].format(p=p, call=call, first=first, wait="await " if is_async else "")
    handlers = {
        "fn": fn,
        "catch": catch if classify is not None else (),
        "classify": classify,
        "throw": throw,
        "typed": typed_async if is_async else typed_sync,
        "look": look,
        "inspect": inspect,
        "raises": raises,
        "returned": returned_async if is_async else returned_sync,
    }
    source = (
        f"def {p}make({', '.join(p + k for k in handlers)}):\n"
        f"  {'async ' if is_async else ''}def {fn.__name__}({params}):{body}"
        f"  return {fn.__name__}\n"
    )
    # A file name under the package, and the source in linecache: tracebacks
    # show the guard's lines, and the frames count as ipwhitelist's.
    filename = f"{__file__[: -len('.py')]}<{fn.__qualname__}>.py"
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own template
    except SyntaxError:  # a name _parameters let through: the generic guard then
        return None
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    guarded: Callable[..., Any] = namespace[f"{p}make"](*handlers.values())
    original = cast("types.FunctionType", fn)
    made = cast("types.FunctionType", guarded)
    made.__defaults__ = original.__defaults__
    made.__kwdefaults__ = original.__kwdefaults__
    return functools.wraps(fn)(guarded)
