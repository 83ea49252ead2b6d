"""
ccxt.pro websocket entry points (watch_* / *_ws) raise the typed exceptions.

These tests pin the method spellings with methods that raise directly; the
real receive-loop paths (frames, shared errors, retries) are exercised in
test_ws_loopback.py against a loopback websocket server.
"""

from __future__ import annotations

import ccxt
import ccxt.pro
import pytest
import pytest_asyncio

import ipwhitelist
from ipwhitelist._testing.ws import BYBIT_UNMATCHED_IP

pytestmark = pytest.mark.asyncio


class _Bybit(ccxt.pro.bybit):
    """A pro client whose websocket methods fail as ccxt.pro reports auth failures."""

    error: BaseException

    async def watch_balance(self, *args, **kwargs):
        raise self.error

    async def create_order_ws(self, *args, **kwargs):
        raise self.error


@pytest_asyncio.fixture
async def bybit():
    client = _Bybit({"apiKey": "k" * 18, "secret": "s" * 36})
    yield client
    await client.close()


@pytest.mark.parametrize(
    "method", ["watch_balance", "watchBalance", "create_order_ws", "createOrderWs"]
)
async def test_ws_auth_failure_is_typed(bybit, method):
    """Bybit's websocket 'Unmatched IP' auth failure becomes IPNotWhitelisted on every spelling."""
    bybit.error = ccxt.AuthenticationError(f"Authentication failed: {BYBIT_UNMATCHED_IP}")
    ipwhitelist.wrap(bybit, egress=False)

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        await getattr(bybit, method)("BTC/USDT", "limit", "buy", 1, 1)

    assert ("bybit", BYBIT_UNMATCHED_IP) == (
        info.value.diagnosis.exchange,
        info.value.diagnosis.message,
    )
    assert info.value.original is bybit.error


async def test_shared_error_object_is_not_mutated(bybit):
    """One ccxt error reaching two waiters gives two typed exceptions and stays untouched."""
    bybit.error = ccxt.AuthenticationError(f"Authentication failed: {BYBIT_UNMATCHED_IP}")
    ipwhitelist.wrap(bybit, egress=False)
    before = (str(bybit.error), dict(vars(bybit.error)))

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as first:
        await bybit.watch_balance()
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as second:
        await bybit.watch_balance()

    assert first.value is not second.value
    assert before == (str(bybit.error), dict(vars(bybit.error)))


async def test_ws_non_ip_error_passes_through(bybit):
    """Other websocket errors are re-raised as the same object."""
    bybit.error = ccxt.AuthenticationError("Authentication failed: error:request expired")
    ipwhitelist.wrap(bybit, egress=False)

    with pytest.raises(ccxt.AuthenticationError) as info:
        await bybit.watch_balance()

    assert info.value is bybit.error
