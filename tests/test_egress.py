"""Egress detection: racing, validation, bounds, cache, single-flight (no internet)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import ccxt
import httpx
import pytest

import ipwhitelist
from helpers import B2015, CREDENTIALS, CannedAdapter, blackhole, mount, silent_server
from ipwhitelist import EgressDetector, Provider
from ipwhitelist._egress.detector import default_detector
from ipwhitelist._testing.fake import FakeServer, Reply


def mock(answers):
    """A MockTransport answering per URL host: (status, body) or an exception."""

    def handler(request):
        answer = answers[request.url.host]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, content=body)

    return httpx.MockTransport(handler)


def detector(answers, providers=None, **kw):
    providers = providers or [f"https://{host}/" for host in answers]
    transport = mock(answers)
    return EgressDetector(providers, transport=transport, async_transport=transport, **kw)


@pytest.fixture(params=["sync", "async"])
def run(request):
    """Run a detector's lookup through the sync or the async twin."""
    if request.param == "sync":
        return lambda d, **kw: d.detect(**kw)
    return lambda d, **kw: asyncio.run(d.adetect(**kw))


class TestValidation:
    def test_first_valid_answer(self, run):
        """A public IPv4 answer is reported with its provider."""
        report = run(detector({"a.test": (200, b"203.0.113.7\n")}, allow_private=True))

        assert ("203.0.113.7", "https://a.test/") == (str(report.ipv4), report.provider)

    @pytest.mark.parametrize(
        ("answer", "reason"),
        [
            ((200, b"10.0.0.1"), "not a public address"),
            ((200, b"127.0.0.1"), "not a public address"),
            ((200, b"<html>hi</html>"), "not an IP address"),
            ((200, b"1" * 5000), "larger than"),
            ((302, b""), "HTTP 302"),
            ((500, b"8.8.8.8"), "HTTP 500"),
            (httpx.ConnectError("refused"), "connect failed: refused"),
            (httpx.ConnectError(""), "connect failed: no reason given"),
            (httpx.ConnectTimeout("slow"), "connect timed out after 0."),
            (httpx.ReadTimeout("slow"), ": timed out after 0."),
        ],
        ids=[
            "private",
            "loopback",
            "garbage",
            "huge",
            "redirect",
            "500",
            "reset",
            "refused-silently",
            "connect-timeout",
            "read-timeout",
        ],
    )
    def test_bad_answers_are_rejected(self, run, answer, reason):
        """Private/loopback IPs, garbage, huge bodies, redirects, errors give no IP."""
        report = run(detector({"a.test": answer}))

        assert () == report.ips
        assert reason in report.errors[0]

    def test_family_mismatch(self):
        """A provider declared IPv6-only must answer IPv6."""
        d = EgressDetector(
            [Provider(url="https://a.test/", family=6)],
            transport=mock({"a.test": (200, b"8.8.8.8")}),
        )

        assert "expected IPv6" in d.detect().errors[0]

    def test_both_families(self):
        """IPv4 and IPv6 are reported separately."""
        d = EgressDetector(
            [
                Provider(url="https://v4.test/", family=4),
                Provider(url="https://v6.test/", family=6),
            ],
            transport=mock({"v4.test": (200, b"8.8.8.8"), "v6.test": (200, b"2606:4700::1")}),
        )

        report = d.detect()

        assert ("8.8.8.8", "2606:4700::1") == (str(report.ipv4), str(report.ipv6))

    @pytest.mark.parametrize(
        "answer", [b"2606:4700::1%eth0", b"2606:4700::1%25en0", b"fe80::1%1", b"8.8.8.8%eth0"]
    )
    def test_scope_id_is_a_provider_error(self, run, answer):
        """An answer with a scope id is no address: a provider error, whatever the scope."""
        report = run(detector({"a.test": (200, answer)}, allow_private=True))

        assert () == report.ips
        assert "not an IP address" in report.errors[0]

    def test_ipv4_mapped_answer_is_the_ipv4_egress(self, run):
        """A dual-stack provider answering ::ffff:a.b.c.d reports IPv4 egress a.b.c.d."""
        report = run(detector({"a.test": (200, b"::ffff:8.8.8.8\n")}))

        assert ("8.8.8.8", None) == (str(report.ipv4), report.ipv6)
        assert ("https://a.test/", ipaddress.ip_address("8.8.8.8")) == report.answers[0]

    def test_ipv4_mapped_answer_from_an_ipv6_provider(self, run):
        """An IPv6-only provider answering an IPv4-mapped address answered IPv4: refused."""
        d = EgressDetector(
            [Provider(url="https://a.test/", family=6)],
            transport=mock({"a.test": (200, b"::ffff:8.8.8.8")}),
            async_transport=mock({"a.test": (200, b"::ffff:8.8.8.8")}),
        )

        report = run(d)

        assert () == report.ips
        assert "expected IPv6, got 8.8.8.8" in report.errors[0]

    def test_report_fields_hold_their_family(self):
        """EgressReport takes ::ffff:a.b.c.d as IPv4 and refuses it (or a scope id) as IPv6."""
        assert (
            ipaddress.IPv4Address("8.8.8.8") == ipwhitelist.EgressReport(ipv4="::ffff:8.8.8.8").ipv4
        )
        for bad in ("::ffff:8.8.8.8", "fe80::1%eth0"):
            with pytest.raises(ValueError, match="IPv6"):
                ipwhitelist.EgressReport(ipv6=bad)
        with pytest.raises(ValueError, match="IPv4"):
            ipwhitelist.EgressReport(ipv4="2001:db8::1")

    def test_cloudflare_trace_parser(self):
        """The default list parses Cloudflare's key=value trace."""
        trace = next(p for p in ipwhitelist.DEFAULT_PROVIDERS if "trace" in p.url)

        assert "8.8.8.8" == trace.parse("fl=1\nh=1.1.1.1\nip=8.8.8.8\nts=1\nloc=DE\n")

    @pytest.mark.parametrize("kw", [{"providers": []}, {"timeout": 0}])
    def test_bad_configuration(self, kw):
        """An empty provider list or a non-positive budget is refused."""
        with pytest.raises(ValueError):
            EgressDetector(**{"providers": ["https://a.test/"], **kw})


