"""NotifyHook: one message per incident through apprise, to loopback endpoints only."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path
from urllib.parse import unquote

import ccxt
import ccxt.async_support
import hypothesis
import pytest
from hypothesis import strategies as st

import ipwhitelist
from helpers import B2015, CannedAdapter, CannedSession, body_of, mount
from ipwhitelist._ops.notify import split_urls, url_parts
from ipwhitelist._testing.fake import FakeServer, Reply

OK = body_of({"makerCommission": 10, "balances": []})
CONFIG = {"apiKey": "k" * 64, "secret": "s" * 64, "enableRateLimit": False}
TOKEN = "bot-token-4f9a2c"  # stands for the secret part of an apprise URL


def diagnosis(ip="203.0.113.7", **fields):
    return ipwhitelist.Diagnosis(
        exchange=fields.pop("exchange", "binance"),
        kind=fields.pop("kind", "ip_not_whitelisted"),
        confidence="confirmed",
        reported_ip=ip,
        egress_ips=["198.51.100.1"],
        remediation=fields.pop("remediation", ["Add 203.0.113.7 to the key's IP whitelist."]),
        **fields,
    )


@pytest.fixture
def endpoint():
    """A loopback HTTP server standing in for a notification service."""
    with FakeServer(default=lambda _r: Reply(status=200)) as server:
        yield server


def json_url(server, **params):
    query = "&".join(f"{k}={v}" for k, v in {"rto": 5, "cto": 5, **params}.items())
    return f"{server.url.replace('http://', 'json://')}/{TOKEN}?{query}"


def messages(server):
    return [json.loads(r.body) for r in server.requests]


@pytest.fixture
def hook_factory():
    made = []

    def make(*args, **kwargs):
        hook = ipwhitelist.NotifyHook(*args, **kwargs)
        made.append(hook)
        return hook

    yield make
    for hook in made:
        hook.close(timeout=5)


def sync_client(key=CONFIG["apiKey"]):
    adapter = CannedAdapter(401, B2015)
    client = mount(ccxt.binance({**CONFIG, "apiKey": key}), adapter)
    return ipwhitelist.wrap(client, egress=False), adapter


class TestIncidents:
    def test_burst_of_10000_rejections_sends_one_message(self, endpoint, hook_factory):
        """10,000 rejections of one incident: one notification, and memory stays bounded."""
        hook = hook_factory(json_url(endpoint))
        ipwhitelist.set_on_rejection_hooks([hook])

        def rejections(count):
            for _ in range(count):
                with (
                    contextlib.suppress(ipwhitelist.IPNotWhitelisted),
                    ipwhitelist.diagnosing(exchange="binance", egress=False),
                ):
                    raise ccxt.AuthenticationError("binance " + B2015)

        rejections(1)
        assert hook.flush(10)  # apprise and the worker are warm before measuring
        rejections(7_999)
        tracemalloc.start()  # traced for the last 2,000 only: tracing slows allocation 10x
        try:
            before = tracemalloc.get_traced_memory()[0]
            rejections(2_000)
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert hook.flush(10)

        assert 1 == len(messages(endpoint))
        assert (1, 0, 0) == (hook.delivered, hook.failed, hook.dropped)
        assert grown < 100_000, f"{grown:,} bytes kept"

    def test_message_is_short_and_says_what_to_do(self, endpoint, hook_factory):
        """Title and body name the exchange, the IPs, the first step and the time."""
        hook = hook_factory(json_url(endpoint))

        hook(diagnosis())
        assert hook.flush(10)

        (message,) = messages(endpoint)
        assert "binance: IP not on the API key's whitelist" == message["title"]
        body = message["message"]
        for needle in (
            "exchange saw 203.0.113.7; this host's egress: 198.51.100.1",
            "First step: Add 203.0.113.7 to the key's IP whitelist.",
            "UTC",
        ):
            assert needle in body
        assert len(body) < 1000
        assert "failure" == message["type"]

    def test_full_diagnosis_is_attached_as_json(self, endpoint, hook_factory):
        """Services that take attachments get the whole diagnosis as a JSON file."""
        hook = hook_factory(json_url(endpoint))
        d = diagnosis()

        hook(d)
        assert hook.flush(10)

        (message,) = messages(endpoint)
        (attachment,) = message["attachments"]
        details = json.loads(base64.b64decode(attachment["base64"]))
        assert "ipwhitelist-diagnosis.json" == attachment["filename"]
        assert d.to_dict() == details["diagnosis"]
        assert "incident" == details["event"]

    def test_no_attachment_when_turned_off(self, endpoint, hook_factory):
        """attach=False sends the short message only."""
        hook = hook_factory(json_url(endpoint), attach=False)

        hook(diagnosis())
        assert hook.flush(10)

        assert [] == messages(endpoint)[0]["attachments"]

    def test_follow_up_after_the_window_has_the_count(self, endpoint, hook_factory):
        """A recurrence after the window sends a follow-up with the repeats counted meanwhile."""
        hook = hook_factory(json_url(endpoint), window=3600)
        d = diagnosis()
        for _ in range(5):
            hook(d)
        hook.window = 0

        hook(d)
        assert hook.flush(10)

        _first, second = messages(endpoint)
        assert "binance: IP not on the API key's whitelist (still failing)" == second["title"]
        assert (
            "Still failing: 4 more rejection(s) since the last message, 6 since"
            in (second["message"])
        )
        assert "warning" == second["type"]

    def test_other_incidents_get_their_own_message(self, endpoint, hook_factory):
        """Another IP or another exchange is another incident."""
        hook = hook_factory(json_url(endpoint))

        hook(diagnosis("203.0.113.7"))
        hook(diagnosis("203.0.113.8"))
        hook(diagnosis("203.0.113.7", exchange="okx"))
        assert hook.flush(10)

        assert 3 == len(messages(endpoint))

    def test_redacted_and_escaped(self, endpoint, hook_factory):
        """Credential-shaped text is redacted and control characters are shown escaped."""
        hook = hook_factory(json_url(endpoint))
        d = diagnosis(
            exchange="binance\x1b]0;pwned\x07",
            remediation=["Rotate apiKey=SUPERSECRETVALUE\nthen \u202eeno"],
        )

        hook(d)
        assert hook.flush(10)

        (message,) = messages(endpoint)
        text = message["title"] + message["message"]
        assert "SUPERSECRETVALUE" not in text
        assert "apiKey=***" in text
        assert not any(c in text for c in "\x1b\x07\u202e")
        assert "\\x1b]0;pwned\\x07" in message["title"]
        assert "\\x0athen \\u202eeno" in message["message"]
        assert 3 == message["message"].count("\n")  # only the separators of its 4 lines

    def test_form_scheme(self, endpoint, hook_factory, tmp_path, monkeypatch):
        """apprise's form:// scheme works the same way; the attachment's file is removed."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        hook = hook_factory(json_url(endpoint).replace("json://", "form://"))

        hook(diagnosis())
        assert hook.flush(10)

        (request,) = endpoint.requests
        assert b"binance: IP not on the API key's whitelist" in request.body
        assert b'filename="ipwhitelist-diagnosis.json"' in request.body
        assert [] == list(tmp_path.iterdir())


