"""
What happens once a rejection is diagnosed: hooks, and the default incident log.

A bot that lost its whitelist fails every private call, often many per second.
The default hook logs one record per *incident* (same exchange, kind, code, IP
and API key, as `_incidents` defines it) and counts the repeats instead of logging each
failed call; a repeat after the quiet window logs again, with the count of what
it suppressed; a signed call that succeeds again closes the incident.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from .fork import ForkSafeLock
from .incidents import DEFAULT_MAX_INCIDENTS, IncidentKey, Incidents, incident_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .diagnosis import Diagnosis

__all__ = [
    "IncidentLog",
    "OnRejectionHook",
    "RejectionCounter",
    "emit",
    "emit_recovery",
    "get_on_rejection_hooks",
    "set_on_rejection_hooks",
]


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


class IncidentLog:
    """
    The default hook: one log record per incident, repeats counted.

    Args:
        window: Seconds during which repeats of an incident are only counted.
        level: Logging level of the records.
        max_incidents: How many incidents are remembered at most; past that,
            the one seen least recently is forgotten (a forgotten incident
            that recurs is logged as a new one). Memory stays bounded however
            many distinct incidents (exchanges, codes, IPs) a process sees.

    Each record carries structured fields in ``extra``: ``ipwhitelist`` (the
    diagnosis as a dict), ``ipwhitelist_incident`` (the incident key) and
    ``ipwhitelist_repeats`` (how many repeats it summarises). When a signed
    call on a wrapped client of that exchange succeeds again, the incident is
    closed with one ``INFO`` record (``ipwhitelist_rejections``: how many
    rejections the incident counted).

    Added in *0.1.0*.
    """

    def __init__(
        self,
        window: float = 300.0,
        level: int = logging.ERROR,
        *,
        max_incidents: int = DEFAULT_MAX_INCIDENTS,
    ) -> None:
        self.level = level
        self._incidents = Incidents(window, max_incidents)

    @property
    def window(self) -> float:
        """Seconds during which repeats of an incident are only counted."""
        return self._incidents.window

    @window.setter
    def window(self, value: float) -> None:
        self._incidents.window = value

    @staticmethod
    def key(diagnosis: Diagnosis) -> IncidentKey:
        """What makes two rejections the same incident."""
        return incident_key(diagnosis)

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Log the first occurrence of an incident, count the rest."""
        occurrence = self._incidents.observe(diagnosis)
        if occurrence is None:
            return
        repeats = occurrence.repeats
        suffix = f" ({repeats} more since the last report)" if repeats else ""
        # Two keys on one exchange are two incidents: the line says which key.
        key = f" [key {diagnosis.key_fingerprint}]" if diagnosis.key_fingerprint else ""
        logger.log(
            self.level,
            "%s%s%s",
            diagnosis.headline,
            key,
            suffix,
            extra={
                "ipwhitelist": diagnosis.to_dict(),
                "ipwhitelist_incident": occurrence.key,
                "ipwhitelist_repeats": repeats,
            },
        )

    def on_recovery(self, exchange: str, key: str | None = None) -> None:
        """Close the incidents of *exchange* and key *key* (a fingerprint): calls work again."""
        for closed in self._incidents.close(exchange, key):
            logger.info(
                "%s: a signed call succeeded again; the incident (%s%s) is over after %d "
                "rejection(s) since %s",
                exchange,
                closed.key[1],
                f", key {closed.key[4]}" if closed.key[4] else "",
                closed.total,
                closed.since.isoformat(timespec="seconds"),
                extra={"ipwhitelist_incident": closed.key, "ipwhitelist_rejections": closed.total},
            )

    def repeats(self, diagnosis: Diagnosis) -> int:
        """How many repeats of this diagnosis's incident are counted but not yet logged."""
        return self._incidents.repeats(diagnosis)


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


# The notifications IPWHITELIST_NOTIFY names join these when the package is
# imported (ipwhitelist/__init__.py: notifications belong to the ops layer).
_hooks: tuple[OnRejectionHook, ...] = (IncidentLog(),)
_hooks_lock = ForkSafeLock()


def set_on_rejection_hooks(hooks: Iterable[OnRejectionHook]) -> None:
    """
    Replace the hooks called for every diagnosed rejection.

    The default is ``[IncidentLog()]`` (plus a `NotifyHook` when the
    environment variable ``IPWHITELIST_NOTIFY`` is set at import); pass ``[]``
    to turn logging off, or add your own (alerting, metrics) beside an
    `IncidentLog`. A hook object may also have an ``on_recovery(exchange, key)``
    method: it is called when a wrapped client of that exchange completes a
    signed request after a rejection (*key*: the `fingerprint` of the client's
    API key, as in `Diagnosis.key_fingerprint`).

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


def emit_recovery(exchange: str, key: str | None) -> None:
    """
    Tell every hook with an ``on_recovery(exchange, key)`` method that calls succeed again.

    Called once per rejected wrapped client, on its first signed request that
    succeeds after the rejection (see `_watch`).
    """
    for hook in _hooks:
        on_recovery = getattr(hook, "on_recovery", None)
        if on_recovery is None:
            continue
        try:
            on_recovery(exchange, key)
        except Exception:
            logger.exception("ipwhitelist: on-recovery hook %r failed", hook)