class TestBounds:
    def test_hanging_provider_does_not_delay_the_answer(self, run):
        """One slow provider among fast ones does not hold up the result."""
        with FakeServer(
            routes={
                ("GET", "/slow"): lambda r: (time.sleep(1.5), Reply(body="198.51.100.1"))[1],
                ("GET", "/fast"): lambda r: Reply(body="198.51.100.2"),
            }
        ) as s:
            d = EgressDetector([f"{s.url}/slow", f"{s.url}/fast"], allow_private=True, timeout=3)

            start = time.monotonic()
            report = run(d)
            elapsed = time.monotonic() - start

        assert "198.51.100.2" == str(report.ipv4)
        assert elapsed < 1.2

    def test_first_answer_ends_a_dual_stack_race(self, run):
        """Dual-stack providers answer in one family: the first answer ends the race."""
        with FakeServer(
            routes={
                ("GET", "/slow"): lambda r: (time.sleep(3), Reply(body="198.51.100.1"))[1],
                ("GET", "/fast"): lambda r: Reply(body="198.51.100.2"),
            }
        ) as s:
            # A grace far above a loaded machine's scheduling noise: waiting
            # for it (the bug) and not waiting stay apart by seconds.
            d = EgressDetector(
                [f"{s.url}/slow", f"{s.url}/fast"], allow_private=True, grace=2, timeout=5
            )

            start = time.monotonic()
            run(d)
            elapsed = time.monotonic() - start

        assert elapsed < 1.5

    def test_grace_for_a_declared_family(self, run):
        """A pending IPv6-only provider gets the grace period after the IPv4 answer, no more."""
        with FakeServer(
            routes={
                ("GET", "/v6"): lambda r: (time.sleep(2), Reply(body="2001:db8::1"))[1],
                ("GET", "/v4"): lambda r: Reply(body="198.51.100.2"),
            }
        ) as s:
            d = EgressDetector(
                [Provider(url=f"{s.url}/v4", family=4), Provider(url=f"{s.url}/v6", family=6)],
                allow_private=True,
                grace=0.2,
                timeout=3,
            )

            start = time.monotonic()
            report = run(d)
            elapsed = time.monotonic() - start

        assert "198.51.100.2" == str(report.ipv4)
        assert 0.15 < elapsed < 0.9

    def test_all_hanging_returns_within_budget(self, run):
        """When every provider hangs, detect() returns empty after about the budget."""
        with FakeServer(default=lambda r: (time.sleep(2), Reply(body="1.1.1.1"))[1]) as s:
            d = EgressDetector([f"{s.url}/a", f"{s.url}/b"], timeout=0.3)

            start = time.monotonic()
            report = run(d)
            elapsed = time.monotonic() - start

        assert () == report.ips
        assert elapsed < 1.0

    def test_network_down(self, run):
        """Nothing listening: a quick empty report, never an exception."""
        d = EgressDetector(["http://127.0.0.1:9/ip"], timeout=1)

        report = run(d)

        assert () == report.ips
        assert report.errors


