"""
The freqtrade recipe on a real freqtrade ``Exchange``, offline against the loopback fake.

Not part of the main suite: freqtrade is not a dependency of ipwhitelist.
``make integration`` (run by CI) installs it into a virtualenv of its own and
runs this file there.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import types
from pathlib import Path

import ccxt
import pytest
from freqtrade.exceptions import DDosProtection, TemporaryError
from freqtrade.exchange import Exchange
from freqtrade.resolvers import ExchangeResolver

import ipwhitelist
from ipwhitelist.testing import FakeServer, Reply, fake_exchange, point_at

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BOT_IP = "127.0.0.1"
OTHER_IP = "127.0.0.2"
B451 = {
    "code": 0,
    "msg": "Service unavailable from a restricted location according to 'b. Eligibility' in "
    "https://www.binance.com/en/terms. Please contact customer service if you believe you "
    "received this message in error.",
}


@pytest.fixture
def examples(monkeypatch):
    """The launcher and demo modules; Exchange._init_ccxt is restored afterwards."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setattr(Exchange, "_init_ccxt", Exchange._init_ccxt)
    launcher = importlib.import_module("freqtrade_launcher")
    demo = importlib.import_module("freqtrade_demo")
    return launcher, demo


@pytest.fixture
def fake():
    """A fake Binance whose key allows the bot's address (it also answers egress lookups)."""
    with fake_exchange("binance", allowed_ips=[BOT_IP]) as started:
        yield started


@pytest.fixture
def exchange(examples, fake):
    """Build freqtrade's Binance exchange in dry-run, as FreqtradeBot does, aimed at the fake."""
    _, demo = examples
    made = []

    def build():
        built = ExchangeResolver.load_exchange(demo.freqtrade_config(fake), validate=False)
        made.append(built)
        return built

    yield build
    for built in made:
        built.close()


@pytest.fixture
def backoff(monkeypatch):
    """Record freqtrade's back-off sleeps instead of sleeping."""
    from freqtrade.exchange import common

    sleeps = []
    monkeypatch.setattr(common.time, "sleep", sleeps.append)
    return sleeps


def _balance_requests(fake):
    return sum(request.path == "/api/v3/account" for request in fake.requests)


class TestRecipe:
    def test_clients_are_wrapped_and_work(self, examples, exchange):
        """Both ccxt clients freqtrade creates are wrapped; markets and balance load as before."""
        launcher, _ = examples
        launcher.install(whitelist=[BOT_IP], egress=False)
        ex = exchange()

        ex.reload_markets(force=True)

        assert [True, True] == [ipwhitelist.is_wrapped(c) for c in (ex._api, ex._api_async)]
        assert ["BTC/USDT"] == sorted(ex.markets)
        assert 1000.0 == ex.get_balances()["USDT"]["free"]

    def test_ip_rejection_is_ip_not_whitelisted_with_diagnosis(
        self, examples, exchange, fake, backoff, caplog
    ):
        """Once the key stops allowing the bot's IP, freqtrade's error is caused by IPNotWhitelisted."""
        launcher, _ = examples
        launcher.install(whitelist=[OTHER_IP], egress=fake.egress)
        ex = exchange()
        ex.reload_markets(force=True)
        ex.get_balances()
        fake.allowed_ips = [OTHER_IP]
        before = _balance_requests(fake)

        with pytest.raises(TemporaryError) as info:
            ex.get_balances()

        cause = info.value.__cause__
        assert isinstance(cause, ipwhitelist.IPNotWhitelisted)
        d = cause.diagnosis
        assert ("binance", "-2015", "confirmed", (BOT_IP,)) == (
            d.exchange,
            d.code,
            d.confidence,
            tuple(str(ip) for ip in d.egress_ips),
        )
        assert d.endpoint.endswith("/api/v3/account")
        # freqtrade's @retrier: 4 retries, no back-off (not a DDosProtection).
        assert (5, []) == (_balance_requests(fake) - before, backoff)
        errors = [
            r for r in caplog.records if r.name == "ipwhitelist" and r.levelno >= logging.ERROR
        ]
        assert 1 == len(errors)

    def test_without_the_recipe_freqtrade_backs_off(self, exchange, fake, backoff):
        """Unwrapped, ccxt raises that -2015 as DDoSProtection and freqtrade backs off 18 s."""
        ex = exchange()
        ex.reload_markets(force=True)
        ex.get_balances()
        fake.allowed_ips = [OTHER_IP]

        with pytest.raises(DDosProtection) as info:
            ex.get_balances()

        assert isinstance(info.value.__cause__, ccxt.DDoSProtection)
        assert not isinstance(info.value.__cause__, ipwhitelist.IPRejection)
        assert [1, 2, 5, 10] == backoff

    def test_rejection_at_startup_on_the_async_client(self, examples, exchange, fake, caplog):
        """A key that never allowed the bot: freqtrade's market load logs an IPNotWhitelisted."""
        launcher, _ = examples
        launcher.install(whitelist=[OTHER_IP], egress=False)
        fake.allowed_ips = [OTHER_IP]
        ex = exchange()

        ex.reload_markets(force=True)

        failed = [r for r in caplog.records if r.getMessage() == "Could not load markets."]
        assert 1 == len(failed)
        assert isinstance(failed[0].exc_info[1].__cause__, ipwhitelist.IPNotWhitelisted)
        assert {} == ex.markets

    def test_install_twice_replaces_the_options(self, examples, exchange):
        """Installing again does not wrap freqtrade's method twice."""
        launcher, _ = examples
        original = Exchange._init_ccxt

        launcher.install(whitelist=[OTHER_IP])
        launcher.install(whitelist=[BOT_IP], egress=False)

        assert original is Exchange._init_ccxt.__wrapped__
        assert ipwhitelist.is_wrapped(exchange()._api)


