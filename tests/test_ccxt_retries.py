"""
ccxt's own retry loop (``fetch2``'s ``maxRetriesOnFailure``) on wrapped clients.

Every scenario runs through real ccxt twice, unwrapped and wrapped, counting the
requests that reach the transport: an IP rejection leaves the loop after one
request, every other error is retried exactly as unwrapped ccxt retries it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest
import requests

import ipwhitelist
from helpers import B2015, CREDENTIALS, CannedAdapter, body_of, canned, make_client, mount
from ipwhitelist._client import wrap as _wrap
from ipwhitelist._testing.fake import FakeServer

RETRIES = 3
DELAY_MS = 7

B418 = body_of(
    {
        "code": -1003,
        "msg": "Way too many requests; IP(198.51.100.7) banned until 1659761931230. "
        "Please use the websocket for live updates to avoid bans.",
    }
)
B429 = body_of(
    {
        "code": -1003,
        "msg": "Too much request weight used; current limit is 6000 request weight per "
        "1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
    }
)
B451 = body_of(
    {
        "code": 0,
        "msg": "Service unavailable from a restricted location according to 'b. Eligibility' "
        "in https://www.binance.com/en/terms. Please contact customer service if you "
        "believe you received this message in error.",
    }
)

ACCOUNT = ("private_get_account", {})
WALLET = ("private_get_v5_account_wallet_balance", {"accountType": "UNIFIED"})

# (exchange, status, body, options, call, what ccxt raises, what the wrapped client raises)
REJECTIONS = {
    "binance -2015 after a first success": (
        "binance",
        401,
        B2015,
        {"hasAlreadyAuthenticatedSuccessfully": True},
        ACCOUNT,
        ccxt.DDoSProtection,
        ipwhitelist.IPNotWhitelisted,
    ),
    "binance 418 ban": (
        "binance",
        418,
        B418,
        {},
        ACCOUNT,
        ccxt.DDoSProtection,
        ipwhitelist.IPBanned,
    ),
    "bybit 403 access too frequent": (
        "bybit",
        403,
        "access too frequent",
        {},
        WALLET,
        ccxt.RateLimitExceeded,
        ipwhitelist.IPBanned,
    ),
    "binance 451 geo block": (
        "binance",
        451,
        B451,
        {},
        ACCOUNT,
        ccxt.ExchangeNotAvailable,
        ipwhitelist.GeoRestricted,
    ),
}

# (exchange, status, body, call, what ccxt raises): not IP rejections, retried as before.
OTHERS = {
    "binance 503": ("binance", 503, "Service Unavailable", ACCOUNT, ccxt.ExchangeNotAvailable),
    "binance 429 throttling": ("binance", 429, B429, ACCOUNT, ccxt.DDoSProtection),
    "bybit 502": ("bybit", 502, "<html>Bad Gateway</html>", WALLET, ccxt.ExchangeNotAvailable),
}


def _text(exc: BaseException) -> str:
    # ccxt's messages carry the signed URL: its timestamp and signature differ per call.
    return re.sub(r"\?\S*", "?...", str(exc))


def _retrying(client: Any, options: dict[str, Any]) -> Any:
    client.options.update(options)
    client.options["maxRetriesOnFailure"] = RETRIES
    client.options["maxRetriesOnFailureDelay"] = DELAY_MS
    return client


def _record_sleeps(client: Any, *, is_async: bool = False) -> list[Any]:
    # ccxt sleeps through the client's own sleep() between attempts.
    sleeps: list[Any] = []
    if is_async:

        async def sleep(ms: Any) -> None:
            sleeps.append(ms)

        client.sleep = sleep
    else:
        client.sleep = sleeps.append
    return sleeps


class _RaisingAdapter(CannedAdapter):
    """Raise a requests transport error on every request, counting them."""

    def __init__(self, error: type[Exception]) -> None:
        super().__init__(200, "")
        self.error = error

    def send(self, request: Any, **_kwargs: Any) -> Any:
        self.urls.append(request.url)
        raise self.error("canned transport failure")


def _sync_run(
    exchange_id: str, adapter: CannedAdapter, options: dict[str, Any], call: Any, *, wrapped: bool
) -> tuple[BaseException, int, list[Any]]:
    client = getattr(ccxt, exchange_id)({**CREDENTIALS, "enableRateLimit": False})
    _retrying(mount(client, adapter), options)
    sleeps = _record_sleeps(client)
    if wrapped:
        ipwhitelist.wrap(client, egress=False)
    name, params = call
    with pytest.raises(ccxt.BaseError) as info:
        getattr(client, name)(dict(params))
    return info.value, len(adapter.urls), sleeps


class TestSync:
    @pytest.mark.parametrize("case", REJECTIONS.values(), ids=REJECTIONS.keys())
    def test_ip_rejection_is_sent_once(self, case):
        """With maxRetriesOnFailure=3, an IP rejection is one request where ccxt sends four."""
        exchange_id, status, body, options, call, ccxt_class, typed = case

        plain, plain_count, plain_sleeps = _sync_run(
            exchange_id, CannedAdapter(status, body), options, call, wrapped=False
        )
        mapped, count, sleeps = _sync_run(
            exchange_id, CannedAdapter(status, body), options, call, wrapped=True
        )

        assert (ccxt_class, RETRIES + 1, [DELAY_MS] * RETRIES) == (
            type(plain),
            plain_count,
            plain_sleeps,
        )
        assert (typed, 1, []) == (type(mapped), count, sleeps)

    @pytest.mark.parametrize("case", OTHERS.values(), ids=OTHERS.keys())
    def test_other_errors_are_retried_as_ccxt_does(self, case):
        """A non-IP error gets the same attempts, delays, class and message as unwrapped ccxt."""
        exchange_id, status, body, call, ccxt_class = case

        plain = _sync_run(exchange_id, CannedAdapter(status, body), {}, call, wrapped=False)
        mapped = _sync_run(exchange_id, CannedAdapter(status, body), {}, call, wrapped=True)

        assert (ccxt_class, _text(plain[0]), RETRIES + 1, [DELAY_MS] * RETRIES) == (
            type(mapped[0]),
            _text(mapped[0]),
            mapped[1],
            mapped[2],
        )
        assert plain[1:] == mapped[1:]

    @pytest.mark.parametrize(
        ("error", "ccxt_class"),
        [
            (requests.exceptions.ReadTimeout, ccxt.RequestTimeout),
            (requests.exceptions.ConnectionError, ccxt.NetworkError),
        ],
        ids=["timeout", "connection error"],
    )
    def test_transport_errors_are_retried_as_ccxt_does(self, error, ccxt_class):
        """Timeouts and dropped connections still get all of ccxt's attempts."""
        plain = _sync_run("binance", _RaisingAdapter(error), {}, ACCOUNT, wrapped=False)
        mapped = _sync_run("binance", _RaisingAdapter(error), {}, ACCOUNT, wrapped=True)

        assert isinstance(mapped[0], ccxt_class)
        assert (type(plain[0]), RETRIES + 1) == (type(mapped[0]), mapped[1])
        assert plain[1:] == mapped[1:]

    def test_retries_asked_for_in_params(self):
        """maxRetriesOnFailure passed as a call parameter is honoured the same way."""
        counts = []
        for wrapped in (False, True):
            adapter = CannedAdapter(418, B418)
            client = mount(ccxt.binance({**CREDENTIALS, "enableRateLimit": False}), adapter)
            if wrapped:
                ipwhitelist.wrap(client, egress=False)
            with pytest.raises(ccxt.DDoSProtection):
                client.private_get_account({"maxRetriesOnFailure": RETRIES})
            counts.append(len(adapter.urls))

        assert [RETRIES + 1, 1] == counts

    def test_unified_method_and_one_hook_call(self):
        """A unified method stops after one request, and hooks see the ban once."""
        seen = []
        ipwhitelist.set_on_rejection_hooks([seen.append])
        adapter = CannedAdapter(418, B418)
        client = ccxt.binance({**CREDENTIALS, "enableRateLimit": False})
        ipwhitelist.wrap(_retrying(mount(client, adapter), {}), egress=False)
        _record_sleeps(client)
        client.markets = {}  # skip load_markets(): only the balance request is counted

        with pytest.raises(ipwhitelist.IPBanned):
            client.fetch_balance()

        assert (1, ["ip_banned"]) == (len(adapter.urls), [d.kind for d in seen])

    def test_success_runs_ccxts_own_code(self):
        """The wrapped fetch2 is ccxt's code object; unwrap() restores ccxt's function."""
        client = ipwhitelist.wrap(ccxt.binance(), egress=False)

        assert ccxt.Exchange.fetch2.__code__ is type(client).fetch2.__code__
        assert ccxt.Exchange.fetch2 is not type(client).fetch2

        ipwhitelist.unwrap(client)

        assert ccxt.Exchange.fetch2 is type(client).fetch2


