"""On-rejection hooks, the deduplicated incident log, and the tenacity retry condition."""

from __future__ import annotations

import ipaddress
import logging
import subprocess
import sys
import tracemalloc

import ccxt
import pytest
import tenacity

import ipwhitelist
from helpers import B2015, CannedAdapter, body_of, mount


def client(status=401, body=B2015, exchange="binance"):
    c = getattr(ccxt, exchange)({"apiKey": "k" * 64, "secret": "s" * 64, "enableRateLimit": False})
    return ipwhitelist.wrap(mount(c, CannedAdapter(status, body)), egress=False)


def fail(c, times):
    for _ in range(times):
        with pytest.raises(ipwhitelist.IPRejection):
            c.private_get_account()


class TestIncidentLog:
    def test_thousand_rejections_one_record(self, caplog):
        """1,000 identical rejections produce one log record; the repeats are counted."""
        log = ipwhitelist.IncidentLog()
        ipwhitelist.set_on_rejection_hooks([log])
        c = client()

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(c, 1000)

        records = [r for r in caplog.records if r.name == "ipwhitelist"]
        assert 1 == len(records)
        assert "binance" == records[0].ipwhitelist["exchange"]
        with pytest.raises(ipwhitelist.IPRejection) as info:
            c.private_get_account()
        assert 1000 == log.repeats(info.value.diagnosis)

    def test_repeat_after_window_reports_the_count(self, caplog):
        """After the quiet window, the next rejection logs again with the suppressed count."""
        log = ipwhitelist.IncidentLog(window=0.0)
        ipwhitelist.set_on_rejection_hooks([log])
        c = client()
        log.window = 3600.0

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(c, 5)
            log.window = 0.0
            fail(c, 1)

        messages = [r.getMessage() for r in caplog.records if r.name == "ipwhitelist"]
        assert 2 == len(messages)
        assert "(4 more since the last report)" in messages[1]
        assert 4 == caplog.records[-1].ipwhitelist_repeats

    def test_different_incidents_are_logged_separately(self, caplog):
        """Another exchange or kind is another incident."""
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog()])
        bybit = client(
            200,
            body_of(
                {
                    "retCode": 10010,
                    "retMsg": "Unmatched IP, please check your API key's bound IP addresses.",
                }
            ),
            "bybit",
        )

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(client(), 3)
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                bybit.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

        assert 2 == len([r for r in caplog.records if r.name == "ipwhitelist"])

    def test_no_secret_in_log_records(self, caplog):
        """Log records (message and structured fields) carry no credential."""
        c = client(
            401,
            body_of(
                {
                    "code": -2015,
                    "msg": "Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7",
                }
            ),
        )

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(c, 1)

        text = caplog.text + repr([r.__dict__ for r in caplog.records])
        assert "k" * 64 not in text
        assert "s" * 64 not in text


class TestHooks:
    def test_custom_hook_gets_every_diagnosis(self):
        """A hook (alerting, metrics) is called once per rejection with the diagnosis."""
        seen = []
        ipwhitelist.set_on_rejection_hooks([seen.append])

        fail(client(), 3)

        assert 3 == len(seen)
        assert {"binance"} == {d.exchange for d in seen}

    def test_failing_hook_never_breaks_the_bot(self, caplog):
        """A hook that raises is logged; the bot still gets its typed exception."""

        def broken(_diagnosis):
            raise RuntimeError("telegram is down")

        seen = []
        ipwhitelist.set_on_rejection_hooks([broken, seen.append])

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(client(), 1)

        assert 1 == len(seen)
        assert "hook" in caplog.text
        assert "telegram is down" in caplog.text

    def test_hooks_off(self, caplog):
        """set_on_rejection_hooks([]) silences everything."""
        ipwhitelist.set_on_rejection_hooks([])

        with caplog.at_level(logging.DEBUG, logger="ipwhitelist"):
            fail(client(), 2)

        assert [] == [r for r in caplog.records if r.name == "ipwhitelist"]
        assert () == ipwhitelist.get_on_rejection_hooks()

    def test_counter_for_metrics(self):
        """RejectionCounter counts by (exchange, kind) for a metrics exporter."""
        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])

        fail(client(), 7)

        assert {("binance", "ip_not_whitelisted"): 7} == counter.counts

    def test_rejects_non_callables(self):
        """Hooks must be callables."""
        with pytest.raises(TypeError):
            ipwhitelist.set_on_rejection_hooks(["nope"])  # type: ignore[list-item]

    def test_hook_runs_after_the_egress_lookup(self):
        """With an egress detector, the hook sees the finished diagnosis (with the egress IP)."""
        from ipwhitelist._testing.fake import FakeServer, Reply

        seen = []
        ipwhitelist.set_on_rejection_hooks([seen.append])
        with FakeServer(default=lambda r: Reply(body="198.51.100.5")) as echo:
            c = client()
            ipwhitelist.wrap(
                c, egress=ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
            )
            fail(c, 1)

        assert [("198.51.100.5",)] == [tuple(map(str, d.egress_ips)) for d in seen]


