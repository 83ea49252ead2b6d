"""The egress monitor: early warning before orders fail."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time

import pytest

import ipwhitelist
from ipwhitelist._testing.fake import FakeServer, Reply


@pytest.fixture
def flipping():
    """A loopback provider whose answer the test changes."""
    state = {"ip": "198.51.100.1"}
    with FakeServer(default=lambda r: Reply(body=state["ip"])) as server:
        yield server, state


def monitor(server, **kw):
    detector = ipwhitelist.EgressDetector([f"{server.url}/ip"], allow_private=True, timeout=1)
    return ipwhitelist.EgressMonitor(detector, interval=0.05, jitter=0.2, **kw)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class TestThread:
    def test_detects_a_change_and_says_whether_it_is_whitelisted(self, flipping, caplog):
        """The first answer, then a flip to an address off the list, reach the callbacks."""
        server, state = flipping
        changes = []

        with (
            caplog.at_level(logging.INFO, logger="ipwhitelist"),
            monitor(server, whitelist=["198.51.100.1"], on_change=[changes.append]),
        ):
            wait_for(lambda: len(changes) == 1)
            state["ip"] = "203.0.113.99"
            wait_for(lambda: len(changes) == 2)

        first, second = changes
        assert ((), ("198.51.100.1",), True) == (
            first.old,
            tuple(map(str, first.new)),
            first.whitelisted,
        )
        assert (("198.51.100.1",), ("203.0.113.99",), False) == (
            tuple(map(str, second.old)),
            tuple(map(str, second.new)),
            second.whitelisted,
        )
        assert "NOT on the documented whitelist" in caplog.text
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert ["203.0.113.99"] == warnings[-1].ipwhitelist_egress_new

    def test_no_change_no_callback(self, flipping):
        """Repeated identical answers are one change (the first detection) only."""
        server, _ = flipping
        changes = []

        with monitor(server, on_change=[changes.append]) as m:
            wait_for(lambda: m.checks >= 5)

        assert 1 == len(changes)

    def test_no_leaked_thread(self, flipping):
        """Leaving the context stops and joins the thread."""
        server, _ = flipping
        before = set(threading.enumerate())

        with monitor(server) as m:
            wait_for(lambda: m.checks >= 2)

        # The monitor's own thread is joined on exit ...
        assert not any(t.name == "ipwhitelist-monitor" for t in threading.enumerate())
        # ... while a provider lookup the race no longer needed is abandoned by
        # design (a daemon thread) and the fake provider serves each connection
        # in a thread of its own: under load either may still be finishing.
        # Both end on their own, within the lookup budget.
        wait_for(lambda: not set(threading.enumerate()) - before)

    def test_failing_callback_does_not_stop_the_watch(self, flipping, caplog):
        """A callback that raises is logged; the monitor keeps checking."""
        server, state = flipping
        seen = []

        def broken(change):
            raise RuntimeError("slack is down")

        with (
            caplog.at_level(logging.ERROR, logger="ipwhitelist"),
            monitor(server, on_change=[broken, seen.append]),
        ):
            wait_for(lambda: len(seen) == 1)
            state["ip"] = "198.51.100.2"
            wait_for(lambda: len(seen) == 2)

        assert "slack is down" in caplog.text

    def test_mapped_and_scoped_answers(self, flipping):
        """::ffff:a.b.c.d is the IPv4 egress a.b.c.d; an answer with a scope id is no change."""
        server, state = flipping
        state["ip"] = "::ffff:198.51.100.1"
        m = monitor(server, whitelist=["198.51.100.1"], exchange="binance")

        change = m.check()
        state["ip"] = "198.51.100.1"
        same = m.check()
        state["ip"] = "2001:db8::1%eth0"
        scoped = m.check()

        assert change is not None
        assert ((ipaddress.ip_address("198.51.100.1"),), True) == (change.new, change.whitelisted)
        assert (None, None) == (same, scoped)
        assert (ipaddress.ip_address("198.51.100.1"),) == m.current

    def test_change_addresses_are_unmapped(self):
        """EgressChange takes ::ffff:a.b.c.d as a.b.c.d and refuses a scope id."""
        change = ipwhitelist.EgressChange(old=["::ffff:198.51.100.1"], new=["198.51.100.1"])

        assert change.old == change.new
        with pytest.raises(ValueError, match="scope"):
            ipwhitelist.EgressChange(old=(), new=["fe80::1%eth0"])

    def test_network_down_is_not_a_change(self):
        """A check that finds nothing reports no change."""
        detector = ipwhitelist.EgressDetector(["http://127.0.0.1:9/ip"], timeout=0.3)
        m = ipwhitelist.EgressMonitor(detector, interval=1)

        assert m.check() is None
        assert () == m.current

    def test_bad_arguments(self):
        """interval must be positive, jitter in [0, 1), and it cannot start twice."""
        with pytest.raises(ValueError, match="interval"):
            ipwhitelist.EgressMonitor(interval=0)
        with pytest.raises(ValueError, match="jitter"):
            ipwhitelist.EgressMonitor(jitter=1.5)


@pytest.mark.asyncio
async def test_async_monitor_detects_a_change(flipping):
    """async with runs the watcher as a task and cancels it on exit."""
    import asyncio

    server, state = flipping
    changes = []
    arrived = asyncio.Event()

    def record(change):
        changes.append(change)
        arrived.set()

    async with monitor(server, on_change=[record]) as m:
        await asyncio.wait_for(arrived.wait(), 5)
        arrived.clear()
        state["ip"] = "198.51.100.3"
        await asyncio.wait_for(arrived.wait(), 5)
        task = m._task

    assert "198.51.100.3" == str(changes[-1].new[0])
    assert task is not None
    assert task.done()


class TestRegistry:
    def test_a_registry_counts_through_the_keys_own_entry(self):
        """With a registry, only the entry of the key in use judges a new egress (one rule)."""
        registry = ipwhitelist.Registry.loads(
            f'[okx.other]\nfingerprint = "{ipwhitelist.fingerprint("x" * 30)}"\n'
            'ips = ["198.51.100.1"]\n'
        )
        report = ipwhitelist.EgressReport(ipv4="203.0.113.9")
        client = __import__("ccxt").okx({"apiKey": "k" * 30, "secret": "s"})
        undocumented = ipwhitelist.EgressMonitor(whitelist=registry, exchange="binance")
        other_key = ipwhitelist.EgressMonitor(whitelist=registry, exchange=client)
        by_id = ipwhitelist.EgressMonitor(whitelist=registry, exchange="okx")

        assert undocumented._observe(report).whitelisted is None
        assert other_key._observe(report).whitelisted is None
        assert by_id._observe(report).whitelisted is False
