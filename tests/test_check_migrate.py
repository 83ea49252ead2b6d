"""Pre-live check and migration, through real ccxt signing against loopback fakes."""

from __future__ import annotations

import http.client
import http.server
import socketserver
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import ccxt
import pytest

import ipwhitelist
from ipwhitelist import MigrationError, Registry, check, fingerprint, migrate
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

OLD, NEW, ELSEWHERE = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def _registry(tmp_path, exchange, ips):
    path = tmp_path / "whitelists.toml"
    listed = ", ".join(f'"{ip}"' for ip in ips)
    path.write_text(
        f"# lab registry: loopback addresses play public ones\nallow_private = true\n\n"
        f'[{exchange}.main]\nenvironment = "prod"\nips = [{listed}]  # the bot hosts\n',
        "utf-8",
    )
    return path


def _documented(path):
    data = tomllib.loads(Path(path).read_text("utf-8"))
    (exchange,) = (k for k in data if k != "allow_private")
    return data[exchange]["main"]


class _ForwardProxy(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A loopback HTTP forward proxy whose connections leave from another address."""

    # Not http.server.HTTPServer: its server_bind() does a reverse DNS lookup.
    daemon_threads = True

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def _forward(self) -> None:
        target = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(
            target.hostname, target.port, timeout=10, source_address=(self.server.source, 0)
        )
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(self.command, path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_DELETE = _forward  # noqa: N815 - http.server naming

    def log_message(self, *args):
        pass


class TestCheck:
    def test_ready_host(self, tmp_path):
        """Signed call works, egress documented, key restricted: OK, exit 0."""
        path = _registry(tmp_path, "bybit", [OLD])
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            report = check(fake.client(source=OLD), registry=path, egress=[OLD])

        outcomes = {r.name: r.outcome for r in report.results}
        assert {"positive": "pass", "registry": "pass", "restriction": "pass"} == outcomes
        assert report.ok
        assert 0 == report.exit_code
        assert "main" == report.label
        assert "OK" in str(report)

    def test_refused_host(self, tmp_path):
        """From a host off the whitelist: the typed diagnosis, registry fails, exit 1."""
        path = _registry(tmp_path, "okx", [OLD])
        with fake_exchange("okx", FakeKeyState(allowed_ips=[OLD])) as fake:
            report = check(fake.client(source=NEW), registry=path, egress=[NEW])

        outcomes = {r.name: r.outcome for r in report.results}
        assert "fail" == outcomes["positive"]
        assert "fail" == outcomes["registry"]
        assert report.diagnosis is not None
        assert "ip_not_whitelisted" == report.diagnosis.kind
        assert NEW == str(report.diagnosis.reported_ip)
        assert 1 == report.exit_code
        assert report.to_dict()["diagnosis"]["code"] == "50110"

    def test_unrestricted_key_fails(self):
        """A key without IP restriction fails the check, whatever else works."""
        with fake_exchange("binance", FakeKeyState(allowed_ips=[])) as fake:
            report = check(fake.client(source=OLD), egress=False)

        outcomes = {r.name: r.outcome for r in report.results}
        assert "pass" == outcomes["positive"]
        assert "fail" == outcomes["restriction"]
        assert "unknown" == outcomes["registry"]
        assert 1 == report.exit_code

    def test_negative_through_a_proxy_is_refused(self):
        """A signed call through a non-whitelisted proxy must be refused: pass."""
        with (
            fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake,
            _ForwardProxy(ELSEWHERE) as proxy,
        ):
            report = check(fake.client(source=OLD), proxy=proxy.url, egress=[OLD])
            sources = {r.client_ip for r in fake.server.requests}

        negative = next(r for r in report.results if r.name == "negative")
        assert "pass" == negative.outcome, negative.detail
        assert ELSEWHERE in sources
        assert 0 == report.exit_code

    def test_negative_through_a_proxy_accepted_fails(self):
        """If the proxy's address is accepted, the whitelist does not hold: fail."""
        with (
            fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD, ELSEWHERE])) as fake,
            _ForwardProxy(ELSEWHERE) as proxy,
        ):
            report = check(fake.client(source=OLD), proxy=proxy.url, egress=[OLD])

        negative = next(r for r in report.results if r.name == "negative")
        assert "fail" == negative.outcome
        assert "ACCEPTED" in negative.detail
        assert 1 == report.exit_code

    def test_exchange_unreachable_is_exit_3(self):
        """Nothing listening: the positive test is unknown, exit 3, quickly."""
        client = ccxt.bybit({"apiKey": "k" * 18, "secret": "s" * 36, "timeout": 2000})
        ipwhitelist._testing.fake.point_at(client, "http://127.0.0.1:9")

        report = check(client, egress=False)

        assert "unknown" == report.results[0].outcome
        assert 3 == report.exit_code

    def test_nothing_verified_is_not_ok(self):
        """Unreachable exchange: verdict 'unverified', ok False, in the API, str() and JSON."""
        client = ccxt.bybit({"apiKey": "k" * 18, "secret": "s" * 36, "timeout": 2000})
        ipwhitelist._testing.fake.point_at(client, "http://127.0.0.1:9")

        report = check(client, egress=False)

        assert "unverified" == report.verdict
        assert report.ok is False
        assert str(report).startswith("Pre-live check of bybit: UNVERIFIED")
        assert " OK" not in str(report).splitlines()[0]
        assert (False, "unverified") == (report.to_dict()["ok"], report.to_dict()["verdict"])

    def test_verdicts(self, tmp_path):
        """ok only when the positive test passed and nothing failed; any failure is a problem."""
        path = _registry(tmp_path, "bybit", [OLD])
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            ready = check(fake.client(source=OLD), registry=path, egress=[OLD])
            refused = check(fake.client(source=NEW), registry=path, egress=[NEW])

        assert ("ok", True, 0) == (ready.verdict, ready.ok, ready.exit_code)
        assert ("problem", False, 1) == (refused.verdict, refused.ok, refused.exit_code)
        assert "ok" == ready.to_dict()["verdict"]
        assert str(refused).startswith("Pre-live check of bybit.main: PROBLEM")

    def test_no_secret_in_report(self, tmp_path):
        """Neither str() nor to_dict() of a report holds a credential."""
        state = FakeKeyState(allowed_ips=[OLD])
        with fake_exchange("okx", state) as fake:
            report = check(fake.client(source=NEW), egress=[NEW])

        text = str(report) + repr(report.to_dict())
        for secret in (state.api_key, state.secret, state.password):
            assert secret not in text


