"""
The sync and async guards every instrumented callable runs in.

One pair serves `wrap()`'s methods and the `diagnose()` decorator: run the
call; let a rejection that is already typed finish its egress lookup; hand any
other ccxt error to *classify* and raise its verdict from the original, or
re-raise the very same object when it is not an IP rejection.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeAlias

import ccxt

from ..errors import IPRejection
from .mapping import complete_async, complete_sync, needs_egress

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = [
    "Catch",
    "Classifier",
    "Inspector",
    "Raises",
    "guard_async",
    "guard_fetch_async",
    "guard_fetch_sync",
    "guard_returned_async",
    "guard_returned_sync",
    "guard_sync",
]

#: Turns (the call's positional arguments, the ccxt error) into a rejection or None.
Classifier: TypeAlias = "Callable[[tuple[Any, ...], BaseException], IPRejection | None]"
#: The exception classes a guard hands to its classifier (an SDK's own classes too).
Catch: TypeAlias = "type[BaseException] | tuple[type[BaseException], ...]"


def guard_sync(
    fn: Callable[..., Any], classify: Classifier, catch: Catch = ccxt.BaseError
) -> Callable[..., Any]:
    """Wrap a plain callable; *catch* is what may be an IP rejection (ccxt's errors by default)."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IPRejection as exc:
            if needs_egress(exc):
                complete_sync(exc)
            raise
        except catch as exc:
            rejection = classify(args, exc)
            if rejection is None:
                raise
            complete_sync(rejection)
            try:
                # reject() made a redacted stand-in of exc the cause (docs: redaction).
                raise rejection from rejection.__cause__
            finally:
                # The traceback holds this frame: without the del, the frame holds
                # the rejection, a cycle that keeps the client alive until gc runs.
                del rejection

    return guarded


def guard_async(
    fn: Callable[..., Awaitable[Any]], classify: Classifier, catch: Catch = ccxt.BaseError
) -> Callable[..., Any]:
    """Async twin of `guard_sync`: the egress lookup is awaited, never blocking."""

    @functools.wraps(fn)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(*args, **kwargs)
        except IPRejection as exc:
            if needs_egress(exc):
                await complete_async(exc)
            raise
        except catch as exc:
            rejection = classify(args, exc)
            if rejection is None:
                raise
            await complete_async(rejection)
            try:
                # reject() made a redacted stand-in of exc the cause (docs: redaction).
                raise rejection from rejection.__cause__
            finally:
                # The traceback holds this frame: without the del, the frame holds
                # the rejection, a cycle that keeps the client alive until gc runs.
                del rejection

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
        except IPRejection as exc:
            if needs_egress(exc):
                complete_sync(exc)
            raise
        except ccxt.BaseError as exc:
            rejection = classify((self,), exc)
            if rejection is None:
                raise
            complete_sync(rejection)
            try:
                # reject() made a redacted stand-in of exc the cause (docs: redaction).
                raise rejection from rejection.__cause__
            finally:
                # The traceback holds this frame: without the del, the frame holds
                # the rejection, a cycle that keeps the client alive until gc runs.
                del rejection

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
        except IPRejection as exc:
            if needs_egress(exc):
                await complete_async(exc)
            raise
        except ccxt.BaseError as exc:
            rejection = classify((self,), exc)
            if rejection is None:
                raise
            await complete_async(rejection)
            try:
                # reject() made a redacted stand-in of exc the cause (docs: redaction).
                raise rejection from rejection.__cause__
            finally:
                # The traceback holds this frame: without the del, the frame holds
                # the rejection, a cycle that keeps the client alive until gc runs.
                del rejection

    return fetch


# Some SDKs return an exchange's error as data instead of raising it
# (python-okx always, pybit for its ``ignore_codes``). Their guards inspect the
# result: an IP rejection is diagnosed and reported through the hooks either
# way, and raised only when the caller opted in (*raises*), since raising where
# the SDK returns changes what the bot sees.

#: Turns (the call's positional arguments, its result) into a rejection or None.
Inspector: TypeAlias = "Callable[[tuple[Any, ...], Any], IPRejection | None]"
#: Whether the call's rejection is raised rather than only reported.
Raises: TypeAlias = "Callable[[tuple[Any, ...]], bool]"


def guard_returned_sync(
    fn: Callable[..., Any], inspect: Inspector, raises: Raises
) -> Callable[..., Any]:
    """Wrap a callable whose result may be an IP rejection the SDK did not raise."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        rejection = inspect(args, result)
        if rejection is None:
            return result
        complete_sync(rejection)
        if not raises(args):
            return result
        try:
            raise rejection
        finally:
            # As above: the traceback would hold the rejection in a cycle.
            del rejection

    return guarded


def guard_returned_async(
    fn: Callable[..., Awaitable[Any]], inspect: Inspector, raises: Raises
) -> Callable[..., Any]:
    """Async twin of `guard_returned_sync`."""

    @functools.wraps(fn)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        result = await fn(*args, **kwargs)
        rejection = inspect(args, result)
        if rejection is None:
            return result
        await complete_async(rejection)
        if not raises(args):
            return result
        try:
            raise rejection
        finally:
            # As above: the traceback would hold the rejection in a cycle.
            del rejection

    return guarded