class TestCache:
    def test_cached_and_invalidate(self):
        """Answers are cached until invalidate()."""
        calls = []
        transport = httpx.MockTransport(
            lambda r: calls.append(1) or httpx.Response(200, content=b"8.8.8.8")
        )
        d = EgressDetector(["https://a.test/"], transport=transport)

        d.detect()
        d.detect()
        d.invalidate()
        d.detect()

        assert 2 == len(calls) == d.lookups

    def test_ttl_expiry(self):
        """An expired answer is looked up again."""
        d = detector({"a.test": (200, b"8.8.8.8")}, ttl=0.0)

        d.detect()
        d.detect()

        assert 2 == d.lookups

    def test_threads_share_one_lookup(self):
        """64 threads asking at once cause exactly one lookup."""
        d = detector({"a.test": (200, b"8.8.8.8")})
        barrier = threading.Barrier(64)
        results = []

        def ask():
            barrier.wait()
            results.append(d.detect().ipv4)

        threads = [threading.Thread(target=ask) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert (1, 64) == (d.lookups, len(results))

    @pytest.mark.asyncio
    async def test_tasks_share_one_lookup(self):
        """1,000 asyncio tasks asking at once cause exactly one lookup."""

        async def handler(request):
            await asyncio.sleep(0.05)
            return httpx.Response(200, content=b"8.8.8.8")

        d = EgressDetector(["https://a.test/"], async_transport=httpx.MockTransport(handler))

        results = await asyncio.gather(*(d.adetect() for _ in range(1000)))

        assert (1, {"8.8.8.8"}) == (d.lookups, {str(r.ipv4) for r in results})


class TestProxy:
    def test_lookup_goes_through_the_proxy(self, run):
        """With a proxy, the provider request is sent to the proxy (absolute-form URL)."""
        seen = []

        def proxy(request):
            seen.append(request.path)
            return Reply(body="198.51.100.99")

        with FakeServer(default=proxy) as p:
            d = EgressDetector(["http://provider.invalid/ip"], allow_private=True)

            report = run(d, proxy=p.url)

        assert "198.51.100.99" == str(report.ipv4)
        assert ["/ip"] == seen

    def test_bad_proxy_is_reported_not_raised(self, run):
        """An unusable proxy URL gives an empty report with the reason."""
        report = run(EgressDetector(["http://a.test/"]), proxy="ftp://nope")

        assert () == report.ips
        assert "proxy" in report.errors[0]

    def test_bad_proxy_error_has_no_password(self, run):
        """The proxy's credentials never reach the report (it flows into diagnoses)."""
        report = run(EgressDetector(["http://a.test/"]), proxy="ftp://bot:hunter2-pw@proxy.test:1")

        assert "hunter2-pw" not in report.errors[0]
        assert "ftp://***@proxy.test:1" in report.errors[0]


def test_default_detector_switch(monkeypatch):
    """IPWHITELIST_EGRESS=off disables the default detector; otherwise one is shared."""
    monkeypatch.setenv("IPWHITELIST_EGRESS", "off")
    assert default_detector() is None

    monkeypatch.setenv("IPWHITELIST_EGRESS", "on")
    assert default_detector() is default_detector()


@pytest.mark.asyncio
async def test_adetect_egress_function():
    """The module-level async helper works with a provider list."""
    with FakeServer(default=lambda r: Reply(body=r.client_ip)) as s:
        report = await ipwhitelist.adetect_egress(providers=[f"{s.url}/ip"], timeout=2)

    # A loopback answer is refused by default: providers must be public.
    assert () == report.ips
    assert "not a public address" in report.errors[0]


class TestRetry:
    def test_dropped_connection_is_retried_once(self, run):
        """A provider that drops the first connection answers on the bounded retry."""
        calls = []

        def flaky(request):
            calls.append(1)
            return None if len(calls) == 1 else Reply(body="198.51.100.44")

        with FakeServer(default=flaky) as s:
            report = run(EgressDetector([f"{s.url}/ip"], allow_private=True, timeout=2))

        assert ("198.51.100.44", 2) == (str(report.ipv4), len(calls))

    def test_retries_are_bounded(self, run):
        """A provider that always drops is tried twice, then reported as failed."""
        calls = []

        def dropping(request):
            calls.append(1)

        with FakeServer(default=dropping) as s:
            report = run(EgressDetector([f"{s.url}/ip"], allow_private=True, timeout=2))

        assert ((), 2) == (report.ips, len(calls))


class TestSlowLoris:
    def test_trickling_provider_is_cut_at_the_budget(self, run):
        """A provider sending a byte at a time holds neither the caller nor a reader past the budget."""
        import socket as socketlib

        server = socketlib.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        stop = threading.Event()
        hung_up = []

        def trickle():
            server.settimeout(0.1)
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not stop.is_set():
                    try:
                        conn.sendall(b"1")
                    except OSError:
                        hung_up.append(time.monotonic())
                        break
                    time.sleep(0.05)
                conn.close()

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        try:
            d = EgressDetector(
                [f"http://127.0.0.1:{port}/ip"], allow_private=True, timeout=0.5, max_body=10_000
            )

            start = time.monotonic()
            report = run(d)
            elapsed = time.monotonic() - start
            # The reader gives up too, not just the caller: no thread keeps
            # reading the trickle after the budget.
            for _ in range(40):
                if hung_up:
                    break
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=2)
            server.close()

        assert () == report.ips
        assert elapsed < 0.9
        assert hung_up
        assert hung_up[0] - start < 1.5