class TestRecovery:
    def test_signed_call_succeeding_again_sends_recovered(self, endpoint, hook_factory):
        """After a rejection, the first signed call that succeeds sends one "work again" message."""
        hook = hook_factory(json_url(endpoint))
        ipwhitelist.set_on_rejection_hooks([hook])
        client, adapter = sync_client()
        for _ in range(3):
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()
        adapter.status, adapter.body = 200, OK

        client.private_get_account()
        client.private_get_account()
        assert hook.flush(10)

        _incident, recovered = messages(endpoint)
        assert "binance: signed calls work again" == recovered["title"]
        assert "3 rejection(s) since" in recovered["message"]
        assert "review open positions" in recovered["message"]
        assert "success" == recovered["type"]

    def test_recovery_of_one_key_leaves_the_other_keys_incident_open(self, endpoint, hook_factory):
        """Two keys on one exchange: two incidents; one key recovering closes only its own."""
        hook = hook_factory(json_url(endpoint))
        ipwhitelist.set_on_rejection_hooks([hook])
        a, adapter_a = sync_client("a" * 64)
        b, _ = sync_client("b" * 64)
        for client in (a, b, b):
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()
        adapter_a.status, adapter_a.body = 200, OK

        a.private_get_account()
        assert hook.flush(10)

        first, second, recovered = messages(endpoint)
        assert first["title"] == second["title"] == "binance: IP not on the API key's whitelist"
        assert ipwhitelist.fingerprint("a" * 64) in first["message"]
        assert ipwhitelist.fingerprint("b" * 64) in second["message"]
        assert "1 rejection(s) since" in recovered["message"]
        assert ipwhitelist.fingerprint("a" * 64) in recovered["message"]
        assert ipwhitelist.fingerprint("b" * 64) not in recovered["message"]

    def test_recovery_without_an_incident_sends_nothing(self, endpoint, hook_factory):
        """A recovery signal for an exchange with no open incident is ignored."""
        hook = hook_factory(json_url(endpoint))

        hook.on_recovery("binance")
        assert hook.flush(10)

        assert [] == endpoint.requests


