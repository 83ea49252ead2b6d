"""Pinning a client's connections to IPv4 or IPv6 (wrap(family=...))."""

from __future__ import annotations

import socket
import sys
import threading

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import B2015, body_of, canned, make_client
from ipwhitelist._testing.fake import FakeServer

OK = body_of({"balances": []})


@pytest.fixture
def v4():
    with FakeServer("127.0.0.1", default=canned(200, OK)) as server:
        yield server


@pytest.fixture
def v6():
    with FakeServer("::1", default=canned(200, OK)) as server:
        yield server


class TestSync:
    def test_pinned_to_ipv4_reaches_ipv4_only(self, v4, v6):
        """family=4 connects over IPv4 and cannot connect to an IPv6 address."""
        good = ipwhitelist.wrap(make_client(ccxt, "binance", v4.url), egress=False, family=4)
        bad = ipwhitelist.wrap(make_client(ccxt, "binance", v6.url), egress=False, family=4)

        assert {"balances": []} == good.private_get_account()
        with pytest.raises(ccxt.NetworkError):
            bad.private_get_account()
        assert 0 == len(v6.requests)

    def test_pinned_to_ipv6_reaches_ipv6_only(self, v4, v6):
        """family=6 connects over IPv6 and cannot connect to an IPv4 address."""
        good = ipwhitelist.wrap(make_client(ccxt, "binance", v6.url), egress=False, family=6)
        bad = ipwhitelist.wrap(make_client(ccxt, "binance", v4.url), egress=False, family=6)

        assert {"balances": []} == good.private_get_account()
        with pytest.raises(ccxt.NetworkError):
            bad.private_get_account()
        assert 0 == len(v4.requests)

    def test_unwrap_and_rewrap_restore_the_adapters(self, v4):
        """unwrap() (or wrap() without family) gives the client its own adapters back."""
        client = make_client(ccxt, "binance", v4.url)
        original = dict(client.session.adapters)
        ipwhitelist.wrap(client, egress=False, family=6)

        ipwhitelist.wrap(client, egress=False)
        assert original == dict(client.session.adapters)
        ipwhitelist.wrap(client, egress=False, family=6)
        ipwhitelist.unwrap(client)

        assert original == dict(client.session.adapters)
        assert {"balances": []} == client.private_get_account()

    def test_diagnosis_reports_the_family(self, v4):
        """Without a reported IP, the pinned family is the one the request used."""
        v4.default = canned(401, B2015)
        client = ipwhitelist.wrap(make_client(ccxt, "binance", v4.url), egress=False, family=4)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        assert 4 == info.value.diagnosis.address_family
        assert "request used:    IPv4" in str(info.value.diagnosis)

    @pytest.mark.parametrize("family", [5, "4", 0])
    def test_bad_family(self, v4, family):
        """Only 4, 6 and None are accepted."""
        with pytest.raises(ValueError, match="family"):
            ipwhitelist.wrap(make_client(ccxt, "binance", v4.url), family=family)


@pytest.mark.asyncio
class TestAsync:
    async def test_pinned_to_ipv4(self, v4, v6):
        """An async client pinned to IPv4 reaches IPv4 and not IPv6."""
        good = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", v4.url), egress=False, family=4
        )
        bad = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", v6.url), egress=False, family=4
        )
        try:
            assert {"balances": []} == await good.private_get_account()
            assert socket.AF_INET == good.tcp_connector.family
            # aiohttp finds no address of the pinned family for the other
            # family's literal (3.14 then trips an internal assertion).
            with pytest.raises((ccxt.NetworkError, AssertionError)):
                await bad.private_get_account()
        finally:
            await good.close()
            await bad.close()

        assert 0 == len(v6.requests)

    async def test_pinned_to_ipv6(self, v4, v6):
        """An async client pinned to IPv6 reaches IPv6 and not IPv4."""
        good = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", v6.url), egress=False, family=6
        )
        bad = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", v4.url), egress=False, family=6
        )
        try:
            assert {"balances": []} == await good.private_get_account()
            assert socket.AF_INET6 == good.tcp_connector.family
            # aiohttp finds no address of the pinned family for the other
            # family's literal (3.14 then trips an internal assertion).
            with pytest.raises((ccxt.NetworkError, AssertionError)):
                await bad.private_get_account()
        finally:
            await good.close()
            await bad.close()

        assert 0 == len(v4.requests)

    async def test_unpinned_uses_ccxts_own_session(self, v4):
        """Without family, ccxt creates its own dual-stack session as usual."""
        client = ipwhitelist.wrap(make_client(ccxt.async_support, "binance", v4.url), egress=False)
        try:
            await client.private_get_account()

            assert socket.AF_UNSPEC == client.tcp_connector.family
        finally:
            await client.close()


def test_async_pin_is_per_instance_and_undone_by_unwrap(v4):
    """Only a pinned async client gets its own open(); unwrap() removes it."""
    pinned = ipwhitelist.wrap(make_client(ccxt.async_support, "binance", v4.url), family=4)
    plain = ipwhitelist.wrap(make_client(ccxt.async_support, "binance", v4.url))

    assert "open" in vars(pinned)
    assert "open" not in vars(plain)
    ipwhitelist.unwrap(pinned)
    assert "open" not in vars(pinned)


class TestConcurrentSwap:
    """Wrapping and unwrapping a pinned client while other threads call through it."""

    @pytest.fixture(autouse=True)
    def _switch_often(self):
        # Switch threads every microsecond instead of every 5 ms, so a window
        # in which the session has no adapter is hit, not left to luck.
        before = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        yield
        sys.setswitchinterval(before)

    CALLERS = 6
    CALLS = 100  # per caller: bounded work, a few seconds at most
    BOUND = 30.0  # seconds: generous, only reached on a deadlock

    def test_calls_never_fail_while_the_pin_is_swapped(self, v4):
        """Calls on other threads never find the session without an adapter."""
        client = make_client(ccxt, "binance", v4.url)
        failures: list[BaseException] = []
        done = threading.Event()

        def call() -> None:
            for _ in range(self.CALLS):
                try:
                    client.private_get_account()
                except Exception as exc:
                    failures.append(exc)

        def swap() -> None:
            while not done.is_set():
                ipwhitelist.wrap(client, egress=False, family=4)
                ipwhitelist.unwrap(client)

        swapper = threading.Thread(target=swap, daemon=True)
        callers = [threading.Thread(target=call, daemon=True) for _ in range(self.CALLERS)]
        swapper.start()
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(self.BOUND)
        done.set()
        swapper.join(self.BOUND)

        assert [] == [f"{type(e).__name__}: {e}" for e in failures]
        assert self.CALLERS * self.CALLS == len(v4.requests)

    def test_concurrent_unwraps_do_not_raise(self, v4):
        """Threads unwrapping the same pinned client at once all succeed."""
        client = make_client(ccxt, "binance", v4.url)
        original = dict(client.session.adapters)
        errors: list[BaseException] = []

        def unwrap(gate: threading.Barrier) -> None:
            gate.wait(self.BOUND)
            try:
                ipwhitelist.unwrap(client)
            except Exception as exc:
                errors.append(exc)

        for _ in range(300):
            ipwhitelist.wrap(client, egress=False, family=4)
            barrier = threading.Barrier(4)
            threads = [threading.Thread(target=unwrap, args=(barrier,)) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(self.BOUND)

            assert [] == errors
            assert original == dict(client.session.adapters)
