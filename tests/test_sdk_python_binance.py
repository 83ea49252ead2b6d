"""
python-binance ``Client`` / ``AsyncClient`` wrapped: REST and the WebSocket API.

Real python-binance code runs against a requests adapter mounted on its own
session (real URLs) or loopback servers (aiohttp, websockets); nothing leaves
the machine.
"""

from __future__ import annotations

import asyncio
import pickle

import pytest
from binance.async_client import AsyncClient
from binance.base_client import BaseClient
from binance.client import Client
from binance.exceptions import BinanceAPIException

import ipwhitelist
from helpers import (
    API_KEY,
    B2015,
    SECRET,
    CannedAdapter,
    body_of,
    canned,
    replay_at_ban_time,
)
from ipwhitelist._testing.fake import FakeServer
from ipwhitelist._testing.ws import FakeWsServer
from sdks import (  # binance_loop: an autouse fixture
    KINDS,
    Tally,
    binance_loop,  # noqa: F401
    corpus,
    ids,
    no_secret,
    point_binance,
)

BINANCE = corpus("binance")
REQUEST_IP = body_of(
    {
        "code": -2015,
        "msg": "Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7",
    }
)


def client(adapter: CannedAdapter | None = None, **kwargs) -> Client:
    made = Client(API_KEY, SECRET, ping=False, **kwargs)
    if adapter is not None:
        made.session.mount("https://", adapter)
    return made


def call(made: Client, entry: dict) -> BaseException | None:
    try:
        made._request(entry.get("method", "GET").lower(), entry["url"], signed=False)
    except Exception as exc:
        return exc
    return None


class TestCorpus:
    @pytest.mark.parametrize("entry", BINANCE, ids=ids(BINANCE))
    def test_replay(self, entry, binance_raised, monkeypatch):
        """Each Binance corpus response through Client: typed as expected, else the same object."""
        replay_at_ban_time(monkeypatch, entry.get("banned_until_ms"))
        made = ipwhitelist.wrap(
            client(CannedAdapter(entry["http_status"], entry["body"])), egress=False
        )

        exc = call(made, entry)

        assert binance_raised
        if entry["expect"] is None:
            assert exc is binance_raised[-1]
            return
        assert isinstance(exc, KINDS[entry["expect"]])
        assert isinstance(exc, BinanceAPIException)
        assert exc.original is binance_raised[-1]
        # The chain shows a redacted stand-in of the SDK's exception (its frames, its class).
        assert isinstance(exc.__cause__, type(binance_raised[-1]))
        assert exc.__cause__.__traceback__ is binance_raised[-1].__traceback__
        assert (exc.code, exc.status_code) == (binance_raised[-1].code, entry["http_status"])
        assert entry["exchange"] == exc.diagnosis.exchange
        reported = exc.diagnosis.reported_ip
        assert (entry.get("reported_ip") or None) == (str(reported) if reported else None)
        if entry.get("banned_until_ms"):
            assert entry["banned_until_ms"] == round(exc.diagnosis.banned_until.timestamp() * 1000)

    def test_tally(self, binance_raised):
        """Recall is complete, no near-miss is typed, and every near-miss is the same object."""
        tally = Tally()
        for entry in BINANCE:
            made = ipwhitelist.wrap(
                client(CannedAdapter(entry["http_status"], entry["body"])), egress=False
            )
            exc = call(made, entry)
            tally.add(entry, exc, binance_raised[-1])

        print(f"python-binance: {tally!r}")

        assert (tally.found, tally.false_positives) == (tally.expected, 0)
        assert tally.near_misses == tally.same_object


