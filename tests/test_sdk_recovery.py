"""
SDK clients report recovery too: after a rejection, the first signed call that succeeds.

As for ccxt clients (test_watch), a rejection arms the client; a public call
proves nothing (it succeeds whatever the whitelist says); an error returned as
data is no success.
"""

from __future__ import annotations

import json

import httpx
import pytest
from binance.async_client import AsyncClient
from binance.client import Client
from binance_common.configuration import ConfigurationRestAPI
from binance_sdk_spot.spot import Spot
from okx.Account import AccountAPI
from pybit.unified_trading import HTTP

import ipwhitelist
from helpers import API_KEY, B2015, SECRET, CannedAdapter, body_of, canned
from ipwhitelist._testing.fake import FakeServer
from sdks import PASSPHRASE, binance_loop, point_binance  # noqa: F401 - binance_loop: autouse

FINGERPRINT = ipwhitelist.fingerprint(API_KEY)
ACCOUNT = body_of({"makerCommission": 10, "balances": []})
UNMATCHED = body_of({"retCode": 10010, "retMsg": "Unmatched IP", "result": {}, "time": 1})
BYBIT_OK = body_of({"retCode": 0, "retMsg": "OK", "result": {"list": []}, "time": 1})


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, diagnosis):
        self.events.append(("rejected", diagnosis.exchange, diagnosis.key_fingerprint))

    def on_recovery(self, exchange, key):
        self.events.append(("recovered", exchange, key))


@pytest.fixture
def recorder():
    hook = Recorder()
    ipwhitelist.set_on_rejection_hooks([hook])
    return hook


def test_pybit(recorder):
    """pybit: a 10010, then a public call (nothing), then a signed call: one recovery."""
    adapter = CannedAdapter(200, UNMATCHED)
    made = HTTP(api_key=API_KEY, api_secret=SECRET, retry_delay=0)
    made.client.mount("https://", adapter)
    ipwhitelist.wrap(made, egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        made.get_wallet_balance(accountType="UNIFIED")
    adapter.status, adapter.body = 200, BYBIT_OK

    made.get_server_time()  # public: proves nothing
    assert [("rejected", "bybit", FINGERPRINT)] == recorder.events
    made.get_wallet_balance(accountType="UNIFIED")
    made.get_wallet_balance(accountType="UNIFIED")

    assert ("recovered", "bybit", FINGERPRINT) == recorder.events[-1]
    assert 2 == len(recorder.events)
    ipwhitelist.unwrap(made)
    assert HTTP is type(made)


def test_pybit_returned_error_is_no_recovery(recorder):
    """With ignore_codes, a returned 10010 is another rejection, not a success."""
    adapter = CannedAdapter(200, UNMATCHED)
    made = HTTP(api_key=API_KEY, api_secret=SECRET, retry_delay=0, ignore_codes={10010})
    made.client.mount("https://", adapter)
    ipwhitelist.wrap(made, egress=False)

    made.get_wallet_balance(accountType="UNIFIED")
    made.get_wallet_balance(accountType="UNIFIED")
    assert ["rejected", "rejected"] == [e[0] for e in recorder.events]
    adapter.body = BYBIT_OK
    made.get_wallet_balance(accountType="UNIFIED")

    assert ("recovered", "bybit", FINGERPRINT) == recorder.events[-1]


def test_python_binance(recorder):
    """python-binance Client: a -2015 on futures closes with any signed call of the key."""
    adapter = CannedAdapter(401, B2015)
    made = Client(API_KEY, SECRET, ping=False)
    made.session.mount("https://", adapter)
    ipwhitelist.wrap(made, egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        made.futures_account()
    adapter.status, adapter.body = 200, ACCOUNT

    made.get_server_time()  # public (signed=False): proves nothing
    assert 1 == len(recorder.events)
    made.get_account()

    # The key's whitelist is one for all its products: the futures incident is over.
    assert [
        ("rejected", "binanceusdm", FINGERPRINT),
        ("recovered", "binanceusdm", FINGERPRINT),
    ] == recorder.events


@pytest.mark.asyncio
async def test_python_binance_async(recorder):
    """AsyncClient: the same, over loopback aiohttp."""
    answer = {"status": 401, "body": B2015}

    def route(request):
        return canned(answer["status"], answer["body"])(request)

    with FakeServer(default=route) as server:
        made = point_binance(AsyncClient(API_KEY, SECRET), server.url)
        ipwhitelist.wrap(made, egress=False)
        try:
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                await made.get_account()
            answer.update(status=200, body=ACCOUNT)
            await made.get_account()
        finally:
            await made.close_connection()

    assert ("recovered", "binance", FINGERPRINT) == recorder.events[-1]


def test_python_okx(recorder):
    """python-okx returns the 50110 as data; the next answer with code "0" is the recovery."""
    answer = {"body": json.dumps({"code": "50110", "msg": "Your IP 203.0.113.7 is not included"})}
    made = AccountAPI(API_KEY, SECRET, PASSPHRASE, flag="0")
    made._transport = httpx.MockTransport(
        lambda _request: httpx.Response(200, content=answer["body"].encode())
    )
    made._mounts = {}
    ipwhitelist.wrap(made, egress=False)

    made.get_account_balance()
    answer["body"] = json.dumps({"code": "0", "msg": "", "data": []})
    made.get_account_balance()

    assert [
        ("rejected", "okx", FINGERPRINT),
        ("recovered", "okx", FINGERPRINT),
    ] == recorder.events


def test_binance_modular_sdk(recorder):
    """binance-sdk-spot: the REST client built by the wrapped Spot recovers."""
    adapter = CannedAdapter(401, B2015)
    made = Spot(config_rest_api=ConfigurationRestAPI(api_key=API_KEY, api_secret=SECRET))
    made.rest_api._session.mount("https://", adapter)
    ipwhitelist.wrap(made, egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        made.rest_api.get_account()
    adapter.status, adapter.body = 200, ACCOUNT

    made.rest_api.time()  # public: proves nothing
    assert 1 == len(recorder.events)
    made.rest_api.get_account()

    assert ("recovered", "binance", FINGERPRINT) == recorder.events[-1]
