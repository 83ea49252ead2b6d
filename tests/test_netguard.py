"""The suite's network guard (tests/netguard.py) refuses every non-loopback destination."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import ccxt
import ccxt.async_support
import httpx
import pytest
import requests

import netguard
from ipwhitelist._testing.fake import FakeServer

# TEST-NET-1 (RFC 5737) and a reserved name (RFC 2606): never a real peer, and
# the guard refuses them before any packet is sent.
PUBLIC_IP = "192.0.2.1"
PUBLIC_NAME = "example.com"


def _assert_refused(refused, target):
    assert refused, "the guard recorded nothing"
    assert any(target in r and "netguard:" in r for r in refused), refused


class TestSocketLevel:
    @pytest.mark.parametrize(
        "call",
        [
            lambda: socket.create_connection((PUBLIC_IP, 443), timeout=1),
            lambda: socket.create_connection((PUBLIC_NAME, 443), timeout=1),
            lambda: socket.getaddrinfo(PUBLIC_NAME, 443),
            lambda: socket.getaddrinfo("api.localhost", 443),
            lambda: socket.gethostbyname(PUBLIC_NAME),
            lambda: socket.gethostbyname_ex(PUBLIC_NAME),
            lambda: socket.gethostbyaddr(PUBLIC_IP),
            lambda: socket.getnameinfo((PUBLIC_IP, 443), 0),
            lambda: socket.socket().connect_ex((PUBLIC_IP, 443)),
            lambda: socket.socket(socket.AF_INET6).connect(("2001:db8::1", 443)),
            lambda: socket.socket(socket.AF_INET6).connect(("::ffff:192.0.2.1", 443)),
            lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (PUBLIC_IP, 53)),
            lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
                b"x", 0, (PUBLIC_NAME, 53)
            ),
            lambda: socket.socket().connect(("10.0.0.1", 80)),
        ],
        ids=[
            "create_connection-ip",
            "create_connection-name",
            "getaddrinfo",
            "getaddrinfo-dot-localhost",
            "gethostbyname",
            "gethostbyname_ex",
            "gethostbyaddr",
            "getnameinfo",
            "connect_ex",
            "connect-ipv6",
            "connect-ipv4-mapped",
            "sendto",
            "sendto-flags-name",
            "connect-private-range",
        ],
    )
    def test_refused(self, call):
        """Each socket entry point raises NetworkBlocked for a public or private destination."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            call()

        assert 1 == len(refused)

    def test_loopback_is_allowed(self):
        """127.0.0.0/8, ::1 and localhost pass: a loopback server answers."""
        with FakeServer() as server:
            port = int(server.url.rsplit(":", 1)[1])
            for host in ("127.0.0.1", "localhost"):
                socket.create_connection((host, port), timeout=5).close()
        assert socket.getaddrinfo("localhost", 80)
        assert socket.getaddrinfo(PUBLIC_IP, 80)  # a literal needs no lookup
        numeric = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
        assert ("127.0.0.1", "80") == socket.getnameinfo(("127.0.0.1", 80), numeric)

    @pytest.mark.parametrize("address", ["127.0.0.3", "::1"])
    def test_reverse_lookup_of_loopback_is_refused(self, address):
        """A reverse lookup may ask DNS even for loopback (not in /etc/hosts): refused."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            socket.getfqdn(address)

        _assert_refused(refused, address)

    def test_refusal_is_not_an_oserror(self):
        """Clients cannot mistake the refusal for 'unreachable' (it is no OSError)."""
        assert not issubclass(netguard.NetworkBlocked, OSError)


class TestSyncClients:
    @pytest.mark.parametrize("url", [f"http://{PUBLIC_IP}/", f"https://{PUBLIC_NAME}/"])
    def test_requests(self, url):
        """requests (and urllib3 under it) is refused."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            requests.get(url, timeout=2)

        _assert_refused(refused, url.split("/")[2])

    @pytest.mark.parametrize("url", [f"http://{PUBLIC_IP}/", f"https://{PUBLIC_NAME}/"])
    def test_httpx(self, url):
        """httpx is refused."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            httpx.get(url, timeout=2)

        _assert_refused(refused, url.split("/")[2])

    def test_urllib(self):
        """The standard library's urllib is refused."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            urllib.request.urlopen(f"http://{PUBLIC_NAME}/", timeout=2)

        _assert_refused(refused, PUBLIC_NAME)

    def test_ccxt_sync(self):
        """A real ccxt client aimed at its real host is refused, not 'unreachable'."""
        client = ccxt.binance()
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            client.fetch_time()

        _assert_refused(refused, "binance.com")


