"""
Concurrency: many IP rejections at the same moment on one wrapped client.

1,000 asyncio tasks on one async client and 64 threads on one sync client are
held until every request is in flight, then all rejected at once. Each caller
must get its own diagnosis (the exchange names a different IP, and a different
kind of rejection, per request), every caller must share one egress lookup, and
every wait is bounded, so a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import CREDENTIALS, body_of
from ipwhitelist._testing.fake import FakeServer, Reply

TASKS = 1000
THREADS = 64
BOUND = 30.0  # seconds: generous, only reached on a deadlock
BANNED_UNTIL = 1659761931230
GEO = (
    "Service unavailable from a restricted location according to 'b. Eligibility' in "
    "https://www.binance.com/en/terms."
)


def reported(n: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IP the exchange says it saw for request *n*: IPv4 or IPv6, unique per request."""
    if n % 2:
        return ipaddress.IPv6Address(f"2001:db8::{n:x}")
    return ipaddress.IPv4Address(f"198.18.{n // 256}.{n % 256}")


def reply(n: int) -> tuple[int, str]:
    """Binance's answer to request *n*: whitelist miss, ban or geo block, in turn."""
    ip = reported(n)
    if n % 3 == 0:
        msg = f"Invalid API-key, IP, or permissions for action, request ip: {ip}"
        return 401, body_of({"code": -2015, "msg": msg})
    if n % 3 == 1:
        msg = f"Way too many requests; IP({ip}) banned until {BANNED_UNTIL}."
        return 418, body_of({"code": -1003, "msg": msg})
    return 451, body_of({"code": 0, "msg": GEO})


def expected(n: int) -> tuple[type, str | None]:
    """What caller *n* must see: its exception class and the IP the exchange named."""
    if n % 3 == 0:
        return ipwhitelist.IPNotWhitelisted, str(reported(n))
    if n % 3 == 1:
        return ipwhitelist.IPBanned, str(reported(n))
    return ipwhitelist.GeoRestricted, None


def number(url: object) -> int:
    """The request number the caller put in the query string."""
    return int(parse_qs(urlsplit(str(url)).query)["n"][0])


def seen(exc: ipwhitelist.IPRejection) -> tuple[type, str | None]:
    reported_ip = exc.diagnosis.reported_ip
    return type(exc), str(reported_ip) if reported_ip is not None else None


@pytest.fixture
def echo() -> Any:
    """A loopback "what is my IP" provider that is slow enough for every caller to pile up."""

    def route(request: Any) -> Reply:
        time.sleep(0.2)
        return Reply(body=request.client_ip, headers={"Content-Type": "text/plain"})

    with FakeServer(routes={("GET", "/ip"): route}) as server:
        yield server


# -- async: 1,000 tasks, canned aiohttp session --------------------------------------------


class _Response:
    def __init__(self, status: int, body: str, gate: asyncio.Event) -> None:
        self.status = status
        self.reason = "Error"
        self.headers = {"Content-Type": "application/json"}
        self._body = body
        self._gate = gate

    async def text(self, errors: str = "strict") -> str:
        # Nobody is answered before every request has arrived.
        await asyncio.wait_for(self._gate.wait(), BOUND)
        return self._body

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class GatedSession:
    """Stands in for aiohttp's session: answers by request number once *expect* requests arrived."""

    def __init__(self, expect: int) -> None:
        self.expect = expect
        self.arrived = 0
        self.gate = asyncio.Event()
        self.closed = False
        self.headers: dict[str, str] = {}

    def _request(self, url: object, **_: Any) -> _Response:
        self.arrived += 1
        if self.arrived == self.expect:
            self.gate.set()
        return _Response(*reply(number(url)), self.gate)

    get = post = put = delete = _request

    async def close(self) -> None:
        self.closed = True


@pytest.mark.asyncio
async def test_thousand_tasks_one_async_client(echo):
    """1,000 concurrent rejections: each task its own diagnosis, one egress lookup, no deadlock."""
    detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
    counter = ipwhitelist.RejectionCounter()
    ipwhitelist.set_on_rejection_hooks([counter])
    client = ccxt.async_support.binance({**CREDENTIALS, "enableRateLimit": False})
    client.session = GatedSession(TASKS)
    ipwhitelist.wrap(client, egress=detector)

    async def one(n: int) -> tuple[int, ipwhitelist.IPRejection]:
        try:
            await client.private_get_account({"n": n})
        except ipwhitelist.IPRejection as exc:
            return n, exc
        raise AssertionError(f"request {n} was not rejected")

    try:
        results = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(TASKS))), BOUND)
    finally:
        await client.close()

    assert [expected(n) for n in range(TASKS)] == [seen(exc) for _, exc in results]
    assert TASKS == len({id(exc) for _, exc in results})
    assert TASKS == len({id(exc.diagnosis) for _, exc in results})
    assert {("127.0.0.1",)} == {tuple(map(str, e.diagnosis.egress_ips)) for _, e in results}
    assert (1, 1) == (detector.lookups, len(echo.requests))
    assert TASKS == sum(counter.counts.values())


# -- sync: 64 threads, gated requests adapter ---------------------------------------------


class GatedAdapter:
    """A requests transport adapter that answers by request number once *expect* requests arrived."""

    def __init__(self, expect: int) -> None:
        self.barrier = threading.Barrier(expect, timeout=BOUND)

    def send(self, request: Any, **_kwargs: Any) -> Any:
        import requests
        from requests.structures import CaseInsensitiveDict

        self.barrier.wait()
        status, body = reply(number(request.url))
        response = requests.Response()
        response.status_code = status
        response.reason = "Error"
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response._content = body.encode()
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


def test_sixty_four_threads_one_sync_client(echo):
    """64 threads rejected at once: each its own diagnosis, one egress lookup, no deadlock."""
    detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
    counter = ipwhitelist.RejectionCounter()
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), counter])
    client = ccxt.binance({**CREDENTIALS, "enableRateLimit": False})
    adapter = GatedAdapter(THREADS)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    ipwhitelist.wrap(client, egress=detector)
    results: dict[int, BaseException] = {}

    def one(n: int) -> None:
        try:
            client.private_get_account({"n": n})
        except BaseException as exc:  # recorded here, checked below
            results[n] = exc

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + BOUND
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))

    assert [] == [t.name for t in threads if t.is_alive()]
    assert [expected(n) for n in range(THREADS)] == [seen(results[n]) for n in range(THREADS)]
    assert THREADS == len({id(exc) for exc in results.values()})
    assert {("127.0.0.1",)} == {tuple(map(str, e.diagnosis.egress_ips)) for e in results.values()}
    assert (1, 1) == (detector.lookups, len(echo.requests))
    assert THREADS == sum(counter.counts.values())