def _walk_invariant(path, state):
    """The documented list always holds an address the exchange accepts."""
    documented = _documented(path)["ips"]
    assert any(state.allows(ip) for ip in documented), (documented, state.allowed_ips)


class TestMigrate:
    def test_full_walk_on_bybit(self, tmp_path):
        """add -> confirm from new host -> switch -> confirm -> remove, verified by the audit."""
        path = _registry(tmp_path, "bybit", [OLD])
        state = FakeKeyState(allowed_ips=[OLD])
        with fake_exchange("bybit", state) as fake:
            old_host = fake.client(source=OLD)
            new_host = fake.client(source=NEW)

            status = migrate(old_host, path, to=NEW, egress=[OLD])
            assert "add" == status.step
            assert f"{OLD},{NEW}" == status.paste
            assert "add" == _documented(path)["migration"]["step"]
            _walk_invariant(path, state)

            state.allowed_ips = [OLD, NEW]  # the operator pastes the list
            status = migrate(old_host, path, egress=[OLD])
            assert ("add",) == status.completed
            assert "confirm-new" == status.step
            assert "run this on the new host" in status.action
            assert [OLD, NEW] == _documented(path)["ips"]
            _walk_invariant(path, state)

            status = migrate(new_host, path, egress=[NEW])
            assert ("confirm-new",) == status.completed
            assert "switch" == status.step

            status = migrate(new_host, path, switched=True, egress=[NEW])
            assert ("switch", "confirm-switch") == status.completed
            assert "remove-old" == status.step
            assert NEW == status.paste
            _walk_invariant(path, state)

            state.allowed_ips = [NEW]
            status = migrate(new_host, path, egress=[NEW])

        assert status.done
        assert 0 == len(status.action)
        documented = _documented(path)
        assert [NEW] == documented["ips"]
        assert "migration" not in documented
        assert "# the bot hosts" in path.read_text("utf-8")
        assert path.with_name(path.name + ".bak").exists()
        assert "done" == status.to_dict()["step"]
        assert "[x] 5." in str(status)

    def test_binance_needs_the_new_host_and_removed_flag(self, tmp_path):
        """Binance does not report the list: the new host proves 'add', --removed ends it."""
        path = _registry(tmp_path, "binance", [OLD])
        state = FakeKeyState(allowed_ips=[OLD])
        with fake_exchange("binance", state) as fake:
            old_host, new_host = fake.client(source=OLD), fake.client(source=NEW)

            status = migrate(old_host, path, to=NEW, egress=[OLD])
            assert "add" == status.step
            assert "on the new host" in status.action

            status = migrate(new_host, path, egress=[NEW])  # not added yet: refused
            assert "add" == status.step
            assert "still refuses" in status.problem

            state.allowed_ips = [OLD, NEW]
            status = migrate(new_host, path, switched=True, egress=[NEW])
            assert ("add", "confirm-new", "switch", "confirm-switch") == status.completed
            assert "remove-old" == status.step
            assert "'removed' flag" in status.action

            state.allowed_ips = [NEW]
            status = migrate(new_host, path, removed=True, egress=[NEW])

        assert status.done
        assert [NEW] == _documented(path)["ips"]

    def test_interrupted_migration_resumes(self, tmp_path, monkeypatch):
        """A crash while recording a step leaves the last recorded step; a rerun resumes."""
        path = _registry(tmp_path, "okx", [OLD])
        state = FakeKeyState(allowed_ips=[OLD, NEW])
        with fake_exchange("okx", state) as fake:
            new_host = fake.client(source=NEW)
            migrate(new_host, path, to=NEW, egress=[OLD])  # starts, at "add"... then verifies
            recorded = _documented(path)["migration"]["step"]
            assert recorded in ("confirm-new", "switch")

            real_replace = Path.replace

            def crash(self, target):
                if Path(target) == path:
                    raise KeyboardInterrupt  # the operator's Ctrl-C, mid-write
                return real_replace(self, target)

            monkeypatch.setattr(Path, "replace", crash)
            with pytest.raises(KeyboardInterrupt):
                migrate(new_host, path, switched=True, egress=[NEW])
            monkeypatch.setattr(Path, "replace", real_replace)

            assert recorded == _documented(path)["migration"]["step"]
            assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
            Registry.load(path)  # still valid
            _walk_invariant(path, state)

            status = migrate(new_host, path, switched=True, egress=[NEW])
            assert "remove-old" == status.step

    def test_errors(self, tmp_path):
        """Nothing to migrate, a different migration in progress, a bad address."""
        path = _registry(tmp_path, "bybit", [OLD])
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            client = fake.client(source=OLD)
            with pytest.raises(MigrationError, match="no migration in progress"):
                migrate(client, path, egress=[OLD])
            with pytest.raises(MigrationError, match="is not an IP address"):
                migrate(client, path, to="not-an-ip", egress=[OLD])
            with pytest.raises(MigrationError, match="nothing to migrate"):
                migrate(client, path, to=OLD, egress=[OLD])
            with pytest.raises(MigrationError, match="nothing to migrate"):
                migrate(client, path, to=f"::ffff:{OLD}", egress=[OLD])  # OLD itself
            with pytest.raises(MigrationError, match="scope id"):
                migrate(client, path, to="fe80::1%eth0", egress=[OLD])
            migrate(client, path, to=NEW, egress=[OLD])
            with pytest.raises(MigrationError, match="in progress"):
                migrate(client, path, to=ELSEWHERE, egress=[OLD])
            with pytest.raises(MigrationError, match=r"no key bybit\.other"):
                migrate(client, path, label="other", egress=[OLD])
        with pytest.raises(MigrationError, match="documents no key for okx"):
            migrate(ccxt.okx(), path, to=NEW, egress=False)