class TestWrap:
    def test_same_object_idempotent_unwrap(self):
        """wrap() returns the client itself, twice is harmless, unwrap() restores its class."""
        made = client()

        assert made is ipwhitelist.wrap(made, egress=False)
        assert made is ipwhitelist.wrap(made, egress=False)
        assert isinstance(made, Client)
        assert ipwhitelist.is_wrapped(made)
        assert made is ipwhitelist.unwrap(made)
        assert Client is type(made)
        assert not ipwhitelist.is_wrapped(made)

    def test_unwrapped_raises_plain(self):
        """After unwrap(), the SDK's own exception comes through again."""
        made = ipwhitelist.unwrap(ipwhitelist.wrap(client(CannedAdapter(401, B2015)), egress=False))

        with pytest.raises(BinanceAPIException) as info:
            made.get_account()

        assert BinanceAPIException is type(info.value)

    def test_family_is_refused(self):
        """family= pins ccxt sessions only: an SDK client says so instead of ignoring it."""
        with pytest.raises(ValueError, match="ccxt clients only"):
            ipwhitelist.wrap(client(), family=4)

    def test_old_handler_reads_sdk_attributes(self):
        """An old `except BinanceAPIException` handler still reads code, message and status."""
        made = ipwhitelist.wrap(client(CannedAdapter(401, REQUEST_IP)), egress=False)

        try:
            made.futures_account()
        except BinanceAPIException as exc:
            caught = exc

        assert (-2015, 401) == (caught.code, caught.status_code)
        assert "request ip: 203.0.113.7" in caught.message
        assert "binanceusdm" == caught.diagnosis.exchange
        assert "203.0.113.7" == str(caught.diagnosis.reported_ip)
        assert str(caught).startswith("binanceusdm:")

    def test_no_secret_and_pickle(self):
        """Nothing secret in the exception, its diagnosis or its pickle; it round-trips."""
        echo = body_of(
            {"code": -2015, "msg": f"Invalid API-key, IP, or permissions for action. key={API_KEY}"}
        )
        made = ipwhitelist.wrap(client(CannedAdapter(401, echo)), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            made.get_account()
        exc = info.value
        data = pickle.dumps(exc)
        back = pickle.loads(data)

        no_secret(str(exc), repr(exc), str(exc.diagnosis), exc.diagnosis.to_dict(), data)
        assert type(exc) is type(back)
        assert exc.diagnosis == back.diagnosis
        assert isinstance(back, BinanceAPIException)
        assert -2015 == back.code

    def test_retry_after_gives_banned_until(self):
        """A 418 without a time in the message: banned_until comes from Retry-After."""
        body = body_of({"code": -1003, "msg": "Way too much request weight used."})
        made = ipwhitelist.wrap(
            client(CannedAdapter(418, body, {"Retry-After": "120"})), egress=False
        )

        with pytest.raises(ipwhitelist.IPBanned) as info:
            made.get_account()

        assert info.value.banned_until is not None
        assert 418 == info.value.status_code

    def test_egress_through_the_clients_proxy(self, monkeypatch):
        """The egress lookup goes through the proxy in requests_params."""
        seen = []

        class Recording(ipwhitelist.EgressDetector):
            def detect(self, proxy=None, **kwargs):
                seen.append(proxy)

        detector = Recording(["http://127.0.0.1:9/ip"], allow_private=True)
        proxy = "http://127.0.0.9:3128"
        made = client(CannedAdapter(401, B2015), requests_params={"proxies": {"https": proxy}})
        ipwhitelist.wrap(made, egress=detector)

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            made.get_account()

        assert [proxy] == seen


class TestAsync:
    @pytest.mark.asyncio
    async def test_async_client_rest(self, monkeypatch):
        """AsyncClient over loopback aiohttp: a 418 is IPBanned and a BinanceAPIException."""
        replay_at_ban_time(monkeypatch, 1659761931230)
        ban = body_of(
            {"code": -1003, "msg": "Way too many requests; IP banned until 1659761931230."}
        )
        with FakeServer(default=canned(418, ban)) as server:
            made = point_binance(AsyncClient(API_KEY, SECRET), server.url)
            ipwhitelist.wrap(made, egress=False)
            try:
                with pytest.raises(BinanceAPIException) as info:
                    await made.get_account()
                near = point_binance(AsyncClient(API_KEY, SECRET), server.url)
            finally:
                await made.close_connection()
        await near.close_connection()

        assert isinstance(info.value, ipwhitelist.IPBanned)
        assert 1659761931230 == round(info.value.banned_until.timestamp() * 1000)
        assert info.value.diagnosis.endpoint.endswith("/api/v3/account")

    @pytest.mark.asyncio
    async def test_create_inside_diagnosing(self, monkeypatch):
        """AsyncClient.create() pings first: `async with diagnosing()` types a 451 there."""
        geo = body_of({"code": 0, "msg": "Service unavailable from a restricted location"})
        with FakeServer(default=canned(451, geo)) as server:
            monkeypatch.setattr(BaseClient, "API_URL", f"{server.url}/api")
            with pytest.raises(ipwhitelist.GeoRestricted) as info:
                async with ipwhitelist.diagnosing(egress=False):
                    await AsyncClient.create(API_KEY, SECRET)

        assert isinstance(info.value, BinanceAPIException)
        assert "binance" == info.value.diagnosis.exchange

    def test_client_inside_diagnosing(self, monkeypatch):
        """Client() pings in its constructor: `with diagnosing()` types the 451 it raises."""
        geo = body_of({"code": 0, "msg": "Service unavailable from a restricted location"})
        with FakeServer(default=canned(451, geo)) as server:
            monkeypatch.setattr(BaseClient, "API_URL", f"{server.url}/api")
            with pytest.raises(ipwhitelist.GeoRestricted), ipwhitelist.diagnosing(egress=False):
                Client(API_KEY, SECRET)

    def test_diagnose_decorator_passes_other_errors(self):
        """@diagnose leaves a non-IP BinanceAPIException as the very same object."""
        original = BinanceAPIException(None, 400, body_of({"code": -1022, "msg": "Signature"}))

        @ipwhitelist.diagnose(egress=False)
        def fails():
            raise original

        with pytest.raises(BinanceAPIException) as info:
            fails()

        assert info.value is original


def ws_refusal(message):
    """The WebSocket API's answer to any request: 401, -2015 (binance/ws/websocket_api.py)."""
    frame = {
        "id": message.data["id"],
        "status": 401,
        "error": {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    }
    return [frame]


class TestWebsocketApi:
    @pytest.mark.asyncio
    async def test_async_ws_api(self):
        """AsyncClient.ws_get_account() refused by the WebSocket API: IPNotWhitelisted."""
        async with FakeWsServer(ws_refusal) as server:
            made = AsyncClient(API_KEY, SECRET)
            made.ws_api._url = server.url
            made.ws_api.TIMEOUT = 0.2  # its read loop polls this often for close()
            ipwhitelist.wrap(made, egress=False)
            try:
                with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                    await made.ws_get_account()
            finally:
                await made.close_connection()

        assert isinstance(info.value, BinanceAPIException)
        assert (401, "-2015") == (info.value.diagnosis.http_status, info.value.diagnosis.code)

    def test_sync_ws_api(self):
        """Client.ws_futures_account_status() (run in the client's loop) is typed the same way."""
        loop = asyncio.get_event_loop()
        server = loop.run_until_complete(FakeWsServer(ws_refusal).start())
        made = client()
        made.ws_future._url = server.url
        made.ws_future.TIMEOUT = 0.2  # its read loop polls this often for close()
        ipwhitelist.wrap(made, egress=False)
        try:
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                made.ws_futures_account_status()
        finally:
            loop.run_until_complete(made.ws_future.close())
            loop.run_until_complete(server.stop())

        assert "binanceusdm" == info.value.diagnosis.exchange
