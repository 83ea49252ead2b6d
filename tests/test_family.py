"""Pinning a client's connections to IPv4 or IPv6 (wrap(family=...))."""

from __future__ import annotations

import socket

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import B2015, body_of, canned, make_client
from ipwhitelist._fake import FakeServer

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
