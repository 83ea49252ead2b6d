"""
Memory: rejections leave nothing behind and never keep a client (or its secrets) alive.

`benchmarks/run.py` raises 100,000 rejections and reports RSS growth; these are
the bounded versions that can fail. Nothing here measures time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import pickle
import tracemalloc
import types
import weakref
from typing import Any

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import B2015, CannedAdapter, CannedSession, body_of, mount
from ipwhitelist._client import inline

SECRET = "s" * 64
CONFIG = {"apiKey": "k" * 64, "secret": SECRET, "enableRateLimit": False}
B451 = body_of({"code": 0, "msg": "Service unavailable from a restricted location."})


def rejection():
    client = ccxt.binance(dict(CONFIG))
    ipwhitelist.wrap(mount(client, CannedAdapter(401, B2015)), egress=False)
    ref = weakref.ref(client)
    try:
        client.private_get_account()
    except ipwhitelist.IPNotWhitelisted as exc:
        return ref, exc.diagnosis
    raise AssertionError("expected a rejection")


def test_diagnosis_does_not_pin_the_client():
    """Once the exception is gone, keeping its diagnosis does not keep the client alive."""
    ref, diagnosis = rejection()
    gc.collect()

    assert ref() is None
    assert SECRET not in pickle.dumps(diagnosis).decode("latin-1")


def wrapped_client(status: int = 401, body: str = B2015) -> tuple[Any, CannedAdapter]:
    adapter = CannedAdapter(status, body)
    client = ipwhitelist.wrap(mount(ccxt.binance(dict(CONFIG)), adapter), egress=False)
    return client, adapter


def burst(client: Any, n: int) -> None:
    for _ in range(n):
        with contextlib.suppress(ipwhitelist.IPRejection):
            client.private_get_account()


@pytest.mark.parametrize("count", [2000])
def test_rejections_do_not_accumulate(count):
    """Many caught rejections leave no growing state behind (objects tracked by gc)."""
    client, _ = wrapped_client()

    burst(client, 200)
    gc.collect()
    before = len(gc.get_objects())
    burst(client, count)
    gc.collect()
    after = len(gc.get_objects())

    # A handful of objects may come and go (caches warming); 2,000 rejections
    # must not leave thousands behind.
    assert after - before < 200


def test_traced_memory_is_flat():
    """3,000 rejections after a warm-up grow traced memory by less than 48 KB (16 bytes each)."""
    client, adapter = wrapped_client()
    # A fresh incident log: it deduplicates, so it holds one entry whatever the count.
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog()])
    tracemalloc.start()
    try:
        burst(client, 500)
        adapter.urls.clear()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        burst(client, 3000)
        adapter.urls.clear()  # the test adapter's own request log
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert after - before < 48 * 1024


# -- reference cycles ---------------------------------------------------------------------
#
# A raised exception's traceback holds the frames it passed through, and a frame
# holds its locals: a frame that keeps the exception it raises in a local is a
# cycle (exception -> traceback -> frame -> exception) that plain reference
# counting never frees. Such a cycle around a rejection also holds the client
# (``self`` in the wrapper's frames) and so its credentials until the cyclic
# garbage collector happens to run. Plain ccxt creates no such cycle.


def _handle_errors(n: int) -> weakref.ref[Any]:
    # Recognised in handle_errors from the structured response.
    client, _ = wrapped_client()
    burst(client, n)
    return weakref.ref(client)


def _status_map(n: int) -> weakref.ref[Any]:
    # Binance's 451 falls through to ccxt's HTTP status map: recognised in fetch()'s guard.
    client, _ = wrapped_client(451, B451)
    burst(client, n)
    return weakref.ref(client)


def _async(n: int) -> weakref.ref[Any]:
    client = ccxt.async_support.binance(dict(CONFIG))
    client.session = CannedSession(401, B2015)
    ipwhitelist.wrap(client, egress=False)

    async def main() -> None:
        try:
            for _ in range(n):
                with contextlib.suppress(ipwhitelist.IPRejection):
                    await client.private_get_account()
        finally:
            await client.close()

    asyncio.run(main())
    return weakref.ref(client)


def _decorator(n: int) -> None:
    @ipwhitelist.diagnose(egress=False)
    def call() -> None:
        raise ccxt.AuthenticationError("binance " + B2015)

    for _ in range(n):
        with contextlib.suppress(ipwhitelist.IPRejection):
            call()


def _context_manager(n: int) -> None:
    for _ in range(n):
        with contextlib.suppress(ipwhitelist.IPRejection), ipwhitelist.diagnosing(egress=False):
            raise ccxt.AuthenticationError("binance " + B2015)


def _sdk_returned(n: int) -> weakref.ref[Any]:
    # python-okx returns OKX's error as data: the returned-result guard raises it (opt-in).
    import httpx
    from okx.Account import AccountAPI

    body = body_of(
        {
            "code": "50110",
            "msg": "Your IP 203.0.113.7 is not included in your API key's IP whitelist.",
            "data": [],
        }
    )
    client = AccountAPI("k" * 32, SECRET, "p" * 8, flag="0")
    client._transport = httpx.MockTransport(lambda _: httpx.Response(200, content=body.encode()))
    client._mounts = {}
    ipwhitelist.wrap(client, egress=False, raise_returned=True)
    for _ in range(n):
        with contextlib.suppress(ipwhitelist.IPRejection):
            client._request("GET", "/api/v5/account/balance", {})
    return weakref.ref(client)


PATHS = {
    "handle-errors": _handle_errors,
    "status-map": _status_map,
    "async": _async,
    "diagnose": _decorator,
    "diagnosing": _context_manager,
    "sdk-returned": _sdk_returned,
}


def _ours(obj: object) -> bool:
    if isinstance(obj, types.FrameType):
        # An async client's inlined fetch runs ipwhitelist's handlers under ccxt's file name.
        return "ipwhitelist" in obj.f_code.co_filename or inline.is_inlined(obj.f_code)
    module = type(obj).__module__
    # Not the loopback fakes (ipwhitelist._testing): a fake server another test
    # of this worker stopped may become garbage while this test runs (seen in
    # CI: FakeServer, its request and server class), and it is not on a
    # rejection's path.
    return module.startswith("ipwhitelist") and not module.startswith("ipwhitelist._testing")


@pytest.fixture
def no_gc():
    """Cyclic garbage collection off: whatever reference counting cannot free stays put."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.usefixtures("no_gc")
@pytest.mark.parametrize("path", list(PATHS))
def test_rejections_create_no_reference_cycles(path):
    """No ipwhitelist object (exception, diagnosis, frame) is left in a reference cycle."""
    PATHS[path](20)
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()

    assert [] == sorted({type(o).__qualname__ for o in gc.garbage if _ours(o)})


@pytest.mark.usefixtures("no_gc")
@pytest.mark.parametrize("path", ["handle-errors", "status-map", "async", "sdk-returned"])
def test_client_freed_without_the_cycle_collector(path):
    """Once caught rejections are gone, dropping the client frees it at once (no gc pass)."""
    ref = PATHS[path](20)

    assert ref() is None