class TestFetch2Copy:
    def test_non_functions_are_left_alone(self):
        """Anything but a plain function is not copied."""
        assert _wrap._fetch2(ccxt.binance, None) is None
        assert _wrap._fetch2(ccxt.binance, len) is None

    def test_a_different_loop_is_left_alone(self):
        """A function that does not test ccxt.OperationFailed is not copied."""

        def fetch2(self: Any) -> Any:
            return self

        assert _wrap._fetch2(ccxt.binance, fetch2) is None

    def test_a_class_with_its_own_fetch2_keeps_it(self):
        """A subclass that overrides fetch2 keeps its own method when wrapped."""

        class Custom(ccxt.binance):
            def fetch2(self, *args: Any, **kwargs: Any) -> Any:
                return super().fetch2(*args, **kwargs)

        client = ipwhitelist.wrap(Custom(), egress=False)

        assert Custom.fetch2 is type(client).fetch2

    def test_copies_are_shared(self):
        """One copy per ccxt function, whatever the exchange class."""
        binance = ipwhitelist.wrap(ccxt.binance(), egress=False)
        okx = ipwhitelist.wrap(ccxt.okx(), egress=False)

        assert type(binance).fetch2 is type(okx).fetch2

    def test_retry_rule(self):
        """Only an OperationFailed that is not an IP rejection counts as retryable."""
        banned = ipwhitelist.IPBanned(
            "banned",
            diagnosis=ipwhitelist.Diagnosis(
                exchange="binance", kind="ip_banned", confidence="confirmed"
            ),
        )

        assert [True, False, False, False] == [
            isinstance(exc, _wrap._RetriedByCcxt)
            for exc in (ccxt.DDoSProtection("x"), banned, ccxt.AuthenticationError("x"), 1)
        ]


