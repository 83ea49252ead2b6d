"""
Fork safety: what a child process must not inherit from its parent's threads.

``os.fork()`` copies memory but only the thread that called it. A lock that
another thread held at that moment (an egress lookup in flight, a hook
logging) stays held in the child, and the child's first rejection waits for
it forever; a monitor's thread is gone but still looks alive. Preforking
servers (gunicorn, celery, multiprocessing's default on Linux) fork whenever
they like, so every lock and every piece of per-thread state here registers
with this module and is made fresh in the child, as the standard library
does for its own locks (``os.register_at_fork``).
"""

from __future__ import annotations

import os
import random
import threading
import weakref
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["AfterFork", "ForkSafeLock", "ForkSafeRandom", "reset_in_child"]


class AfterFork(Protocol):
    """An object that resets its own per-process state in a forked child."""

    def _after_fork_in_child(self) -> None:
        """Drop what belonged to the parent's threads."""


# Weak: registering must not keep a detector or a monitor alive.
_registered: weakref.WeakSet[AfterFork] = weakref.WeakSet()


def reset_in_child(obj: AfterFork) -> None:
    """Have *obj* reset its state in every child forked from now on."""
    _registered.add(obj)


def _in_child() -> None:  # pragma: no cover - forked child (test_fork)
    # The child has one thread: nothing else touches the set while it is walked.
    for obj in list(_registered):
        obj._after_fork_in_child()


class ForkSafeLock:
    """
    A ``threading.Lock`` that a forked child starts with released.

    Use it as the lock is used: ``with lock:``, or ``acquire()`` and ``release()``.
    """

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_fork)
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Acquire the lock, as ``threading.Lock.acquire``."""
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        """Release the lock."""
        self._lock.release()

    def locked(self) -> bool:
        """Whether the lock is held."""
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()


class ForkSafeRandom(random.Random):
    """
    A private random generator that a forked child reseeds, as `random` does its own.

    Jitter exists so that a fleet of bots does not act in lockstep; forked
    workers drawing the parent's sequence would.
    """

    def __init__(self) -> None:
        super().__init__()
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_fork)
        self.seed()


# Windows has no fork(), hence no register_at_fork: nothing to reset there.
if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_in_child)
