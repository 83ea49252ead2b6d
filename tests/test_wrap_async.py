"""wrap() on ccxt.async_support and ccxt.pro clients (REST), end to end on loopback."""

from __future__ import annotations

import asyncio
import time

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest
import pytest_asyncio

import ipwhitelist
from helpers import body_of, canned, make_client, public_ok
from ipwhitelist._testing.fake import FakeServer, Reply

pytestmark = pytest.mark.asyncio

B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
MODULES = pytest.mark.parametrize("module", [ccxt.async_support, ccxt.pro], ids=["async", "pro"])


@pytest_asyncio.fixture
async def clients(server):
    made = []

    def factory(module, exchange_id="binance", **config):
        client = make_client(module, exchange_id, server.url, **config)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.close()


@MODULES
class TestAsync:
    async def test_2015_spot_is_ip_not_whitelisted_but_only_possible(self, server, clients, module):
        """Bare -2015 maps to IPNotWhitelisted with confidence 'possible'."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(clients(module), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            await client.private_get_account()

        assert "possible" == info.value.diagnosis.confidence
        assert isinstance(info.value.original, ccxt.AuthenticationError)

    async def test_ddos_protection_trap(self, server, clients, module):
        """-2015 after success is typed, not ccxt's DDoSProtection network error."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(clients(module), egress=False)
        client.options["hasAlreadyAuthenticatedSuccessfully"] = True

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            await client.private_get_account()

        assert isinstance(info.value.original, ccxt.DDoSProtection)
        assert not isinstance(info.value, ccxt.NetworkError)

    async def test_451_restricted_location(self, server, clients, module):
        """HTTP 451 is GeoRestricted on async clients too."""
        server.default = canned(
            451,
            body_of(
                {
                    "code": 0,
                    "msg": "Service unavailable from a restricted location according to 'b. Eligibility' in https://www.binance.com/en/terms.",
                }
            ),
        )
        client = ipwhitelist.wrap(clients(module), egress=False)

        with pytest.raises(ipwhitelist.GeoRestricted) as info:
            await client.public_get_ping()

        assert isinstance(info.value.original, ccxt.ExchangeNotAvailable)

    async def test_cdn_page_is_quoted_without_ccxts_prefix(self, server, clients, module):
        """aiohttp's reason phrase and ccxt's method and URL are not the exchange's words."""
        page = (
            "<HTML><BODY>The Amazon CloudFront distribution is configured to block access "
            "from your country.</BODY></HTML>"
        )
        server.default = canned(403, page)
        client = ipwhitelist.wrap(clients(module, "bybit"), egress=False)

        with pytest.raises(ipwhitelist.GeoRestricted) as info:
            await client.public_get_v5_market_time()

        d = info.value.diagnosis
        assert (page, None) == (d.message, d.reported_ip)

    async def test_bybit_10010(self, server, clients, module):
        """Bybit 10010 is a confirmed IPNotWhitelisted."""
        server.default = canned(
            200,
            body_of(
                {
                    "retCode": 10010,
                    "retMsg": "Unmatched IP, please check your API key's bound IP addresses.",
                    "result": {},
                }
            ),
        )
        client = ipwhitelist.wrap(clients(module, "bybit"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            await client.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

        assert "confirmed" == info.value.diagnosis.confidence

    async def test_okx_50110(self, server, clients, module):
        """OKX 50110 gives the reported IP."""
        server.default = canned(
            401,
            body_of(
                {
                    "msg": "Your IP 198.51.100.77 is not included in your API key's IP whitelist.",
                    "code": "50110",
                    "data": [],
                }
            ),
        )
        client = ipwhitelist.wrap(clients(module, "okx"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            await client.private_get_account_balance()

        assert "198.51.100.77" == str(info.value.diagnosis.reported_ip)

    async def test_unified_method(self, server, clients, module):
        """fetch_balance raises the typed exception."""
        server.default = public_ok(canned(401, B2015))
        client = ipwhitelist.wrap(
            clients(module, options={"fetchMarkets": {"types": ["spot"]}}), egress=False
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            await client.fetch_balance()

    async def test_near_miss_passes_through(self, server, clients, module):
        """A signature error stays ccxt's AuthenticationError."""
        server.default = canned(
            400, body_of({"code": -1022, "msg": "Signature for this request is not valid."})
        )
        client = ipwhitelist.wrap(clients(module), egress=False)

        with pytest.raises(ccxt.AuthenticationError) as info:
            await client.private_get_account()

        assert not isinstance(info.value, ipwhitelist.IPRejection)

    async def test_same_object(self, clients, module):
        """wrap() keeps identity and isinstance for async and pro classes."""
        client = clients(module)
        cls = type(client)

        assert client is ipwhitelist.wrap(client)
        assert isinstance(client, cls)


class TestConcurrency:
    async def test_many_tasks_get_independent_diagnoses(self, server, clients):
        """200 concurrent rejections each carry the IP reported in their own response."""

        def route(request):
            n = int(request.query["n"][0])
            return Reply.json(
                {
                    "code": -2015,
                    "msg": f"Invalid API-key, IP, or permissions for action, request ip: 198.51.100.{n}",
                },
                401,
            )

        server.default = route
        client = ipwhitelist.wrap(clients(ccxt.async_support, "binanceusdm"), egress=False)

        async def one(n):
            try:
                await client.fapiPrivateV2GetAccount({"n": n})
            except ipwhitelist.IPNotWhitelisted as exc:
                return n, str(exc.diagnosis.reported_ip)
            return n, None

        results = await asyncio.gather(*(one(n) for n in range(200)))

        assert [(n, f"198.51.100.{n}") for n in range(200)] == results

    async def test_egress_single_flight(self, server, clients):
        """100 concurrent rejections cause one egress lookup, made without blocking the loop."""
        lookups = []

        def echo(request):
            lookups.append(request.client_ip)
            time.sleep(0.2)
            return Reply(body=request.client_ip, headers={"Content-Type": "text/plain"})

        with FakeServer(routes={("GET", "/ip"): echo}) as echo_server:
            detector = ipwhitelist.EgressDetector([f"{echo_server.url}/ip"], allow_private=True)
            server.default = canned(401, B2015)
            client = ipwhitelist.wrap(clients(ccxt.async_support), egress=detector)
            ticks = 0

            async def heartbeat():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            beat = asyncio.ensure_future(heartbeat())

            async def one():
                with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                    await client.private_get_account()
                return info.value.diagnosis.egress_ips

            results = await asyncio.gather(*(one() for _ in range(100)))
            beat.cancel()

        assert 1 == len(lookups)
        assert 1 == detector.lookups
        assert {("127.0.0.1",)} == {tuple(map(str, r)) for r in results}
        # The loop kept running during the 0.2 s lookup.
        assert ticks >= 5