@pytest.fixture
def server():
    with FakeServer() as fake:
        yield fake


async def _async_run(
    module: Any,
    server: FakeServer,
    exchange_id: str,
    options: dict[str, Any],
    call: Any,
    *,
    wrapped: bool,
    **config: Any,
) -> tuple[BaseException, int, list[Any]]:
    before = len(server.requests)
    client = _retrying(make_client(module, exchange_id, server.url, **config), options)
    sleeps = _record_sleeps(client, is_async=True)
    if wrapped:
        ipwhitelist.wrap(client, egress=False)
    name, params = call
    try:
        with pytest.raises(ccxt.BaseError) as info:
            await getattr(client, name)(dict(params))
        # close() sleeps too (aiohttp's graceful shutdown): count before it.
        return info.value, len(server.requests) - before, sleeps[:]
    finally:
        await client.close()


MODULES = pytest.mark.parametrize("module", [ccxt.async_support, ccxt.pro], ids=["async", "pro"])


@pytest.mark.asyncio
@MODULES
class TestAsync:
    @pytest.mark.parametrize("case", REJECTIONS.values(), ids=REJECTIONS.keys())
    async def test_ip_rejection_is_sent_once(self, server, module, case):
        """With maxRetriesOnFailure=3, an IP rejection is one request where ccxt sends four."""
        exchange_id, status, body, options, call, ccxt_class, typed = case
        server.default = canned(status, body)

        plain, plain_count, plain_sleeps = await _async_run(
            module, server, exchange_id, options, call, wrapped=False
        )
        mapped, count, sleeps = await _async_run(
            module, server, exchange_id, options, call, wrapped=True
        )

        assert (ccxt_class, RETRIES + 1, [DELAY_MS] * RETRIES) == (
            type(plain),
            plain_count,
            plain_sleeps,
        )
        assert (typed, 1, []) == (type(mapped), count, sleeps)

    @pytest.mark.parametrize("case", OTHERS.values(), ids=OTHERS.keys())
    async def test_other_errors_are_retried_as_ccxt_does(self, server, module, case):
        """A non-IP error gets the same attempts, delays, class and message as unwrapped ccxt."""
        exchange_id, status, body, call, ccxt_class = case
        server.default = canned(status, body)

        plain = await _async_run(module, server, exchange_id, {}, call, wrapped=False)
        mapped = await _async_run(module, server, exchange_id, {}, call, wrapped=True)

        assert (ccxt_class, _text(plain[0]), RETRIES + 1, [DELAY_MS] * RETRIES) == (
            type(mapped[0]),
            _text(mapped[0]),
            mapped[1],
            mapped[2],
        )
        assert plain[1:] == mapped[1:]

    async def test_dropped_connection_is_retried_as_ccxt_does(self, server, module):
        """A connection closed without an answer still gets all of ccxt's attempts."""
        server.default = lambda _request: None

        plain = await _async_run(module, server, "binance", {}, ACCOUNT, wrapped=False)
        mapped = await _async_run(module, server, "binance", {}, ACCOUNT, wrapped=True)

        # aiohttp itself resends once on a dropped keep-alive connection, hence
        # two requests per ccxt attempt: the delays count ccxt's attempts.
        assert isinstance(mapped[0], ccxt.NetworkError)
        assert (type(plain[0]), [DELAY_MS] * RETRIES) == (type(mapped[0]), mapped[2])
        assert plain[1:] == mapped[1:]

    async def test_timeout_is_retried_as_ccxt_does(self, server, module):
        """A stalled exchange times out on each of ccxt's attempts, wrapped or not."""
        release = threading.Event()

        def stall(_request: Any) -> Any:
            release.wait(2)

        server.default = stall
        try:
            plain = await _async_run(
                module, server, "binance", {}, ACCOUNT, wrapped=False, timeout=50
            )
            mapped = await _async_run(
                module, server, "binance", {}, ACCOUNT, wrapped=True, timeout=50
            )
        finally:
            release.set()

        # ccxt's delays between attempts count its attempts: the server's count
        # is not exact here, since on a loaded machine a request can reach the
        # server only after the client's 50 ms timeout gave up on it (or after
        # the next run began counting).
        assert isinstance(mapped[0], ccxt.RequestTimeout)
        assert (type(plain[0]), [DELAY_MS] * RETRIES) == (type(mapped[0]), mapped[2])
        assert plain[2] == mapped[2]