class TestAgreement:
    def test_disagreement_is_reported(self, run):
        """In agreement mode every provider answers and a NAT pool shows as disagreement."""
        d = EgressDetector(
            ["https://a.test/", "https://b.test/", "https://c.test/"],
            transport=mock(
                {
                    "a.test": (200, b"8.8.8.8"),
                    "b.test": (200, b"8.8.4.4"),
                    "c.test": (200, b"8.8.8.8"),
                }
            ),
            async_transport=mock(
                {
                    "a.test": (200, b"8.8.8.8"),
                    "b.test": (200, b"8.8.4.4"),
                    "c.test": (200, b"8.8.8.8"),
                }
            ),
            agreement=True,
        )

        report = run(d)

        assert 3 == len(report.answers)
        assert {"8.8.8.8", "8.8.4.4"} == {str(ip) for ip in report.distinct}
        assert report.agreed is False

    def test_agreement(self, run):
        """Providers naming the same address agree."""
        d = detector({"a.test": (200, b"8.8.8.8"), "b.test": (200, b"8.8.8.8")}, agreement=True)

        report = run(d)

        assert (True, 2) == (report.agreed, len(report.answers))

    def test_first_answer_mode_does_not_wait(self, run):
        """Without agreement mode, one answer is enough (agreed is then unknown)."""
        with FakeServer(
            routes={
                ("GET", "/slow"): lambda r: (time.sleep(1), Reply(body="198.51.100.1"))[1],
                ("GET", "/fast"): lambda r: Reply(body="198.51.100.2"),
            }
        ) as s:
            report = run(EgressDetector([f"{s.url}/slow", f"{s.url}/fast"], allow_private=True))

        assert report.agreed is None


