"""Recovery: the first signed call that succeeds after a rejection closes the incident."""

from __future__ import annotations

import logging

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import B2015, CannedAdapter, CannedSession, body_of, mount

OK = body_of({"makerCommission": 10, "balances": []})
CONFIG = {"apiKey": "k" * 64, "secret": "s" * 64, "enableRateLimit": False}


class Recorder:
    """A hook that records rejections and recoveries."""

    def __init__(self):
        self.events = []
        self.keys = []

    def __call__(self, diagnosis):
        self.events.append(("rejected", diagnosis.exchange))

    def on_recovery(self, exchange, key=None):
        self.events.append(("recovered", exchange))
        self.keys.append(key)


@pytest.fixture
def recorder():
    hook = Recorder()
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), hook])
    return hook


def sync_client(key=CONFIG["apiKey"]):
    adapter = CannedAdapter(401, B2015)
    config = {**CONFIG, "apiKey": key}
    client = ipwhitelist.wrap(mount(ccxt.binance(config), adapter), egress=False)
    return client, adapter


class TestPerKey:
    def test_two_keys_on_one_exchange_are_two_incidents(self, caplog):
        """Key A working again closes A's incident only; B's stays open and is logged once."""
        log = ipwhitelist.IncidentLog()
        recorder = Recorder()
        ipwhitelist.set_on_rejection_hooks([log, recorder])
        a, adapter_a = sync_client("a" * 64)
        b, _ = sync_client("b" * 64)
        with caplog.at_level(logging.INFO, logger="ipwhitelist"):
            for client in (a, b, a, b):
                with pytest.raises(ipwhitelist.IPNotWhitelisted):
                    client.private_get_account()
            adapter_a.status, adapter_a.body = 200, OK
            a.private_get_account()
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                b.private_get_account()

        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        (over,) = [r for r in caplog.records if r.levelno == logging.INFO]
        assert 2 == len(errors)  # one per key, not one per exchange
        assert ipwhitelist.fingerprint("b" * 64) == info.value.diagnosis.key_fingerprint
        assert ipwhitelist.fingerprint("b" * 64) in str(info.value.diagnosis)
        assert "b" * 64 not in str(info.value.diagnosis)
        assert 2 == over.ipwhitelist_rejections  # A's two, not A's and B's four
        assert [ipwhitelist.fingerprint("a" * 64)] == recorder.keys
        assert 2 == log.repeats(info.value.diagnosis)  # B's incident is still open


class TestSync:
    def test_success_after_rejection_is_reported_once(self, recorder, caplog):
        """A rejection, then two signed calls that succeed: one recovery, logged at INFO."""
        client, adapter = sync_client()
        wrapped_class = type(client)
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.private_get_account()
        adapter.status, adapter.body = 200, OK

        with caplog.at_level(logging.INFO, logger="ipwhitelist"):
            client.private_get_account()
            client.private_get_account()

        assert [("rejected", "binance"), ("recovered", "binance")] == recorder.events
        (record,) = [r for r in caplog.records if r.levelno == logging.INFO]
        assert logging.INFO == record.levelno
        assert 1 == record.ipwhitelist_rejections
        assert "a signed call succeeded again" in record.getMessage()
        assert wrapped_class is type(client)

    def test_public_call_is_not_a_recovery(self, recorder):
        """An unsigned request succeeding says nothing about the key's whitelist."""
        client, adapter = sync_client()
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.private_get_account()
        adapter.status, adapter.body = 200, body_of({"serverTime": 1})

        client.public_get_time()

        assert [("rejected", "binance")] == recorder.events

    def test_no_recovery_without_a_rejection(self, recorder):
        """A client that was never rejected runs its own class and reports nothing."""
        client, adapter = sync_client()
        adapter.status, adapter.body = 200, OK
        wrapped_class = type(client)

        client.private_get_account()

        assert [] == recorder.events
        assert wrapped_class is type(client)

    def test_repeated_rejections_then_recovery_count_them_all(self, recorder, caplog):
        """The recovery record says how many rejections the incident counted."""
        client, adapter = sync_client()
        for _ in range(5):
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()
        adapter.status, adapter.body = 200, OK

        with caplog.at_level(logging.INFO, logger="ipwhitelist"):
            client.private_get_account()

        (record,) = [r for r in caplog.records if r.levelno == logging.INFO]
        assert 5 == record.ipwhitelist_rejections

    def test_after_recovery_a_rejection_is_a_new_incident(self, caplog):
        """Once closed, the next rejection is logged at once, not counted into the old incident."""
        client, adapter = sync_client()
        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()
            adapter.status, adapter.body = 200, OK
            client.private_get_account()
            adapter.status, adapter.body = 401, B2015
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()

        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert 2 == len(errors)

    def test_unwrap_while_armed_restores_the_original_class(self, recorder):
        """unwrap() of a client with an open incident gives back the plain ccxt class."""
        client, _ = sync_client()
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.private_get_account()
        assert ipwhitelist.is_wrapped(client)

        ipwhitelist.unwrap(client)

        assert ccxt.binance is type(client)
        assert not ipwhitelist.is_wrapped(client)

    def test_failing_recovery_hook_is_logged(self, caplog):
        """An on_recovery hook that raises is logged and never reaches the bot."""

        class Broken:
            def __call__(self, diagnosis):
                pass

            def on_recovery(self, exchange, key):
                raise RuntimeError("pager down")

        ipwhitelist.set_on_rejection_hooks([Broken()])
        client, adapter = sync_client()
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.private_get_account()
        adapter.status, adapter.body = 200, OK

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            client.private_get_account()

        assert "pager down" in caplog.text

    def test_decorator_rejections_arm_nothing(self, recorder):
        """diagnose(exchange=<unwrapped client>) cannot watch the client: no class swap."""
        client = ccxt.binance(dict(CONFIG))

        with (
            pytest.raises(ipwhitelist.IPNotWhitelisted),
            ipwhitelist.diagnosing(exchange=client, egress=False),
        ):
            raise ccxt.AuthenticationError("binance " + B2015)

        assert ccxt.binance is type(client)


@pytest.mark.asyncio
class TestAsync:
    async def test_success_after_rejection_is_reported_once(self, recorder):
        """Async twin: one recovery after a rejection, the class restored."""
        client = ccxt.async_support.binance(dict(CONFIG))
        session = CannedSession(401, B2015)
        client.session = session
        ipwhitelist.wrap(client, egress=False)
        wrapped_class = type(client)
        try:
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                await client.private_get_account()
            session.status, session.body = 200, OK

            await client.private_get_account()
            await client.private_get_account()
        finally:
            await client.close()

        assert [("rejected", "binance"), ("recovered", "binance")] == recorder.events
        assert wrapped_class is type(client)