class TestRetryCondition:
    def run(self, exc):
        calls = []

        @tenacity.retry(
            retry=tenacity.retry_if_exception_type(ccxt.NetworkError)
            & ipwhitelist.retry_unless_ip_rejection,
            stop=tenacity.stop_after_attempt(3),
            wait=tenacity.wait_none(),
            reraise=True,
        )
        def call():
            calls.append(1)
            raise exc

        with pytest.raises(type(exc)):
            call()
        return len(calls)

    def test_network_errors_are_retried(self):
        """Ordinary network errors are still retried."""
        assert 3 == self.run(ccxt.RequestTimeout("binance GET https://api.binance.com timeout"))

    @pytest.mark.parametrize(
        "cls", [ipwhitelist.IPBanned, ipwhitelist.IPNotWhitelisted, ipwhitelist.GeoRestricted]
    )
    def test_ip_rejections_are_not(self, cls):
        """An IP rejection is tried once, even an IPBanned (which is a ccxt NetworkError)."""
        kind = {ipwhitelist.IPBanned: "ip_banned", ipwhitelist.GeoRestricted: "geo_restricted"}.get(
            cls, "ip_not_whitelisted"
        )
        d = ipwhitelist.Diagnosis(exchange="binance", kind=kind, confidence="confirmed")

        assert 1 == self.run(cls("refused", diagnosis=d))


class TestIncidentMemory:
    def test_distinct_incidents_keep_bounded_memory(self):
        """20,000 distinct incidents (a new IP each) leave the incident log's memory bounded."""
        log = ipwhitelist.IncidentLog(level=logging.DEBUG)

        def feed(first, count):
            for i in range(first, first + count):
                log(
                    ipwhitelist.Diagnosis(
                        exchange="binance",
                        kind="ip_not_whitelisted",
                        confidence="possible",
                        reported_ip=ipaddress.IPv4Address(0x0A000000 + i),
                    )
                )

        tracemalloc.start()
        try:
            feed(0, 2_000)
            before = tracemalloc.get_traced_memory()[0]
            feed(2_000, 18_000)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()

        # Unbounded, 18,000 more incidents keep about 5 MB (~300 bytes each).
        assert grown < 1_000_000, f"{grown:,} bytes kept by 18,000 more incidents"

    def test_least_recently_seen_incident_is_forgotten_first(self, caplog):
        """Past max_incidents, the incident seen least recently is forgotten; a recurrence logs anew."""
        log = ipwhitelist.IncidentLog(max_incidents=2)

        def seen(last_octet):
            log(
                ipwhitelist.Diagnosis(
                    exchange="binance",
                    kind="ip_not_whitelisted",
                    confidence="possible",
                    reported_ip=f"203.0.113.{last_octet}",
                )
            )

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            for octet in (1, 2, 1, 3, 1, 2):
                seen(octet)

        logged = [r.ipwhitelist["reported_ip"] for r in caplog.records if r.name == "ipwhitelist"]
        assert ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.2"] == logged

    def test_max_incidents_must_be_positive(self):
        """An incident log that remembers nothing is a configuration mistake."""
        with pytest.raises(ValueError, match="max_incidents"):
            ipwhitelist.IncidentLog(max_incidents=0)


class TestLoggingWithoutConfiguration:
    """The library follows the logging HOWTO: no output unless the application asks for it."""

    SCRIPT = """
import ipwhitelist
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

def broken_hook(diagnosis):
    raise RuntimeError("a hook bug")

ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), broken_hook])
with fake_exchange("bybit", FakeKeyState(allowed_ips=["203.0.113.7"])) as fake:
    client = ipwhitelist.wrap(fake.client(), egress=False)
    try:
        client.fetch_balance()
    except ipwhitelist.IPNotWhitelisted:
        print("rejected")
"""

    def test_a_rejection_prints_nothing_on_stderr(self):
        """With no logging configured, a rejection (and a failing hook) writes nothing to stderr."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", self.SCRIPT],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert ("rejected\n", "", 0) == (done.stdout, done.stderr, done.returncode)

    def test_the_package_logger_has_a_null_handler(self):
        """The ``ipwhitelist`` logger carries a NullHandler, so Python's last resort stays silent."""
        handlers = logging.getLogger("ipwhitelist").handlers

        assert any(isinstance(h, logging.NullHandler) for h in handlers)