class TestNeverBlocks:
    def test_hanging_endpoint_does_not_hold_the_failing_call(self, hook_factory):
        """The failing call returns while the notification is still stuck in delivery."""
        arrived, release = threading.Event(), threading.Event()

        def hang(_request):
            arrived.set()
            release.wait(30)
            return Reply(status=200)

        with FakeServer(default=hang) as server:
            hook = hook_factory(json_url(server, rto=60), queue_size=1)
            ipwhitelist.set_on_rejection_hooks([hook])
            client, _ = sync_client()
            try:
                with pytest.raises(ipwhitelist.IPNotWhitelisted):
                    client.private_get_account()
                assert arrived.wait(10)
                hook(diagnosis("203.0.113.8"))  # waits in the queue
                hook(diagnosis("203.0.113.9"))  # queue full: dropped

                assert not hook.flush(0)
                assert 1 == hook.dropped
            finally:
                release.set()
            assert hook.flush(10)

        assert (2, 1) == (hook.delivered, hook.dropped)

    def test_a_hanging_service_does_not_hold_the_others(self, hook_factory):
        """Each service has its own queue and worker: a hanging one delays only itself."""
        arrived, release, other = threading.Event(), threading.Event(), threading.Event()

        def hang(_request):
            arrived.set()
            release.wait(30)
            return Reply(status=200)

        def answer(_request):
            other.set()
            return Reply(status=200)

        with FakeServer(default=hang) as stuck, FakeServer(default=answer) as working:
            hook = hook_factory([json_url(stuck, rto=60), json_url(working)])
            try:
                hook(diagnosis())
                assert arrived.wait(10)
                assert other.wait(20), "the working service waited for the hanging one"
            finally:
                release.set()
            assert hook.flush(10)

        assert (2, 0, 0) == (hook.delivered, hook.failed, hook.dropped)

    def test_timeout_bounds_a_delivery(self, hook_factory):
        """timeout= bounds each delivery: a service that never answers is a failed delivery."""
        release = threading.Event()

        def hang(_request):
            release.wait(60)
            return Reply(status=200)

        with FakeServer(default=hang) as stuck:
            url = f"{stuck.url.replace('http://', 'json://')}/{TOKEN}"  # no rto/cto of its own
            hook = hook_factory(url, timeout=1)
            try:
                hook(diagnosis())
                assert hook.flush(30), "the delivery was not bounded by timeout="
            finally:
                release.set()

        assert (0, 1) == (hook.delivered, hook.failed)

    def test_failing_endpoint_logs_once_per_incident(self, hook_factory, caplog):
        """Delivery errors are counted and logged once per incident, never raised."""
        with FakeServer(default=lambda _r: Reply(status=500)) as server:
            hook = hook_factory(json_url(server), window=0)
            with caplog.at_level(logging.WARNING, logger="ipwhitelist"):
                for _ in range(3):
                    hook(diagnosis())
                    assert hook.flush(10)

        warnings = [r for r in caplog.records if r.name == "ipwhitelist"]
        assert (0, 3) == (hook.delivered, hook.failed)
        assert 1 == len(warnings)
        assert "could not be delivered" in warnings[0].getMessage()
        assert TOKEN not in caplog.text

    def test_apprise_logs_no_secret_part_of_a_url(self, hook_factory, caplog):
        """apprise (and urllib3) log URL paths, ntfy topics, users: all scrubbed, at DEBUG too."""
        with FakeServer(default=lambda _r: Reply(status=500)) as server:
            port = server.url.rsplit(":", 1)[1]
            hook = hook_factory(
                [
                    f"json://user:{TOKEN}pw@127.0.0.1:{port}/{TOKEN}?rto=5",
                    f"ntfy://user:{TOKEN}pw@127.0.0.1:{port}/topic-{TOKEN}",
                    f"form://127.0.0.1:{port}/{TOKEN}/x",
                ]
            )
            with caplog.at_level(logging.DEBUG):
                hook(diagnosis())
                assert hook.flush(20)

        assert 3 == hook.failed
        assert "apprise" in {r.name for r in caplog.records}
        assert TOKEN not in caplog.text

    @hypothesis.given(st.text("abcdefXYZ0123456789-_~.%", min_size=8, max_size=40))
    def test_url_parts_cover_a_token_anywhere_in_the_url(self, token):
        """A token in the user, password, host, path or query of a URL is one of its parts."""
        for url in (
            f"json://{token}@host",
            f"json://user:{token}@host",
            f"pover://user@{token}",
            f"tgram://{token}/12345",
            f"ntfy://host/{token}",
            f"json://host/a?token={token}&rto=5",
        ):
            assert token in url_parts(url) or unquote(token) in url_parts(url)

    def test_unreachable_endpoint(self, hook_factory, caplog):
        """A refused connection is a failed delivery, with no URL or token in the log."""
        with FakeServer() as server:
            url = json_url(server)
        hook = hook_factory(url)

        with caplog.at_level(logging.WARNING):
            hook(diagnosis())
            assert hook.flush(10)

        assert 1 == hook.failed
        assert TOKEN not in caplog.text

    def test_sender_that_raises(self, hook_factory, caplog):
        """A send= callable that raises is a failed delivery; only the exception type is logged."""

        def send(title, body):
            raise RuntimeError(f"POST https://example.invalid/{TOKEN} failed")

        hook = hook_factory(send=send)
        with caplog.at_level(logging.WARNING, logger="ipwhitelist"):
            hook(diagnosis())
            assert hook.flush(10)

        assert 1 == hook.failed
        assert "RuntimeError raised" in caplog.text
        assert TOKEN not in caplog.text

    def test_delivery_runs_off_the_calling_thread(self, hook_factory):
        """send() runs in the hook's worker thread, not in the bot's."""
        threads = []
        hook = hook_factory(send=lambda title, body: threads.append(threading.get_ident()))

        hook(diagnosis())
        assert hook.flush(10)

        assert 1 == len(threads)
        assert threading.get_ident() != threads[0]

    @pytest.mark.asyncio
    async def test_async_bot_with_hanging_endpoint(self, hook_factory):
        """An async bot's rejection returns while the notification hangs off the event loop."""
        arrived, release = threading.Event(), threading.Event()

        def hang(_request):
            arrived.set()
            release.wait(30)
            return Reply(status=200)

        with FakeServer(default=hang) as server:
            hook = hook_factory(json_url(server, rto=60))
            ipwhitelist.set_on_rejection_hooks([hook])
            client = ccxt.async_support.binance(dict(CONFIG))
            client.session = CannedSession(401, B2015)
            ipwhitelist.wrap(client, egress=False)
            try:
                with pytest.raises(ipwhitelist.IPNotWhitelisted):
                    await client.private_get_account()
                assert arrived.wait(10)
                assert not hook.flush(0)
            finally:
                release.set()
                await client.close()
            assert hook.flush(10)

        assert 1 == hook.delivered