class TestProbe:
    """The shared steps: egress as given, detected or off; one signed read anywhere."""

    def test_egress_options(self, monkeypatch):
        """False, addresses, a report, a detector, the default (off here), a failing detector."""
        import httpx

        from ipwhitelist import EgressDetector, EgressReport
        from ipwhitelist._keys.probe import egress_ips

        client = ccxt.bybit()
        assert () == egress_ips(client, False)  # noqa: FBT003
        assert ("203.0.113.7",) == tuple(map(str, egress_ips(client, ["203.0.113.7"])))
        assert ("203.0.113.7",) == tuple(map(str, egress_ips(client, ["::ffff:203.0.113.7"])))
        with pytest.raises(ValueError, match="scope"):
            egress_ips(client, ["fe80::1%eth0"])
        assert ("203.0.113.8",) == tuple(
            map(str, egress_ips(client, EgressReport(ipv4="203.0.113.8")))
        )
        answering = EgressDetector(
            ["https://ip.test/"],
            transport=httpx.MockTransport(lambda r: httpx.Response(200, text="198.51.100.4")),
            allow_private=True,  # a documentation address
        )
        assert ("198.51.100.4",) == tuple(map(str, egress_ips(client, answering)))
        assert () == egress_ips(client, True)  # noqa: FBT003 - IPWHITELIST_EGRESS=off here
        failing = EgressDetector(
            ["https://ip.test/"], transport=httpx.MockTransport(lambda r: httpx.Response(500))
        )
        assert () == egress_ips(client, failing)

    def test_exchange_without_audit_uses_fetch_balance(self):
        """No audit endpoint (Kraken): a signed fetch_balance is the positive test."""
        from helpers import CREDENTIALS, CannedAdapter, mount

        adapter = CannedAdapter(200, '{"error":[],"result":{}}')
        client = mount(ccxt.kraken(dict(CREDENTIALS)), adapter)

        report = check(client, egress=False)

        outcomes = {r.name: r.outcome for r in report.results}
        assert "pass" == outcomes["positive"]
        assert "unknown" == outcomes["restriction"]
        assert report.audit is None
        assert any("Balance" in url for url in adapter.urls)
        # The key works, but nothing proves other addresses are refused.
        assert 3 == report.exit_code

    def test_exchange_without_audit_refused_by_geo_block(self):
        """An HTTP 451 on that signed call comes out typed and fails the check."""
        from helpers import CREDENTIALS, CannedAdapter, mount

        client = mount(ccxt.kraken(dict(CREDENTIALS)), CannedAdapter(451, "<html>451</html>"))

        report = check(client, egress=False)

        assert "geo_restricted" == report.diagnosis.kind
        assert 1 == report.exit_code

    def test_non_ip_failure_fails_the_positive_test(self):
        """A wrong secret is a failure of the key, reported without the secret."""
        state = FakeKeyState(allowed_ips=[OLD])
        with fake_exchange("okx", state) as fake:
            report = check(fake.client(source=OLD, secret="wrong" * 8), egress=False)

        positive = report.results[0]
        assert "fail" == positive.outcome
        assert "not because of the IP" in positive.detail
        assert report.diagnosis is None