class TestLoopbackProviders:
    """The same bad answers as TestValidation, served over real loopback HTTP (streamed reads)."""

    @pytest.mark.parametrize(
        ("reply", "reason"),
        [
            (Reply(body="10.1.2.3"), "not a public address"),
            (Reply(body="<html>captive portal</html>"), "not an IP address"),
            (Reply(body="8" * 100_000), "larger than"),
            (Reply(status=301, headers={"Location": "http://evil.invalid/"}), "HTTP 301"),
            (Reply(status=503, body="8.8.8.8"), "HTTP 503"),
            (Reply(body=b"\xff\xfe8.8.8.8"), "not an IP address"),
        ],
        ids=["private", "garbage", "huge", "redirect", "503", "binary"],
    )
    def test_bad_answers(self, run, reply, reason):
        """Each bad answer is refused with its reason; nothing is followed or buffered whole."""
        with FakeServer(default=lambda r: reply) as s:
            report = run(EgressDetector([f"{s.url}/ip"], timeout=2))

            requests_seen = len(s.requests)

        assert () == report.ips
        assert reason in report.errors[0]
        assert 1 == requests_seen

    def test_one_good_among_bad(self, run):
        """A valid answer wins even when the others are broken."""
        with FakeServer(
            routes={
                ("GET", "/garbage"): lambda r: Reply(body="nope"),
                ("GET", "/drop"): lambda r: None,
                ("GET", "/good"): lambda r: Reply(body="198.51.100.77"),
            }
        ) as s:
            d = EgressDetector(
                [f"{s.url}/garbage", f"{s.url}/drop", f"{s.url}/good"], allow_private=True
            )

            report = run(d)

        assert "198.51.100.77" == str(report.ipv4)


class TestFailureReasons:
    """Every provider that gave no address says why, in one line of ``errors``."""

    def test_silent_and_blackholed_providers_time_out(self, run):
        """A provider that never answers and one whose connect hangs both report a timeout."""
        with silent_server() as silent, blackhole() as hole:
            report = run(EgressDetector([silent, hole], timeout=0.5))

        assert () == report.ips
        assert 2 == len(report.errors)
        for url in (silent, hole):
            (error,) = (e for e in report.errors if e.startswith(f"{url}: "))
            assert re.fullmatch(
                r"(connect )?timed out after \d+\.\d s", error.removeprefix(f"{url}: ")
            )

    def test_refused_connect_says_connect_failed(self, run):
        """Nothing listening: "connect failed: <reason>"."""
        report = run(EgressDetector(["http://127.0.0.1:9/ip"], timeout=1))

        assert report.errors[0].startswith("http://127.0.0.1:9/ip: connect failed: ")

    def test_a_decided_race_lists_no_loser(self, run):
        """A provider still running after the answer was not needed: it is no failure."""
        with (
            silent_server() as silent,
            FakeServer(default=lambda r: Reply(body="198.51.100.2")) as s,
        ):
            report = run(EgressDetector([silent, f"{s.url}/ip"], allow_private=True, timeout=3))

        assert ("198.51.100.2", ()) == (str(report.ipv4), report.errors)

    def test_the_missing_family_times_out_after_the_grace(self, run):
        """An IPv6 provider that does not answer within the grace period is reported."""
        with (
            silent_server() as silent,
            FakeServer(default=lambda r: Reply(body="198.51.100.2")) as s,
        ):
            d = EgressDetector(
                [Provider(url=f"{s.url}/ip", family=4), Provider(url=silent, family=6)],
                allow_private=True,
                grace=0.1,
                timeout=3,
            )
            report = run(d)

        assert 1 == len(report.errors)
        assert report.errors[0].startswith(f"{silent}: timed out after")