class TestConfiguration:
    def test_urls_from_the_environment(self, endpoint, hook_factory, monkeypatch):
        """NotifyHook() takes its URLs from IPWHITELIST_NOTIFY, separated by spaces."""
        monkeypatch.setenv("IPWHITELIST_NOTIFY", f"{json_url(endpoint)}  {json_url(endpoint)}")
        hook = hook_factory()

        hook(diagnosis())
        assert hook.flush(10)

        assert 2 == len(endpoint.requests)
        assert "NotifyHook(json://, json://)" == repr(hook)

    def test_url_with_commas_is_one_url(self, hook_factory, monkeypatch):
        """Any whitespace separates URLs; a comma only when a new scheme follows it."""
        monkeypatch.setenv(
            "IPWHITELIST_NOTIFY",
            "mailto://user:pass@example.org?to=a@x.org,b@y.org\n\tjson://127.0.0.1/x,"
            "json://127.0.0.1/y",
        )
        hook = hook_factory()

        assert ("mailto://", "json://", "json://") == hook.services

    @hypothesis.given(
        st.lists(
            st.tuples(
                st.sampled_from(["json", "tgram", "mailto", "ntfy"]),
                st.text("abcXYZ019-_.@/?=&,%:", min_size=1, max_size=20).filter(
                    lambda t: "://" not in t and not t.startswith(",")
                ),
            ),
            min_size=1,
            max_size=4,
        ),
        st.lists(st.sampled_from([" ", "\t", "\n", "\r\n", ", ", ",", " ,\n"]), min_size=4),
    )
    def test_split_urls_keeps_every_url_whole(self, urls, separators):
        """Whatever separates them, each URL comes back whole, commas inside it kept."""
        joined = [f"{scheme}://{rest}".rstrip(",") for scheme, rest in urls]
        text = "".join(u + separators[i % len(separators)] for i, u in enumerate(joined))

        assert tuple(joined) == split_urls(text)

    def test_no_url_is_an_error(self, monkeypatch):
        """Without URLs (argument or environment) the hook refuses to be built."""
        monkeypatch.delenv("IPWHITELIST_NOTIFY", raising=False)

        with pytest.raises(ValueError, match="IPWHITELIST_NOTIFY"):
            ipwhitelist.NotifyHook()

    def test_invalid_url_is_named_by_scheme_only(self):
        """A URL apprise does not know is refused without printing its secret part."""
        with pytest.raises(ValueError, match=r"#2 \(nosuchservice://\.\.\.\)") as info:
            ipwhitelist.NotifyHook(["json://127.0.0.1/x", f"nosuchservice://{TOKEN}@host"])

        assert TOKEN not in str(info.value)

    def test_urls_and_send_exclude_each_other(self):
        """Either apprise URLs or a send callable."""
        with pytest.raises(ValueError, match="either"):
            ipwhitelist.NotifyHook("json://127.0.0.1/x", send=print)

    def test_bad_queue_size(self):
        """A queue must hold at least one message."""
        with pytest.raises(ValueError, match="queue_size"):
            ipwhitelist.NotifyHook(send=print, queue_size=0)

    def test_apprise_missing(self, monkeypatch):
        """Without apprise, the error says which extra to install."""
        monkeypatch.setitem(sys.modules, "apprise", None)

        with pytest.raises(ImportError, match=r"ipwhitelist\[notify\]"):
            ipwhitelist.NotifyHook("json://127.0.0.1/x")

    def test_send_test(self, endpoint, hook_factory):
        """send_test() delivers a test message now and says whether it arrived."""
        hook = hook_factory(json_url(endpoint))

        assert hook.send_test()

        (message,) = messages(endpoint)
        assert "ipwhitelist: test notification" == message["title"]

    def test_egress_change(self, endpoint, hook_factory):
        """An EgressMonitor change reaches the phone; a first detection only when not listed."""
        hook = hook_factory(json_url(endpoint))

        hook.on_egress_change(ipwhitelist.EgressChange(old=[], new=["198.51.100.1"]))
        hook.on_egress_change(
            ipwhitelist.EgressChange(old=["198.51.100.1"], new=["198.51.100.2"], whitelisted=False)
        )
        hook.on_egress_change(
            ipwhitelist.EgressChange(old=[], new=["198.51.100.3"], whitelisted=False)
        )
        assert hook.flush(10)

        titles = [m["title"] for m in messages(endpoint)]
        assert ["egress IP changed (NOT whitelisted)"] * 2 == titles
        assert "from 198.51.100.1 to 198.51.100.2" in messages(endpoint)[0]["message"]


