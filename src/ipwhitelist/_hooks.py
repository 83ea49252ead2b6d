"""
What happens once a rejection is diagnosed: hooks, and the default incident log.

A bot that lost its whitelist fails every private call, often many per second.
The default hook logs one record per *incident* (same exchange, kind, code and
IP) and counts the repeats instead of logging each failed call; a repeat after
the quiet window logs again, with the count of what it suppressed.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Protocol

from ._fork import ForkSafeLock

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._diagnosis import Diagnosis, IPAddress

logger = logging.getLogger("ipwhitelist")


class OnRejectionHook(Protocol):
    """
    Called with every finished `Diagnosis`: alerting, metrics, custom logging.

    Hooks run in the thread (or event loop) of the failing call, so keep them
    quick; an exception in a hook is logged and swallowed, never raised into
    the bot.

    Added in *0.1.0*.
    """

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Handle one diagnosed rejection."""


def incident_ip(diagnosis: Diagnosis) -> IPAddress | None:
    """The address a rejection is about: the one the exchange saw, else the first egress IP."""
    return diagnosis.reported_ip or (diagnosis.egress_ips[0] if diagnosis.egress_ips else None)


class IncidentLog:
    """
    The default hook: one log record per incident, repeats counted.

    Args:
        window: Seconds during which repeats of an incident are only counted.
        level: Logging level of the records.

    Each record carries structured fields in ``extra``: ``ipwhitelist`` (the
    diagnosis as a dict), ``ipwhitelist_incident`` (the incident key) and
    ``ipwhitelist_repeats`` (how many repeats it summarises).

    Added in *0.1.0*.
    """

    def __init__(self, window: float = 300.0, level: int = logging.ERROR) -> None:
        self.window = window
        self.level = level
        self._lock = ForkSafeLock()
        # incident key -> (logged at, repeats since)
        self._seen: dict[tuple[str, str, str | None, str | None], tuple[float, int]] = {}

    @staticmethod
    def key(diagnosis: Diagnosis) -> tuple[str, str, str | None, str | None]:
        """What makes two rejections the same incident."""
        ip = incident_ip(diagnosis)
        return (diagnosis.exchange, diagnosis.kind, diagnosis.code, str(ip) if ip else None)

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Log the first occurrence of an incident, count the rest."""
        key = self.key(diagnosis)
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen[0] < self.window:
                self._seen[key] = (seen[0], seen[1] + 1)
                return
            repeats = seen[1] if seen is not None else 0
            self._seen[key] = (now, 0)
        suffix = f" ({repeats} more since the last report)" if repeats else ""
        logger.log(
            self.level,
            "%s%s",
            diagnosis.headline,
            suffix,
            extra={
                "ipwhitelist": diagnosis.to_dict(),
                "ipwhitelist_incident": key,
                "ipwhitelist_repeats": repeats,
            },
        )

    def repeats(self, diagnosis: Diagnosis) -> int:
        """How many repeats of this diagnosis's incident are counted but not yet logged."""
        with self._lock:
            seen = self._seen.get(self.key(diagnosis))
        return seen[1] if seen is not None else 0


class RejectionCounter:
    """
    A hook that counts rejections by ``(exchange, kind)``, for metrics.

    Read `counts` from your metrics exporter (Prometheus, StatsD, …), or
    subclass and override `__call__` to forward each rejection directly.

    Added in *0.1.0*.
    """

    def __init__(self) -> None:
        self._lock = ForkSafeLock()
        self._counts: dict[tuple[str, str], int] = {}

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Count one rejection."""
        key = (diagnosis.exchange, diagnosis.kind)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    @property
    def counts(self) -> dict[tuple[str, str], int]:
        """A snapshot of the counts so far."""
        with self._lock:
            return dict(self._counts)


_hooks: tuple[OnRejectionHook, ...] = (IncidentLog(),)
_hooks_lock = ForkSafeLock()


def set_on_rejection_hooks(hooks: Iterable[OnRejectionHook]) -> None:
    """
    Replace the hooks called for every diagnosed rejection.

    The default is ``[IncidentLog()]``; pass ``[]`` to turn logging off, or add
    your own (alerting, metrics) beside an `IncidentLog`.

    Added in *0.1.0*.
    """
    global _hooks  # noqa: PLW0603 - process-wide switch, like logging's config
    new = tuple(hooks)
    for hook in new:
        if not callable(hook):
            raise TypeError(f"hooks must be callables taking a Diagnosis, not {hook!r}")
    with _hooks_lock:
        _hooks = new


def get_on_rejection_hooks() -> tuple[OnRejectionHook, ...]:
    """
    Return the hooks currently called for every diagnosed rejection.

    Added in *0.1.0*.
    """
    return _hooks


def emit(diagnosis: Diagnosis) -> None:
    """Call every hook; a failing hook is logged and never breaks the caller."""
    for hook in _hooks:
        try:
            hook(diagnosis)
        except Exception:
            logger.exception("ipwhitelist: on-rejection hook %r failed", hook)