class TestAsyncClients:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("url", [f"http://{PUBLIC_IP}/", f"https://{PUBLIC_NAME}/"])
    async def test_aiohttp(self, url):
        """aiohttp (asyncio's getaddrinfo and sock_connect) is refused."""
        with netguard.blocked() as refused:
            async with aiohttp.ClientSession() as session:
                with pytest.raises(netguard.NetworkBlocked):
                    await session.get(url, timeout=aiohttp.ClientTimeout(total=2))

        _assert_refused(refused, url.split("/")[2])

    @pytest.mark.asyncio
    async def test_asyncio_open_connection(self):
        """asyncio.open_connection to a public address is refused."""
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            await asyncio.open_connection(PUBLIC_IP, 443)

        _assert_refused(refused, PUBLIC_IP)

    @pytest.mark.asyncio
    async def test_ccxt_async(self):
        """ccxt.async_support aimed at its real host is refused."""
        client = ccxt.async_support.binance()
        try:
            with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
                await client.fetch_time()
        finally:
            await client.close()

        _assert_refused(refused, "binance.com")

    def test_pycares_channel(self):
        """A c-ares Channel (aiodns's resolver, C sockets) refuses non-loopback names."""

        class Channel:
            def getaddrinfo(self, host, port, callback):
                return ("resolved", host)

        netguard.guard_resolver_class(Channel)

        assert ("resolved", "localhost") == Channel().getaddrinfo("localhost", 80, None)
        with netguard.blocked() as refused, pytest.raises(netguard.NetworkBlocked):
            Channel().getaddrinfo(PUBLIC_NAME, 80, None)
        _assert_refused(refused, PUBLIC_NAME)


class TestSubprocesses:
    def test_child_is_guarded(self):
        """A Python child the suite starts is refused too, with the guard's message."""
        code = f"import socket; socket.create_connection(({PUBLIC_IP!r}, 443), timeout=1)"
        with netguard.blocked() as refused:
            done = subprocess.run(  # noqa: S603 - our own interpreter
                [sys.executable, "-c", code], capture_output=True, text=True, check=False
            )

        assert 0 != done.returncode
        assert "NetworkBlocked" in done.stderr
        _assert_refused(refused, PUBLIC_IP)

    def test_child_with_its_own_env_is_guarded(self):
        """An explicit env= without the suite's variables still gets the guard."""
        code = f"import socket; socket.getaddrinfo({PUBLIC_NAME!r}, 443)"
        with netguard.blocked() as refused:
            done = subprocess.run(  # noqa: S603 - our own interpreter
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=False,
                env={"PATH": "/usr/bin:/bin"},
            )

        assert 0 != done.returncode
        _assert_refused(refused, PUBLIC_NAME)

    def test_swallowed_refusal_in_a_child_is_recorded(self):
        """A child that catches the error still leaves a record that fails the test."""
        code = (
            "import urllib.request\n"
            "try:\n"
            f"    urllib.request.urlopen('http://{PUBLIC_NAME}/', timeout=1)\n"
            "except Exception:\n"
            "    pass\n"
        )
        with netguard.blocked() as refused:
            done = subprocess.run(  # noqa: S603 - our own interpreter
                [sys.executable, "-c", code], capture_output=True, text=True, check=False
            )

        assert 0 == done.returncode
        _assert_refused(refused, PUBLIC_NAME)


class TestSuiteFixture:
    def test_a_swallowed_refusal_fails_the_test(self):
        """A test whose code catches the guard's error is failed by the suite's fixture."""
        probe = Path(__file__).with_name("netguard_probe.py")
        done = subprocess.run(  # noqa: S603 - our own interpreter and test file
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(probe)],
            capture_output=True,
            text=True,
            check=False,
            cwd=probe.parent.parent,
        )

        assert 1 == done.returncode, done.stdout
        assert "the test reached beyond loopback" in done.stdout
        assert "getaddrinfo('example.com')" in done.stdout