def run_python(code, **env):
    return subprocess.run(  # noqa: S603 - our own snippet
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


class TestImport:
    def test_import_never_imports_apprise(self, endpoint):
        """import ipwhitelist (even with IPWHITELIST_NOTIFY set) leaves apprise unimported."""
        code = "import sys, ipwhitelist\nipwhitelist.NotifyHook\nprint('apprise' in sys.modules)\n"

        done = run_python(code, IPWHITELIST_NOTIFY=json_url(endpoint))

        assert "False" == done.stdout.strip(), done.stderr

    def test_environment_alone_turns_notifications_on(self, endpoint):
        """With IPWHITELIST_NOTIFY set, an unmodified bot's first rejection is notified."""
        code = f"""
import ccxt, sys, ipwhitelist
sys.path.insert(0, {str(Path(__file__).parent)!r})
from helpers import B2015, CannedAdapter, mount
client = ipwhitelist.wrap(mount(ccxt.binance({CONFIG!r}), CannedAdapter(401, B2015)), egress=False)
for _ in range(3):
    try:
        client.private_get_account()
    except ipwhitelist.IPNotWhitelisted:
        pass
(log, notify) = ipwhitelist.get_on_rejection_hooks()
print(notify.flush(20))
"""
        done = run_python(code, IPWHITELIST_NOTIFY=json_url(endpoint))

        assert "True" == done.stdout.strip(), done.stderr
        (message,) = messages(endpoint)
        assert message["title"].startswith("binance:")

    def test_broken_environment_is_logged_not_raised(self):
        """An unusable IPWHITELIST_NOTIFY is reported in the log; the bot goes on."""
        code = """
import logging, sys, ipwhitelist
logging.basicConfig(level=logging.ERROR, stream=sys.stdout)
d = ipwhitelist.Diagnosis(exchange="binance", kind="ip_banned", confidence="confirmed")
(log, notify) = ipwhitelist.get_on_rejection_hooks()
notify(d)
print(notify.flush(20))
notify(d)
"""
        done = run_python(code, IPWHITELIST_NOTIFY="nosuchservice://secret-part@host")

        assert done.returncode == 0, done.stderr
        assert "IPWHITELIST_NOTIFY is set but unusable" in done.stdout
        assert "secret-part" not in done.stdout
        assert "True" in done.stdout


class TestDoctor:
    def test_doctor_notify_sends_a_test_message(self, endpoint, monkeypatch, capsys):
        """`ipwhitelist doctor --notify` delivers a test message and prints no URL."""
        from ipwhitelist._cli.main import main

        monkeypatch.setenv("IPWHITELIST_NOTIFY", json_url(endpoint))

        code = main(["doctor", "--notify", "--json"])

        out = capsys.readouterr().out
        assert 0 == code
        assert {"schema": "ipwhitelist.notify/1", "ok": True, "services": ["json://"]} == (
            json.loads(out)
        )
        assert "ipwhitelist: test notification" == messages(endpoint)[0]["title"]
        assert TOKEN not in out

    def test_doctor_notify_from_the_config_file(self, endpoint, monkeypatch, tmp_path, capsys):
        """The config file's [notify] urls are used when the environment names none."""
        from ipwhitelist._cli.main import main

        monkeypatch.delenv("IPWHITELIST_NOTIFY", raising=False)
        config = tmp_path / "ipwhitelist.toml"
        config.write_text(f'[notify]\nurls = ["{json_url(endpoint)}"]\n')

        code = main(["doctor", "--notify", "--config", str(config), "--no-color"])

        out = capsys.readouterr().out
        assert 0 == code
        assert "test notification delivered (json://)" in out
        assert 1 == len(endpoint.requests)

    def test_doctor_notify_failure_exits_1(self, monkeypatch, capsys):
        """A service that refuses the message: exit 1, and the URL's token is not printed."""
        from ipwhitelist._cli.main import main

        with FakeServer(default=lambda _r: Reply(status=500)) as server:
            monkeypatch.setenv("IPWHITELIST_NOTIFY", json_url(server))
            code = main(["doctor", "--notify", "--no-color"])

        captured = capsys.readouterr()
        assert 1 == code
        assert "NOT delivered" in captured.out
        assert TOKEN not in captured.out + captured.err

    @pytest.mark.parametrize(
        ("config", "env", "message"),
        [
            ("", "", "no notification URL"),
            ("", "nosuchservice://x@y", "not a valid apprise URL"),
            ("[notify]\nurl = 'x'\n", "", "[notify] takes one field"),
            ("[notify]\nurls = [1]\n", "", "must be a list"),
        ],
    )
    def test_doctor_notify_configuration_errors(
        self, monkeypatch, tmp_path, capsys, config, env, message
    ):
        """Missing, unknown or malformed notification settings are usage errors (exit 2)."""
        from ipwhitelist._cli.main import main

        monkeypatch.setenv("IPWHITELIST_NOTIFY", env)
        path = tmp_path / "ipwhitelist.toml"
        path.write_text(config)

        code = main(["doctor", "--notify", "--config", str(path)])

        assert 2 == code
        assert message in capsys.readouterr().err

    def test_config_urls_as_one_string(self, tmp_path):
        """[notify] urls may also be one space-separated string, like the variable."""
        from ipwhitelist._cli.config import load_config

        path = tmp_path / "ipwhitelist.toml"
        path.write_text('[notify]\nurls = "json://127.0.0.1/a json://127.0.0.1/b"\n')

        assert ("json://127.0.0.1/a", "json://127.0.0.1/b") == load_config(path, {}).notify


class TestEnvironmentHook:
    def test_forwards_rejections_and_recoveries_once_built(self, endpoint):
        """The IPWHITELIST_NOTIFY hook builds its NotifyHook off-thread, then forwards everything."""
        from ipwhitelist._ops.notify import EnvironmentNotify

        hook = EnvironmentNotify(json_url(endpoint))
        hook(diagnosis())  # builds the NotifyHook in a thread; this one waits for it
        assert hook.flush(10)

        hook(diagnosis("203.0.113.8"))
        hook.on_recovery("binance")
        assert hook.flush(10)

        titles = [m["title"] for m in messages(endpoint)]
        assert [
            "binance: IP not on the API key's whitelist",
            "binance: IP not on the API key's whitelist",
            "binance: signed calls work again",
        ] == titles
        assert "EnvironmentNotify(IPWHITELIST_NOTIFY)" == repr(hook)

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
    def test_forked_while_the_hook_is_being_built(self, endpoint, monkeypatch):
        """A child forked while the parent builds the hook builds its own and delivers."""
        import warnings

        from ipwhitelist._ops import notify

        parent, entered, release = os.getpid(), threading.Event(), threading.Event()
        real = notify.NotifyHook

        def slow(*args, **kwargs):
            if os.getpid() == parent:
                entered.set()
                release.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(notify, "NotifyHook", slow)
        hook = notify.EnvironmentNotify(json_url(endpoint))
        try:
            hook(diagnosis("203.0.113.1"))
            assert entered.wait(10)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    hook(diagnosis("203.0.113.2"))
                    code = 0 if hook.flush(20) else 1
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
        finally:
            release.set()
        assert hook.flush(20)

        assert 0 == os.waitstatus_to_exitcode(status)
        bodies = sorted(m["message"] for m in messages(endpoint))
        assert 2 == len(bodies)  # the parent's and the child's, each once
        assert "203.0.113.1" in bodies[0]
        assert "203.0.113.2" in bodies[1]


class TestWorker:
    def test_a_message_that_cannot_be_built_is_logged(self, hook_factory, caplog):
        """A message whose formatting fails in the worker is logged; the worker goes on."""

        class Broken(ipwhitelist.Diagnosis):
            def to_dict(self):
                raise RuntimeError("cannot serialise")

        sent = []
        hook = hook_factory(send=lambda title, body: sent.append(title), window=60)
        broken = Broken(exchange="okx", kind="ip_banned", confidence="confirmed")

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            hook(broken)
            hook(diagnosis())
            assert hook.flush(10)

        assert 60 == hook.window
        assert ["binance: IP not on the API key's whitelist"] == sent
        assert "building a notification failed" in caplog.text

    def test_queued_message_is_delivered_at_exit(self):
        """A bot that exits right after its rejection still sends the message (atexit flush)."""
        code = """
import time, ipwhitelist
def send(title, body):
    time.sleep(0.3)
    print("sent:", title, flush=True)
hook = ipwhitelist.NotifyHook(send=send)
hook(ipwhitelist.Diagnosis(exchange="binance", kind="ip_banned", confidence="confirmed"))
"""
        done = run_python(code)

        assert "sent: binance: IP banned" == done.stdout.strip(), done.stderr

    def test_exit_flush_is_bounded_by_exit_timeout(self):
        """A delivery that never ends holds the exit for exit_timeout at most."""
        code = """
import threading, ipwhitelist
hook = ipwhitelist.NotifyHook(send=lambda t, b: threading.Event().wait(), exit_timeout=0.5)
hook(ipwhitelist.Diagnosis(exchange="binance", kind="ip_banned", confidence="confirmed"))
print("exiting", flush=True)
"""
        done = run_python(code)  # with no bound, it would raise TimeoutExpired

        assert "exiting" == done.stdout.strip(), done.stderr

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
    def test_forked_child_has_its_own_queue_and_worker(self):
        """A child forked while the parent's delivery hangs flushes and delivers on its own."""
        import warnings

        parent, release, entered = os.getpid(), threading.Event(), threading.Event()
        read_end, write_end = os.pipe()

        def send(title, body):
            if os.getpid() == parent:
                entered.set()
                release.wait(30)
            else:
                os.write(write_end, title.encode() + b"\n")

        hook = ipwhitelist.NotifyHook(send=send, queue_size=4)
        try:
            hook(diagnosis("203.0.113.1"))
            assert entered.wait(10)
            hook(diagnosis("203.0.113.2"))  # queued behind the hanging delivery
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                code = 1
                try:
                    # The parent's queued message is not the child's to wait for.
                    nothing_pending = hook.flush(5)
                    hook(diagnosis("203.0.113.3"))
                    code = 0 if nothing_pending and hook.flush(20) else 1
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
        finally:
            release.set()
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            sent = pipe.read()

        assert 0 == os.waitstatus_to_exitcode(status)
        assert "binance: IP not on the API key's whitelist\n" == sent
        assert hook.flush(10)
        hook.close(5)

    def test_exit_while_a_delivery_hangs(self):
        """A bot exits at once while a delivery hangs (60 s read timeout), leaving no file behind."""
        code = """
import socket, sys, tempfile, threading, time, pathlib
tempfile.tempdir = sys.argv[1]
import ipwhitelist
server = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=lambda: [server.accept() for _ in range(9)], daemon=True).start()
url = f"json://127.0.0.1:{server.getsockname()[1]}/x?rto=60"
hook = ipwhitelist.NotifyHook(url)
hook(ipwhitelist.Diagnosis(exchange="binance", kind="ip_banned", confidence="confirmed"))
while not list(pathlib.Path(sys.argv[1]).iterdir()):
    time.sleep(0.01)
print("stuck")
"""
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(  # noqa: S603 - our own snippet
                [sys.executable, "-c", code, tmp],
                capture_output=True,
                text=True,
                timeout=30,  # held until the read timeout, it would raise TimeoutExpired
                check=False,
            )

            assert "stuck" == done.stdout.strip(), done.stderr
            assert [] == list(Path(tmp).iterdir())