class TestAnotherKeysEntry:
    """check and migrate never use an entry whose fingerprint names another key."""

    @staticmethod
    def _other(tmp_path, exchange):
        path = tmp_path / "whitelists.toml"
        path.write_text(
            f'allow_private = true\n[{exchange}.other]\nfingerprint = "{fingerprint("x" * 40)}"\n'
            'ips = ["127.0.0.9"]\n',
            "utf-8",
        )
        return path

    def test_check_reports_the_key_as_undocumented(self, tmp_path):
        """The only entry documents another key: registry unknown, no label, no false fail."""
        path = self._other(tmp_path, "bybit")
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            report = check(fake.client(source=OLD), registry=path, egress=[OLD])

        registry = next(r for r in report.results if r.name == "registry")
        assert report.label is None
        assert "unknown" == registry.outcome

    def test_migrate_does_not_write_into_another_keys_entry(self, tmp_path):
        """migrate refuses to start on an entry documenting another key; the file is unchanged."""
        path = self._other(tmp_path, "bybit")
        before = path.read_text("utf-8")
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            client = fake.client(source=OLD)
            with pytest.raises(MigrationError, match="documents no key for bybit"):
                migrate(client, path, to=NEW, egress=[OLD])
            with pytest.raises(MigrationError, match="documents another API key"):
                migrate(client, path, to=NEW, label="other", egress=[OLD])

        assert before == path.read_text("utf-8")

    def test_empty_documented_list_is_unknown_not_a_failure(self, tmp_path):
        """An entry with ips = [] documents nothing: the registry test is unknown, not failed."""
        path = tmp_path / "whitelists.toml"
        path.write_text("[bybit.main]\nips = []\n", "utf-8")
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            report = check(fake.client(source=OLD), registry=path, egress=[OLD])

        registry = next(r for r in report.results if r.name == "registry")
        assert ("unknown", "ok") == (registry.outcome, report.verdict)
        assert "is empty" in registry.detail


class TestAddressesEnterOnce:
    """migrate's --to and check's egress go through the one address parser."""

    def test_mapped_new_address_is_ipv4_and_zones_are_refused(self, tmp_path):
        """to='::ffff:a.b.c.d' migrates to a.b.c.d; a scope id is refused with the reason."""
        path = _registry(tmp_path, "bybit", [OLD])
        with fake_exchange("bybit", FakeKeyState(allowed_ips=[OLD])) as fake:
            client = fake.client(source=OLD)
            with pytest.raises(MigrationError, match="scope id"):
                migrate(client, path, to="fe80::1%eth0", egress=[OLD])
            status = migrate(client, path, to=f"::ffff:{NEW}", egress=[f"::ffff:{OLD}"])

        assert NEW == status.new
        assert (OLD,) == status.egress_ips
        assert NEW == Registry.load(path).get("bybit", "main").migration.to
