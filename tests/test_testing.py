"""ipwhitelist.testing: fake exchanges a bot's test suite drives, and rejection capture."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ccxt
import pytest

import ipwhitelist
from ipwhitelist import testing
from ipwhitelist.testing import afake_exchange, capture_rejections, fake_exchange

TRADING = ["binance", "bybit", "okx"]


@pytest.fixture(autouse=True)
def _quiet_hooks():
    """No incident log records between tests; each test starts with no hooks."""
    before = ipwhitelist.get_on_rejection_hooks()
    ipwhitelist.set_on_rejection_hooks([])
    yield
    ipwhitelist.set_on_rejection_hooks(before)


def bot_loop(exchange):
    """What a bot does every tick: markets, price, balance, an order placed and cancelled."""
    exchange.load_markets()
    price = exchange.fetch_ticker("BTC/USDT")["last"]
    free = exchange.fetch_balance()["USDT"]["free"]
    order = exchange.create_order("BTC/USDT", "limit", "buy", 0.001, price * 0.9)
    listed = [o["id"] for o in exchange.fetch_open_orders("BTC/USDT")]
    exchange.cancel_order(order["id"], "BTC/USDT")
    left = exchange.fetch_open_orders("BTC/USDT")
    return price, free, order["id"], listed, left


class TestBotLoop:
    @pytest.mark.parametrize("exchange_id", TRADING)
    def test_sync_loop_runs_on_a_real_ccxt_client(self, exchange_id):
        """Markets, ticker, balance and orders answer a real ccxt client, signed and checked."""
        with fake_exchange(exchange_id, balance={"USDT": "250"}) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=fake.egress)

            price, free, order_id, listed, left = bot_loop(exchange)

        assert isinstance(exchange, getattr(ccxt, exchange_id))
        assert ["BTC/USDT"] == list(exchange.markets)
        assert 50000.0 == price
        assert 250.0 == free
        assert [order_id] == listed
        assert [] == left

    @pytest.mark.parametrize("exchange_id", TRADING)
    def test_async_loop_and_clients_closed(self, exchange_id):
        """async_client() works in the loop; afake_exchange closes it on exit."""

        async def main():
            async with afake_exchange(exchange_id) as fake:
                fake.price = "123.5"
                exchange = ipwhitelist.wrap(fake.async_client(), egress=fake.egress)
                await exchange.load_markets()
                ticker = await exchange.fetch_ticker("BTC/USDT")
                balance = await exchange.fetch_balance()
                order = await exchange.create_order("BTC/USDT", "limit", "sell", 0.01, 130)
                await exchange.cancel_order(order["id"], "BTC/USDT")
            return exchange, ticker["last"], balance["USDT"]["free"]

        exchange, last, free = asyncio.run(main())

        assert 123.5 == last
        assert 1000.0 == free
        assert exchange.session is None or exchange.session.closed

    def test_pro_client_is_a_ccxt_pro_client(self):
        """async_client(pro=True) gives a ccxt.pro client whose REST calls reach the fake."""

        async def main():
            async with afake_exchange("bybit") as fake:
                exchange = fake.async_client(pro=True)
                return exchange, await exchange.fetch_balance()

        exchange, balance = asyncio.run(main())

        assert isinstance(exchange, ccxt.pro.bybit)
        assert 1000.0 == balance["USDT"]["free"]

    @pytest.mark.parametrize("exchange_id", TRADING)
    def test_cancelling_an_unknown_order(self, exchange_id):
        """The exchange's own "no such order" answer: ccxt raises OrderNotFound, not an IP error."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            order = exchange.create_order("BTC/USDT", "market", "buy", 0.01)
            exchange.cancel_order(order["id"], "BTC/USDT")
            with pytest.raises(ccxt.OrderNotFound):
                exchange.cancel_order(order["id"], "BTC/USDT")

    @pytest.mark.parametrize("exchange_id", TRADING)
    def test_the_signature_is_checked(self, exchange_id):
        """A client with the wrong secret is refused as the exchange refuses it: not an IP rejection."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(secret="not-the-secret"), egress=False)
            with pytest.raises(ccxt.AuthenticationError) as info:
                exchange.fetch_balance()

        assert not isinstance(info.value, ipwhitelist.IPRejection)

    def test_a_bot_building_its_own_client(self):
        """credentials and point_at serve bots that construct the ccxt client themselves."""
        with fake_exchange("okx") as fake:
            exchange = fake.point_at(ccxt.okx(fake.credentials))

            assert 1000.0 == exchange.fetch_balance()["USDT"]["free"]
            assert {"apiKey", "secret", "password"} == set(fake.credentials)


class TestIncidents:
    @pytest.mark.parametrize("exchange_id", TRADING)
    def test_change_ip_then_restore(self, exchange_id):
        """change_ip(): the next call raises IPNotWhitelisted; restore(): trading resumes."""
        with fake_exchange(exchange_id) as fake, capture_rejections() as rejections:
            exchange = ipwhitelist.wrap(fake.client(), egress=fake.egress)
            exchange.fetch_balance()
            fake.change_ip("198.51.100.23")
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                exchange.fetch_balance()
            fake.restore()
            exchange.fetch_balance()

        diagnosis = info.value.diagnosis
        assert ("198.51.100.23",) == tuple(str(ip) for ip in diagnosis.egress_ips)
        assert ["ip_not_whitelisted"] == rejections.kinds
        assert [exchange_id] == rejections.recoveries
        assert "127.0.0.1" == fake.ip

    def test_whitelisting_the_new_ip_fixes_it(self):
        """allowed_ips is the key's whitelist, assignable like the exchange's page."""
        with fake_exchange("binance") as fake:
            exchange = fake.client()
            fake.change_ip()
            with pytest.raises(ccxt.AuthenticationError):  # Binance's -2015, unwrapped
                exchange.fetch_balance()
            fake.allowed_ips = [*fake.allowed_ips, "198.51.100.0/24"]

            assert 1000.0 == exchange.fetch_balance()["USDT"]["free"]
        assert ["127.0.0.1", "198.51.100.0/24"] == fake.allowed_ips

    def test_no_whitelist_means_any_ip(self):
        """allowed_ips=[]: the key is unrestricted, as on the exchanges."""
        with fake_exchange("bybit", allowed_ips=[]) as fake:
            fake.change_ip("203.0.113.200")

            assert 1000.0 == fake.client().fetch_balance()["USDT"]["free"]

    @pytest.mark.parametrize("exchange_id", [*TRADING, "gate"])
    def test_ban_is_ip_banned_and_not_retried(self, exchange_id):
        """ban(): every request, public ones too, raises IPBanned; ccxt sends it once."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.ban(retry_after=600)
            before = len(fake.requests)
            with pytest.raises(ipwhitelist.IPBanned) as info:
                exchange.fetch_time()

        assert 1 == len(fake.requests) - before
        assert "ip_banned" == info.value.diagnosis.kind

    def test_binance_ban_says_until_when(self):
        """Binance's 418 carries Retry-After and "banned until": the diagnosis knows the end."""
        start = datetime.now(UTC)
        with fake_exchange("binance") as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.ban(retry_after=600)
            with pytest.raises(ipwhitelist.IPBanned) as info:
                exchange.fetch_balance()

        until = info.value.diagnosis.banned_until
        assert until is not None
        assert start + timedelta(seconds=590) < until < start + timedelta(hours=1)

    @pytest.mark.parametrize("exchange_id", ["bybit", "okx"])
    def test_retry_after_of_a_ban_page_gives_the_end(self, exchange_id):
        """A ban page (not JSON) that ccxt raises from its status map keeps its Retry-After."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.ban(retry_after=600)
            start = datetime.now(UTC)
            with pytest.raises(ipwhitelist.IPBanned) as info:
                exchange.fetch_balance()

        until = info.value.diagnosis.banned_until
        assert until is not None
        assert start + timedelta(seconds=590) < until < start + timedelta(hours=1)

    @pytest.mark.asyncio
    async def test_retry_after_of_a_ban_page_async(self):
        """The same on an async client (ccxt's aiohttp fetch raises from its status map too)."""
        async with afake_exchange("bybit") as fake:
            exchange = ipwhitelist.wrap(fake.async_client(), egress=False)
            fake.ban(retry_after=600)
            start = datetime.now(UTC)
            with pytest.raises(ipwhitelist.IPBanned) as info:
                await exchange.fetch_balance()

        until = info.value.diagnosis.banned_until
        assert until is not None
        assert start + timedelta(seconds=590) < until < start + timedelta(hours=1)

    def test_another_calls_headers_are_not_used(self):
        """A body that is not the one ccxt raised with: its Retry-After is not this ban's end."""
        with fake_exchange("bybit") as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.ban(retry_after=600)
            raise_from_status = exchange.handle_http_status_code

            def another_call_lands_first(*args):
                exchange.last_http_response = '{"retCode":0,"retMsg":"OK"}'
                return raise_from_status(*args)

            exchange.handle_http_status_code = another_call_lands_first
            with pytest.raises(ipwhitelist.IPBanned) as info:
                exchange.fetch_balance()

        assert info.value.diagnosis.banned_until is None

    def test_ban_rejects_a_negative_retry_after(self):
        with fake_exchange() as fake, pytest.raises(ValueError, match="negative"):
            fake.ban(retry_after=-1)

    @pytest.mark.parametrize(
        ("exchange_id", "call"),
        [
            ("binance", "fetch_balance"),
            ("bybit", "fetch_balance"),
            ("okx", "fetch_balance"),
            ("kucoin", "private_get_user_api_key"),
        ],
    )
    def test_geo_block(self, exchange_id, call):
        """geo_block(): GeoRestricted on every exchange; restore() lifts it."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.geo_block()
            with pytest.raises(ipwhitelist.GeoRestricted):
                getattr(exchange, call)()
            fake.restore()

            assert getattr(exchange, call)()

    def test_egress_follows_the_ip_change(self):
        """fake.egress answers the address the fake sees, and never leaves loopback."""
        with fake_exchange() as fake:
            first = fake.egress.detect()
            fake.change_ip("203.0.113.9")
            second = fake.egress.detect()

        assert ["127.0.0.1"] == [str(ip) for ip in first.ips]
        assert ["203.0.113.9"] == [str(ip) for ip in second.ips]
        assert all("whoami" not in r.path for r in fake.requests)


class TestOtherExchanges:
    @pytest.mark.parametrize(
        ("exchange_id", "call"),
        [
            ("kucoin", "private_get_user_api_key"),
            ("bitget", "private_spot_get_v2_spot_account_info"),
            ("gate", "private_account_get_detail"),
        ],
    )
    def test_key_endpoint_refuses_a_changed_ip(self, exchange_id, call):
        """KuCoin, Bitget and Gate answer their key endpoint, and refuse a changed IP."""
        with fake_exchange(exchange_id) as fake:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            getattr(exchange, call)()
            fake.change_ip()
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                getattr(exchange, call)()

    def test_unknown_exchange(self):
        with pytest.raises(ValueError, match="no fake for 'kraken'"), fake_exchange("kraken"):
            pass

    def test_loopback_only(self):
        with pytest.raises(ValueError, match="loopback"), fake_exchange(host="0.0.0.0"):
            pass


class TestNoSecrets:
    def test_repr_shows_no_credential(self):
        with fake_exchange("okx") as fake:
            text = repr(fake)

        assert "okx" in text
        assert "127.0.0.1" in text
        for value in fake.credentials.values():
            assert value not in text


class TestCaptureRejections:
    def test_restores_the_previous_hooks(self):
        """The hooks set before are back afterwards, even when the block raises."""
        log = ipwhitelist.IncidentLog()
        ipwhitelist.set_on_rejection_hooks([log])

        seen = []

        def fail_inside():
            with capture_rejections() as rejections:
                seen.append((log, rejections) == ipwhitelist.get_on_rejection_hooks())
                raise RuntimeError

        with pytest.raises(RuntimeError):
            fail_inside()

        assert [True] == seen

        assert (log,) == ipwhitelist.get_on_rejection_hooks()

    def test_keep_hooks_false_silences_them(self):
        calls = []
        ipwhitelist.set_on_rejection_hooks([calls.append])
        with fake_exchange() as fake, capture_rejections(keep_hooks=False) as rejections:
            exchange = ipwhitelist.wrap(fake.client(), egress=False)
            fake.geo_block()
            with pytest.raises(ipwhitelist.GeoRestricted):
                exchange.fetch_balance()

        assert [] == calls
        assert 1 == len(rejections)
        assert "geo_restricted" == rejections[0].kind
        assert [rejections[0]] == list(rejections)


class TestPublicSurface:
    def test_all(self):
        """The public names, each documented."""
        assert {
            "FakeExchange",
            "FakeServer",
            "FakeWsServer",
            "RejectionCapture",
            "Reply",
            "Request",
            "afake_exchange",
            "capture_rejections",
            "fake_exchange",
            "point_at",
            "point_ws_at",
        } == set(testing.__all__)
        for name in testing.__all__:
            assert getattr(testing, name).__doc__, name

    def test_lint_imports_fails_when_a_layer_imports_the_fakes(self, tmp_path):
        """Only ipwhitelist.testing (and the demo) may import ipwhitelist._testing."""
        src = Path(ipwhitelist.__file__).resolve().parent
        copy = tmp_path / "ipwhitelist"
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
        with (copy / "_keys" / "check.py").open("a", encoding="utf-8") as module:
            module.write("\nfrom .._testing import fake as _fake  # noqa: F401\n")
        config = src.parent.parent / "pyproject.toml"
        run = [Path(sys.executable).with_name("lint-imports"), "--config", str(config)]
        env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}

        done = subprocess.run(run, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool

        assert 1 == done.returncode, done.stdout[-2000:]
        assert "Only ipwhitelist.testing and the demo use the fakes BROKEN" in done.stdout
        assert "ipwhitelist._keys.check -> ipwhitelist._testing.fake" in done.stdout
