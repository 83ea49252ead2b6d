"""
What an *incident* is, for every hook that reports rejections to a person.

A bot that lost its whitelist fails every private call, often many per
second. `IncidentLog` (one log record) and `NotifyHook` (one message) both
report the first rejection of an incident, count the repeats, report again
with the count when the incident recurs after a quiet window, and close the
incident when a signed call with that API key succeeds again. This module is
that bookkeeping, in one place.

It is bounded: at most *max_incidents* incidents are remembered; past that
the one seen least recently is forgotten (if it recurs, it is reported as a
new incident). A host whose egress changes constantly cannot grow it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, TypeAlias

import attrs

from .diagnosis import given_of
from .fork import ForkSafeLock

if TYPE_CHECKING:
    from datetime import datetime

    from .diagnosis import Diagnosis, IPAddress

__all__ = [
    "DEFAULT_MAX_INCIDENTS",
    "Closed",
    "IncidentKey",
    "Incidents",
    "Occurrence",
    "incident_ip",
    "incident_key",
]

#: (exchange, kind, code, IP, API key fingerprint): what makes two rejections the
#: same incident. Two keys on one exchange are two incidents: each has its own
#: whitelist, and one key working again says nothing about the other.
IncidentKey: TypeAlias = tuple[str, str, str | None, str | None, str | None]

DEFAULT_MAX_INCIDENTS = 1000


def incident_ip(diagnosis: Diagnosis) -> IPAddress | None:
    """The address a rejection is about: the one the exchange saw, else the first egress IP."""
    return diagnosis.reported_ip or (diagnosis.egress_ips[0] if diagnosis.egress_ips else None)


def incident_key(diagnosis: Diagnosis) -> IncidentKey:
    """What makes two rejections the same incident."""
    given = given_of(diagnosis)
    if given is None:
        return _incident_key(diagnosis)
    # A repeated rejection's diagnoses share their given fields: the key is worked
    # out once, and the fields of a diagnosis nobody reads are never set.
    key = given.incident
    if key is None:
        key = given.incident = _incident_key(diagnosis)
    return key  # type: ignore[return-value]


def _incident_key(diagnosis: Diagnosis) -> IncidentKey:
    ip = incident_ip(diagnosis)
    return (
        diagnosis.exchange,
        diagnosis.kind,
        diagnosis.code,
        str(ip) if ip else None,
        diagnosis.key_fingerprint,
    )


@attrs.frozen(kw_only=True)
class Occurrence:
    """A rejection that is due to be reported (the others are only counted)."""

    key: IncidentKey
    #: Repeats counted since the previous report (0 for a new incident).
    repeats: int
    #: Rejections in this incident so far, this one included.
    total: int
    #: When the incident began (the first rejection's diagnosis time).
    since: datetime

    @property
    def new(self) -> bool:
        """Whether this is the incident's first report (not a recurrence after the window)."""
        return self.total == 1


@attrs.frozen(kw_only=True)
class Closed:
    """An incident closed because a signed call with its key succeeded again."""

    key: IncidentKey
    total: int
    since: datetime


class _Entry:
    __slots__ = ("repeats", "reported", "since", "total")

    def __init__(self, reported: float, since: datetime) -> None:
        self.reported = reported  # time.monotonic() of the last report
        self.repeats = 0  # counted since that report
        self.total = 1
        self.since = since


class Incidents:
    """
    The open incidents, their repeat counts and report times (thread-safe, bounded).

    Args:
        window: Seconds after a report during which repeats are only counted.
        max_incidents: How many incidents are remembered at most.
    """

    def __init__(self, window: float = 300.0, max_incidents: int = DEFAULT_MAX_INCIDENTS) -> None:
        if max_incidents < 1:
            raise ValueError("max_incidents must be at least 1")
        self.window = window
        self.max_incidents = max_incidents
        self._lock = ForkSafeLock()
        # Least recently seen first: eviction pops from the front.
        self._open: OrderedDict[IncidentKey, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def observe(self, diagnosis: Diagnosis) -> Occurrence | None:
        """Record one rejection; return what to report, or ``None`` when it is only counted."""
        key = incident_key(diagnosis)
        now = time.monotonic()
        with self._lock:
            entry = self._open.get(key)
            if entry is None:
                self._open[key] = _Entry(now, diagnosis.at)
                if len(self._open) > self.max_incidents:
                    self._open.popitem(last=False)
                return Occurrence(key=key, repeats=0, total=1, since=diagnosis.at)
            self._open.move_to_end(key)
            entry.total += 1
            if now - entry.reported < self.window:
                entry.repeats += 1
                return None
            repeats, entry.repeats, entry.reported = entry.repeats, 0, now
            return Occurrence(key=key, repeats=repeats, total=entry.total, since=entry.since)

    def repeats(self, diagnosis: Diagnosis) -> int:
        """How many repeats of this diagnosis's incident are counted but not yet reported."""
        with self._lock:
            entry = self._open.get(incident_key(diagnosis))
        return entry.repeats if entry is not None else 0

    def close(self, exchange: str, key: str | None = None) -> list[Closed]:
        """
        Forget the open incidents of *exchange* and API key *key*, returning them (oldest first).

        *key* is the key's fingerprint; incidents whose key is unknown (a
        rejection diagnosed without its client) close with any key of the
        exchange, and *key* ``None`` closes every incident of the exchange.
        """
        with self._lock:
            keys = [
                k for k in self._open if k[0] == exchange and (key is None or k[4] in (key, None))
            ]
            entries = [(key, self._open.pop(key)) for key in keys]
        entries.sort(key=lambda item: item[1].since)
        return [Closed(key=key, total=entry.total, since=entry.since) for key, entry in entries]
