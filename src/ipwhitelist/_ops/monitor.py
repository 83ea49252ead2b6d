"""
Watch the egress IP and warn when it changes, before orders start failing.

A thread (`EgressMonitor.start` / ``with``) or an asyncio task
(``async with``) re-detects the egress every *interval* seconds (with jitter,
so a fleet of bots does not ask the providers in lockstep) and reports a
change to callbacks and to the ``ipwhitelist`` logger, saying whether the new
address is on the documented whitelist.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

import attrs

from .._core.diagnosis import IPAddress, to_ips
from .._core.fork import ForkSafeRandom, reset_in_child
from .._egress.detector import EgressDetector
from .._whitelist.whitelist import documented_for, to_whitelist

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .._egress.report import EgressReport
    from .._whitelist.whitelist import WhitelistLike

__all__ = ["EgressChange", "EgressMonitor"]

logger = logging.getLogger("ipwhitelist")
_JITTER = ForkSafeRandom()  # scheduling jitter, not cryptography


@attrs.frozen(kw_only=True)
class EgressChange:
    """
    The egress IPs changed.

    Attributes:
        old: The addresses before (empty on the first successful detection).
        new: The addresses now.
        whitelisted: Whether every new address is on the documented whitelist;
            ``None`` without a whitelist.
        at: When the change was seen (UTC).

    Added in *0.1.0*.
    """

    old: tuple[IPAddress, ...] = attrs.field(converter=to_ips)
    new: tuple[IPAddress, ...] = attrs.field(converter=to_ips)
    whitelisted: bool | None = None
    at: datetime = attrs.field(factory=lambda: datetime.now(UTC))

    def __str__(self) -> str:
        listed = {
            True: "on the documented whitelist",
            False: "NOT on the documented whitelist: private calls will fail",
            None: "no documented whitelist to compare with",
        }[self.whitelisted]
        old = ", ".join(map(str, self.old)) or "unknown"
        new = ", ".join(map(str, self.new))
        return f"egress IP changed from {old} to {new} ({listed})"


class EgressMonitor:
    """
    Re-detect the egress IP periodically and report changes.

    Args:
        detector: The `EgressDetector` to use (default: a new one with the
            default providers).
        interval: Seconds between checks.
        jitter: Fraction of *interval* by which each wait varies.
        whitelist: The documented whitelist (as for `wrap`), to say whether a
            new address is allowed.
        exchange: The exchange id passed to the whitelist's ``allows``, or
            the ccxt client: with a registry, the entry of the client's key
            counts (by `Registry.for_client`); given only an id, the
            exchange's only entry. No entry: ``whitelisted`` is ``None``.
        on_change: Callables receiving each `EgressChange`; their exceptions
            are logged, never raised.
        proxy: Detect through this proxy (as the exchange client does).

    Use it as ``with EgressMonitor(...):`` (a daemon thread) or
    ``async with EgressMonitor(...):`` (a task on the running loop); both stop
    the watcher on exit. A process forked while the thread runs (a preforking
    server's worker) gets the monitor stopped: the thread is not copied into
    the child, which may `start` its own.

    Added in *0.1.0*.
    """

    def __init__(
        self,
        detector: EgressDetector | None = None,
        *,
        interval: float = 60.0,
        jitter: float = 0.1,
        whitelist: WhitelistLike | None = None,
        exchange: str | object = "",
        on_change: Iterable[Callable[[EgressChange], Any]] = (),
        proxy: str | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        self.detector = detector or EgressDetector()
        self.interval = interval
        self.jitter = jitter
        # A registry counts only through the entry of the key in use (one rule).
        self.whitelist = documented_for(to_whitelist(whitelist), exchange)
        exchange_id = exchange if isinstance(exchange, str) else getattr(exchange, "id", "")
        self.exchange = exchange_id if isinstance(exchange_id, str) else ""
        self.on_change = tuple(on_change)
        self.proxy = proxy
        self.current: tuple[IPAddress, ...] = ()
        self.checks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_fork)
        # The watching thread was not copied into the child: the monitor is
        # stopped there, and the child may start its own.
        self._stop = threading.Event()
        self._thread = None

    # -- one check (shared logic) -----------------------------------------------

    def _observe(self, report: EgressReport) -> EgressChange | None:
        self.checks += 1
        new = report.ips
        if not new:
            logger.debug("ipwhitelist: egress check found no address: %s", report.errors)
            return None
        if set(new) == set(self.current):
            return None
        whitelisted = None
        if self.whitelist is not None:
            whitelisted = all(self.whitelist.allows(self.exchange, ip) for ip in new)
        change = EgressChange(old=self.current, new=new, whitelisted=whitelisted)
        self.current = new
        level = logging.INFO if not change.old and whitelisted is not False else logging.WARNING
        logger.log(
            level,
            "%s",
            change,
            extra={
                "ipwhitelist_egress_old": [str(ip) for ip in change.old],
                "ipwhitelist_egress_new": [str(ip) for ip in change.new],
                "ipwhitelist_whitelisted": whitelisted,
            },
        )
        for callback in self.on_change:
            try:
                callback(change)
            except Exception:
                logger.exception("ipwhitelist: egress change callback %r failed", callback)
        return change

    def check(self) -> EgressChange | None:
        """Detect now (blocking, bounded); return the change, if any."""
        self.detector.invalidate()
        return self._observe(self.detector.detect(self.proxy))

    async def acheck(self) -> EgressChange | None:
        """Async twin of `check`."""
        self.detector.invalidate()
        return self._observe(await self.detector.adetect(self.proxy))

    def _wait(self) -> float:
        return self.interval * (1 + _JITTER.uniform(-self.jitter, self.jitter))

    # -- thread -------------------------------------------------------------------

    def start(self) -> Self:
        """Start watching in a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("the monitor is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ipwhitelist-monitor", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:
                logger.exception("ipwhitelist: egress check failed")
            self._stop.wait(self._wait())

    def stop(self) -> None:
        """Stop the thread and wait for it (at most the detector's budget)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.detector.timeout + 1)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- asyncio ------------------------------------------------------------------

    async def _arun(self) -> None:
        while True:
            try:
                await self.acheck()
            except Exception:
                logger.exception("ipwhitelist: egress check failed")
            await asyncio.sleep(self._wait())

    async def __aenter__(self) -> Self:
        if self._task is not None:
            raise RuntimeError("the monitor is already running")
        self._task = asyncio.ensure_future(self._arun())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