def _run(*args, cwd=None):
    return subprocess.run(  # noqa: S603 - our own example scripts
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "IPWHITELIST_EGRESS": "off"},
        check=False,
    )


class TestExamples:
    def test_demo(self):
        """examples/freqtrade_demo.py runs offline and tells its story."""
        done = _run(EXAMPLES / "freqtrade_demo.py")

        assert 0 == done.returncode, done.stdout + done.stderr
        assert "freqtrade raised TemporaryError from IPNotWhitelisted" in done.stdout
        assert 1 == done.stderr.count("ERROR ipwhitelist")

    def test_launcher_runs_freqtrades_command_line(self, tmp_path):
        """The launcher runs freqtrade's own CLI with every client wrapped (a 451 is typed)."""
        with FakeServer(default=lambda _r: Reply.json(B451, 451)) as server:
            urls = point_at(ccxt.binance(), server.url).urls["api"]
            config = {
                "dry_run": True,
                "stake_currency": "USDT",
                "exchange": {
                    "name": "binance",
                    "ccxt_config": {"urls": {"api": urls}, "enableRateLimit": False},
                },
            }
            (tmp_path / "config.json").write_text(json.dumps(config))
            (tmp_path / "user_data").mkdir()

            done = _run(
                EXAMPLES / "freqtrade_launcher.py",
                "list-markets",
                "--config",
                "config.json",
                "--userdir",
                "user_data",
                cwd=tmp_path,
            )

        assert 2 == done.returncode, done.stderr
        assert "Error in reload_markets due to GeoRestricted" in done.stderr


@pytest.fixture
def webhook(examples, monkeypatch):
    """freqtrade's own RPCManager with its webhook module aimed at a loopback server."""
    from freqtrade.rpc import RPCManager

    monkeypatch.setattr(RPCManager, "__init__", RPCManager.__init__)
    launcher, _ = examples
    launcher.install_notifications()
    config = {
        "webhook": {
            "enabled": True,
            "url": "",
            "format": "json",
            "warning": {"text": "{status}"},
        }
    }
    with FakeServer(default=lambda _r: Reply(status=200)) as server:
        config["webhook"]["url"] = f"{server.url}/hook"
        rpc = RPCManager(types.SimpleNamespace(config=config))
        yield server, rpc, launcher._forwarding["hook"]


class TestNotifications:
    def test_incident_and_recovery_arrive_as_freqtrade_warnings(
        self, examples, exchange, fake, backoff, webhook
    ):
        """An IP incident reaches freqtrade's RPC layer once, as a WARNING; so does its end."""
        launcher, _ = examples
        server, _rpc, hook = webhook
        launcher.install(whitelist=[OTHER_IP], egress=False)
        ex = exchange()
        ex.reload_markets(force=True)
        ex.get_balances()
        fake.allowed_ips = [OTHER_IP]

        with pytest.raises(TemporaryError):
            ex.get_balances()  # 5 requests, 5 rejections: one incident
        fake.allowed_ips = [BOT_IP]
        ex.get_balances()
        assert hook.flush(10)

        texts = [json.loads(r.body)["text"] for r in server.requests]
        assert 2 == len(texts), texts
        incident, recovered = texts
        assert incident.startswith("binance: IP not on the API key's whitelist\n")
        assert "First step:" in incident
        assert "`" not in incident
        assert recovered.startswith("binance: signed calls work again\n")
        assert "5 rejection(s)" in recovered

    def test_a_new_rpc_manager_replaces_the_forwarding(self, examples, webhook):
        """freqtrade rebuilds its RPCManager on /reload_config: one forwarding hook remains."""
        from freqtrade.rpc import RPCManager

        _, _, first = webhook

        RPCManager(types.SimpleNamespace(config={}))

        hooks = ipwhitelist.get_on_rejection_hooks()
        assert first not in hooks
        assert 1 == sum(isinstance(h, ipwhitelist.NotifyHook) for h in hooks)
