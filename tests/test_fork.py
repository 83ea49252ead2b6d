"""
Fork safety: a child forked while other threads are inside ipwhitelist works.

Each test forks for real while a parent thread is in the middle of something
(an egress lookup holding the detector's lock, every lock the package has held
at once, a running monitor). The child does its work and leaves with
``os._exit``; the parent polls ``waitpid`` and kills a child that is not done
within a generous bound, so a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import types
import warnings
from typing import TYPE_CHECKING

import ccxt
import httpx
import pytest

import ipwhitelist
from helpers import B2015, CannedAdapter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")

BOUND = 15.0  # seconds: generous, only reached on a deadlock
ANSWER = "203.0.113.5"


def fork_and_wait(child: Callable[[], bool]) -> str:
    """Fork; run *child* in the child; return how it ended: "ok", "failed" or "hung"."""
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock
        # the child: that is exactly what these tests check does not happen.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        code = 1
        try:
            code = 0 if child() else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "ok" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "hung"


def provider(
    parent: int, release: threading.Event, entered: threading.Event
) -> httpx.MockTransport:
    """A provider that hangs in the parent until *release*, and answers at once in a child."""

    def handler(_request: httpx.Request) -> httpx.Response:
        if os.getpid() == parent:
            entered.set()
            release.wait(BOUND)
        return httpx.Response(200, content=ANSWER.encode())

    return httpx.MockTransport(handler)


@contextlib.contextmanager
def in_thread(target: Callable[[], object], release: threading.Event) -> Iterator[None]:
    """Run *target* in a thread for the duration; then set *release* and join it."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield
    finally:
        release.set()
        thread.join(BOUND)


def test_child_detects_while_the_parent_lookup_holds_the_lock():
    """A lookup in flight in the parent (holding the detector's lock) does not block the child."""
    release, entered = threading.Event(), threading.Event()
    detector = ipwhitelist.EgressDetector(
        ["https://ip.test/"],
        transport=provider(os.getpid(), release, entered),
        allow_private=True,
        timeout=BOUND,
    )

    def child() -> bool:
        return ANSWER == str(detector.detect().ipv4)

    with in_thread(detector.detect, release):
        assert entered.wait(BOUND)
        outcome = fork_and_wait(child)

    assert "ok" == outcome


def _package_locks() -> list[object]:
    """Every lock reachable from the package's module globals (and one level into them)."""
    found: dict[int, object] = {}

    def consider(value: object) -> None:
        if isinstance(value, type | types.ModuleType):
            return
        if all(hasattr(value, name) for name in ("acquire", "release", "locked")):
            found[id(value)] = value

    for name, module in list(sys.modules.items()):
        if name != "ipwhitelist" and not name.startswith("ipwhitelist."):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type | types.ModuleType):
                continue
            consider(value)
            for item in value if isinstance(value, tuple) else (value,):
                for attr in list(getattr(item, "__dict__", {}).values()):
                    consider(attr)
    return list(found.values())


def test_child_works_while_every_package_lock_is_held():
    """With every lock of the package held by a parent thread, the child wraps, rejects and logs."""
    # Their locks exist once they are imported.
    import ipwhitelist._egress.detector
    import ipwhitelist._ops.monitor

    client = ccxt.binance({"apiKey": "k" * 64, "secret": "s" * 64})
    locks = _package_locks()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        for lock in locks:
            lock.acquire()
        try:
            if all(lock.locked() for lock in locks):
                holding.set()
            release.wait(BOUND)
        finally:
            for lock in reversed(locks):
                lock.release()

    def child() -> bool:
        detector = ipwhitelist.EgressDetector(
            ["https://ip.test/"],
            transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=b"203.0.113.5")),
            allow_private=True,
        )
        ipwhitelist.set_on_rejection_hooks(
            [ipwhitelist.IncidentLog(), ipwhitelist.RejectionCounter()]
        )
        ipwhitelist.wrap(client, egress=detector, whitelist=["198.51.100.0/24"], family=4)
        # After wrap(): the canned answer replaces the pinned adapters.
        client.session.adapters = {"https://": CannedAdapter(401, B2015)}
        egress: tuple[object, ...] = ()
        try:
            client.fetch_balance()
        except ipwhitelist.IPNotWhitelisted as exc:
            egress = exc.diagnosis.egress_ips
        ipwhitelist.unwrap(client)
        return (ANSWER,) == tuple(map(str, egress))

    with in_thread(hold, release):
        assert holding.wait(BOUND)
        outcome = fork_and_wait(child)

    assert len(locks) >= 5
    assert "ok" == outcome


def test_child_can_start_the_monitor_the_parent_runs():
    """A monitor running in the parent is stopped in the child, which may start its own."""
    detector = ipwhitelist.EgressDetector(
        ["https://ip.test/"],
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=ANSWER.encode())),
        allow_private=True,
    )
    monitor = ipwhitelist.EgressMonitor(detector, interval=60)

    def child() -> bool:
        checks = monitor.checks
        monitor.start()
        deadline = time.monotonic() + BOUND
        while monitor.checks == checks and time.monotonic() < deadline:
            time.sleep(0.01)
        monitor.stop()
        return monitor.checks > checks

    with monitor:
        outcome = fork_and_wait(child)

    assert "ok" == outcome


def test_child_draws_its_own_jitter():
    """The monitor's scheduling jitter differs between parent and child (no fleet in lockstep)."""
    from ipwhitelist._ops import monitor as _monitor

    read, write = os.pipe()

    def child() -> bool:
        os.write(write, repr(_monitor._JITTER.random()).encode())
        return True

    outcome = fork_and_wait(child)
    os.close(write)
    with os.fdopen(read) as pipe:
        drawn_in_child = float(pipe.read())

    assert "ok" == outcome
    assert _monitor._JITTER.random() != drawn_in_child


def test_child_builds_its_own_tls_context():
    """The egress lookups' shared TLS context is the parent's alone: a child builds its own."""
    from ipwhitelist._egress import tls

    parents = tls.tls_context()

    def child() -> bool:
        own = tls.tls_context()
        return own is not parents and own is tls.tls_context()

    outcome = fork_and_wait(child)

    assert "ok" == outcome
    assert parents is tls.tls_context()
