"""
Binance's modular SDKs (``binance-sdk-spot`` on ``binance-common``) wrapped.

Real SDK code runs with a requests adapter mounted on the REST client's own
session, keeping Binance's real URLs; the WebSocket API against a loopback
websocket server.
"""

from __future__ import annotations

import pickle
from urllib.parse import urlsplit

import pytest
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketAPI
from binance_common.errors import ClientError, Error, UnauthorizedError
from binance_sdk_spot.rest_api import SpotRestAPI
from binance_sdk_spot.spot import Spot

import ipwhitelist
from helpers import API_KEY, B2015, SECRET, CannedAdapter, body_of, replay_at_ban_time
from ipwhitelist._testing.ws import FakeWsServer
from sdks import KINDS, Tally, corpus, ids, no_secret

BINANCE = corpus("binance")


def spot(adapter: CannedAdapter | None = None, base: str | None = None, **kwargs) -> Spot:
    config = ConfigurationRestAPI(api_key=API_KEY, api_secret=SECRET, base_path=base, **kwargs)
    made = Spot(config_rest_api=config)
    if adapter is not None:
        made.rest_api._session.mount("https://", adapter)
    return made


def call(rest: SpotRestAPI, entry: dict):
    """One signed call; the canned answer is the entry's whatever the path.

    (``SpotRestAPI.send_request`` itself fails in binance-sdk-spot 13.3:
    ``send_request[T](...)`` subscripts a function.)
    """
    try:
        rest.get_account()
    except Exception as exc:
        return exc
    return None


def base_of(url: str) -> str:
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}"


class TestCorpus:
    @pytest.mark.parametrize("entry", BINANCE, ids=ids(BINANCE))
    def test_replay(self, entry, monkeypatch):
        """Each Binance corpus response through the SDK: typed as expected, else untouched."""
        replay_at_ban_time(monkeypatch, entry.get("banned_until_ms"))
        adapter = CannedAdapter(entry["http_status"], entry["body"])
        plain = call(spot(adapter, base_of(entry["url"])).rest_api, entry)
        made = ipwhitelist.wrap(spot(adapter, base_of(entry["url"])), egress=False)

        got = call(made.rest_api, entry)

        if entry["expect"] is None:
            assert (type(plain), plain.args) == (type(got), got.args)
            assert got.__cause__ is None
            return
        assert isinstance(got, KINDS[entry["expect"]])
        assert isinstance(got, type(plain))
        # The call is spot's get_account on the entry's host: the product follows the host.
        assert entry["http_status"] == got.diagnosis.http_status
        assert got.diagnosis.exchange in {entry["exchange"], "binance"}
        if entry.get("banned_until_ms"):
            assert entry["banned_until_ms"] == round(got.diagnosis.banned_until.timestamp() * 1000)

    def test_tally(self):
        """Recall is complete and no near-miss is typed."""
        tally = Tally()
        for entry in BINANCE:
            made = ipwhitelist.wrap(
                spot(CannedAdapter(entry["http_status"], entry["body"]), base_of(entry["url"])),
                egress=False,
            )
            got = call(made.rest_api, entry)
            tally.add(entry, got, got if not isinstance(got, ipwhitelist.IPRejection) else None)

        print(f"binance-sdk-spot: {tally!r}")

        assert (tally.found, tally.false_positives) == (tally.expected, 0)
        assert tally.near_misses == tally.same_object


class TestLostInformation:
    def test_status_and_body_recovered(self):
        """The SDK puts -2015 in status_code; the diagnosis has HTTP 401 and the body's code."""
        made = ipwhitelist.wrap(spot(CannedAdapter(401, B2015)), egress=False)

        with pytest.raises(UnauthorizedError) as info:
            made.rest_api.get_account()

        assert -2015 == info.value.status_code
        assert (401, "-2015") == (info.value.diagnosis.http_status, info.value.diagnosis.code)

    def test_451_html_is_geo(self):
        """A 451 HTML page is a bare ClientError(None) from the SDK: the recorded body types it."""
        page = "<html>Service unavailable from a restricted location</html>"
        made = ipwhitelist.wrap(spot(CannedAdapter(451, page)), egress=False)

        with pytest.raises(ClientError) as info:
            made.rest_api.get_account()

        assert isinstance(info.value, ipwhitelist.GeoRestricted)
        assert 451 == info.value.diagnosis.http_status

    def test_rest_api_wrapped_directly(self):
        """A SpotRestAPI held on its own can be wrapped too."""
        rest = spot(CannedAdapter(401, B2015)).rest_api
        ipwhitelist.wrap(rest, egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            rest.get_account()

    def test_diagnosing_without_the_transport(self):
        """diagnosing() sees only the exception: Binance's code in status_code still types it."""
        with pytest.raises(ipwhitelist.IPNotWhitelisted), ipwhitelist.diagnosing(egress=False):
            raise UnauthorizedError("Invalid API-key, IP, or permissions for action.", -2015)


class TestWrap:
    def test_unwrap_and_secrets(self):
        """Nothing secret anywhere; unwrap() restores both objects and removes the hook."""
        echo = body_of({"code": -2015, "msg": f"Invalid API-key {API_KEY}"})
        made = ipwhitelist.wrap(spot(CannedAdapter(401, echo)), egress=False)
        with pytest.raises(Error) as info:
            made.rest_api.get_account()
        exc = info.value
        data = pickle.dumps(exc)
        rest = made.rest_api

        no_secret(str(exc), repr(exc), str(exc.diagnosis), exc.diagnosis.to_dict(), data)
        assert -2015 == pickle.loads(data).status_code
        assert made is ipwhitelist.unwrap(made)
        assert (Spot, SpotRestAPI) == (type(made), type(rest))
        assert [] == rest._session.hooks["response"]

    @pytest.mark.asyncio
    async def test_websocket_api(self):
        """The WebSocket API returns its refusal as data: reported, and raised when asked to."""

        def refuse(message):
            error = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
            return [{"id": message.data["id"], "status": 401, "error": error}]

        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])
        async with FakeWsServer(refuse) as server:
            config = ConfigurationWebSocketAPI(
                api_key=API_KEY, api_secret=SECRET, stream_url=server.url
            )
            made = ipwhitelist.wrap(Spot(config_ws_api=config), egress=False)
            await made.websocket_api.create_connection()
            try:
                returned = await made.websocket_api.account_status()
                ipwhitelist.wrap(made, egress=False, raise_returned=True)
                with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                    await made.websocket_api.account_status()
            finally:
                await made.websocket_api.close_connection(close_session=True)

        assert "-2015" == str(returned.data()["error"]["code"])
        assert {("binance", "ip_not_whitelisted"): 2} == counter.counts
        assert "-2015" == info.value.diagnosis.code