class TestDiagnosisSaysWhy:
    """A rejection's diagnosis tells "egress detection disabled" from "failed: <reasons>"."""

    @staticmethod
    def _reject(egress):
        client = ipwhitelist.wrap(
            mount(ccxt.binance(CREDENTIALS), CannedAdapter(401, B2015)), egress=egress
        )
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()
        return info.value

    def test_disabled(self):
        """egress=False: no lookup, and the diagnosis says detection is disabled."""
        diagnosis = self._reject(egress=False).diagnosis

        assert ((), None) == (diagnosis.egress_ips, diagnosis.egress_error)
        assert "unknown (egress detection disabled)" in str(diagnosis)

    def test_failed(self):
        """Every provider failed: each one's reason is in the diagnosis."""
        with silent_server() as silent:
            detector = EgressDetector([silent, "http://127.0.0.1:9/"], timeout=0.5)
            rejection = self._reject(detector)

        diagnosis = rejection.diagnosis
        assert () == diagnosis.egress_ips
        assert f"{silent}: timed out after" in diagnosis.egress_error
        assert "http://127.0.0.1:9/: connect failed: " in diagnosis.egress_error
        assert "unknown (egress detection failed: " in str(diagnosis)
        assert "egress: unknown (detection failed)" in str(rejection)

    def test_lookup_that_raises(self):
        """A detector that raises is a failed detection, named by the exception class."""

        class Broken(EgressDetector):
            def detect(self, *args, **kwargs):
                raise RuntimeError("bug")

        diagnosis = self._reject(Broken(["https://a.test/"])).diagnosis

        assert "the lookup raised RuntimeError (see the log)" == diagnosis.egress_error


_EXIT_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
import ccxt, httpx, ipwhitelist
from helpers import B2015, CannedAdapter, blackhole, mount, silent_server

BUDGET = float(sys.argv[1])


class Stuck(httpx.HTTPTransport):
    # A worker stuck past every timeout, as in a resolver that does not answer.
    def handle_request(self, request):
        if request.url.host == "stuck.test":
            time.sleep(BUDGET * 40)
            raise httpx.ConnectError("the resolver gave up")
        return super().handle_request(request)


with silent_server() as silent, blackhole() as hole:
    detector = ipwhitelist.EgressDetector(
        [silent, hole, "http://stuck.test/"], timeout=BUDGET, transport=Stuck()
    )
    client = ccxt.binance({"apiKey": "k" * 64, "secret": "s" * 64})
    ipwhitelist.wrap(mount(client, CannedAdapter(401, B2015)), egress=detector)
    start = time.monotonic()
    try:
        client.private_get_account()
    except ipwhitelist.IPNotWhitelisted as exc:
        diagnosis = exc.diagnosis
    cost = time.monotonic() - start
print(json.dumps({"cost": cost, "egress_error": getattr(diagnosis, "egress_error", None)}))
print(time.time())
"""


class TestFirewalledHost:
    """Egress on a host whose firewall drops or swallows the lookups."""

    BUDGET = 0.5

    def test_nothing_holds_the_process_after_the_budget(self):
        """A rejection costs about the budget, and the process exits right after its work."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _EXIT_SCRIPT, str(self.BUDGET), str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "IPWHITELIST_EGRESS": "on"},
        )
        exited = time.time()

        assert 0 == done.returncode, done.stderr
        first, last = done.stdout.splitlines()
        outcome = json.loads(first)
        # Generous ratios of the budget, never tight timings: the stuck worker
        # held the exit for 39 budgets before; interpreter teardown under load
        # takes a few tenths of a second.
        assert outcome["cost"] < 4 * self.BUDGET
        assert exited - float(last) < 10 * self.BUDGET
        assert "timed out after" in outcome["egress_error"]
