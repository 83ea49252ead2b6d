"""Hostile-review siblings of issue 14: each test failed before its fix (see helpers' trust.md)."""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import re
import string
from pathlib import Path
from urllib.parse import quote, unquote

import ccxt
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipwhitelist
from ipwhitelist import check
from ipwhitelist._core.redact import redact, redact_url
from ipwhitelist._testing.fake import FakeServer, Reply, point_at


def _kraken(request):
    """Kraken: no key-restriction endpoint; every call answers (empty markets, a balance)."""
    result = {"USDT": "1000"} if request.path.endswith("/Balance") else {}
    return Reply.json({"error": [], "result": result})


class TestCheckVerdict:
    def test_restriction_unproven_is_unverified(self):
        """Positive pass, no key audit, no negative test: nothing proves other IPs are refused."""
        with FakeServer(default=_kraken) as server:
            client = ccxt.kraken(
                {
                    "apiKey": "k" * 20,
                    "secret": "c2VjcmV0" * 8,
                    "timeout": 5000,
                    "enableRateLimit": False,
                }
            )
            point_at(client, server.url)
            report = check(client, egress=False)

        outcomes = {r.name: r.outcome for r in report.results}
        assert ("pass", "unknown") == (outcomes["positive"], outcomes["restriction"])
        assert ("unverified", False, 3) == (report.verdict, report.ok, report.exit_code)
        assert (False, "unverified") == (report.to_dict()["ok"], report.to_dict()["verdict"])
        assert str(report).startswith("Pre-live check of kraken: UNVERIFIED")


NOT_SOURCES = [
    "10.0.0.5",
    "127.0.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "169.254.1.1",
    "100.64.0.1",
    "::1",
    "ff02::1",
    "fe80::1",
    "fd00::7",
]


def _okx_names(ip, *, whitelist=("203.0.113.7",), egress=False):
    @ipwhitelist.diagnose(exchange="okx", egress=egress, whitelist=list(whitelist))
    def call():
        body = {"code": "50110", "msg": f"Your IP {ip} is not in the IP whitelist.", "data": []}
        raise ccxt.PermissionDenied("okx " + json.dumps(body))

    with pytest.raises(ipwhitelist.IPRejection) as info:
        call()
    return info.value.diagnosis


class TestWhichAddressIsASource:
    @pytest.mark.parametrize("ip", NOT_SOURCES)
    def test_exchange_naming_a_non_source_is_not_the_ip_it_saw(self, ip):
        """'Your IP 10.0.0.5': no request comes from it; never 'add 10.0.0.5', never confirmed off-list."""
        d = _okx_names(ip)

        assert d.reported_ip is None
        assert d.whitelisted is None
        assert not any(ip in step for step in d.remediation)
        assert "IP it saw:       not stated" in str(d)
        assert f"IP seen by the exchange: {ip}" not in ipwhitelist.IPRejection.__str__(
            ipwhitelist.IPNotWhitelisted("", diagnosis=d)
        )
        (hint,) = (h for h in d.hints if h.name == "private_address")
        assert ip in hint.summary
        assert any(ip in line and "not taken as the IP" in line for line in d.evidence)

    def test_a_lab_whose_list_holds_loopback_keeps_it(self):
        """A documented list with a loopback entry says such addresses are real sources here."""
        d = _okx_names("127.0.0.2", whitelist=("127.0.0.1",))

        assert ("127.0.0.2", False) == (str(d.reported_ip), d.whitelisted)

    @pytest.mark.parametrize("answer", ["224.0.0.1", "239.255.255.250", "ff0e::1", "240.0.0.1"])
    def test_provider_answering_a_non_source_is_no_egress(self, answer):
        """is_global passes multicast: a provider answering one must not become the egress."""
        detector = ipwhitelist.EgressDetector(
            ["https://ip.test/"],
            transport=httpx.MockTransport(lambda _r: httpx.Response(200, text=answer)),
            ttl=0,
        )

        report = detector.detect()

        assert () == report.ips
        assert any("not a public address" in e for e in report.errors)

    @pytest.mark.parametrize("entry", ["240.0.0.1", "255.255.255.255", "0.1.2.3", "ff02::1"])
    def test_registry_refuses_non_source_entries(self, entry):
        """A reserved, broadcast or 'this network' entry is no egress either."""
        with pytest.raises(ipwhitelist.RegistryError, match="not a public address"):
            ipwhitelist.Registry.loads(f'[okx.main]\nips = ["{entry}"]\n')


_ONE_BINANCE_KEY = '[binance.main]\nips = ["203.0.113.7"]\n'


class TestSharedKeys:
    @pytest.mark.parametrize("client_id", ["binance", "binanceusdm", "binancecoinm"])
    def test_binance_products_share_one_key(self, client_id):
        """USDⓈ-M and COIN-M futures take the Binance account's key: its entry counts."""
        client = getattr(ccxt, client_id)({"apiKey": "k" * 20, "secret": "s" * 20})

        entry = ipwhitelist.Registry.loads(_ONE_BINANCE_KEY).for_client(client)

        assert entry is not None
        assert "main" == entry.label

    @pytest.mark.parametrize(
        ("client_id", "documented"),
        [
            ("binanceus", "binance"),  # Binance.US: another company, other keys
            ("bybiteu", "bybit"),
            ("myokx", "okx"),
            ("okxus", "okx"),
            ("fmfwio", "hitbtc"),
            ("binance", "binanceus"),  # and not the other way round
        ],
    )
    def test_a_ccxt_subclass_is_not_the_same_account(self, client_id, documented):
        """A ccxt class derived from another is no proof that one key works on both."""
        reg = ipwhitelist.Registry.loads(f'[{documented}.main]\nips = ["203.0.113.7"]\n')
        client = getattr(ccxt, client_id)({"apiKey": "k" * 20, "secret": "s" * 20})

        assert reg.for_client(client) is None
        assert () == reg.keys_for(client_id)
        assert not reg.allows(client_id, "203.0.113.7")

    def test_wrap_does_not_confirm_against_another_companys_key(self):
        """binanceus refused with -2015 and a binance entry: never 'NOT on the list (confirmed)'."""
        reg = ipwhitelist.Registry.loads(_ONE_BINANCE_KEY)

        @ipwhitelist.diagnose(exchange="binanceus", egress=False, whitelist=reg)
        def call():
            raise ccxt.AuthenticationError(
                'binanceus {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action, '
                'request ip: 198.51.100.9"}'
            )

        with pytest.raises(ipwhitelist.IPRejection) as info:
            call()

        assert info.value.diagnosis.whitelisted is None
        assert "confirmed" != info.value.diagnosis.confidence


def _okx_refuses(_request):
    body = {"code": "50110", "msg": "Your IP is not in the API key's IP whitelist.", "data": []}
    return Reply.json(body, 401)


def _echo_ip(request):
    return Reply(body=request.client_ip)


class TestEnvironmentProxy:
    def _refused(self, monkeypatch, variable, proxy_url, *, no_proxy="", trust_env=True):
        from test_check_migrate import _ForwardProxy

        monkeypatch.setenv("NO_PROXY", no_proxy)
        with (
            FakeServer(default=_okx_refuses) as exchange,
            FakeServer(default=_echo_ip) as echo,
            _ForwardProxy("127.0.0.3") as proxy,
        ):
            monkeypatch.setenv(variable, proxy_url or proxy.url)
            config = {"apiKey": "k" * 20, "secret": "s" * 20, "password": "p" * 8}
            client = ccxt.okx({**config, "timeout": 5000, "requests_trust_env": trust_env})
            point_at(client, exchange.url)
            detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True, ttl=0)
            ipwhitelist.wrap(client, egress=detector, whitelist=["127.0.0.3"])
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                client.private_get_account_balance()
            sources = {r.client_ip for r in exchange.requests}
        return info.value.diagnosis, sources

    @pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
    def test_lookup_takes_the_route_the_requests_take(self, monkeypatch, variable):
        """With requests_trust_env, HTTP(S)_PROXY routes ccxt's requests: the lookup goes the same way."""
        for other in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(other, raising=False)

        d, sources = self._refused(monkeypatch, variable, None)

        assert {"127.0.0.3"} == sources  # the exchange saw the proxy
        assert ("127.0.0.3",) == tuple(map(str, d.egress_ips))
        assert d.whitelisted is True

    def test_no_proxy_keeps_the_direct_route(self, monkeypatch):
        """NO_PROXY naming the exchange's host: requests go direct, so does the lookup."""
        for other in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(other, raising=False)

        d, sources = self._refused(monkeypatch, "HTTP_PROXY", None, no_proxy="127.0.0.1")

        assert {"127.0.0.1"} == sources
        assert ("127.0.0.1",) == tuple(map(str, d.egress_ips))
        assert d.whitelisted is False

    def test_without_trust_env_the_variables_route_nothing(self, monkeypatch):
        """ccxt ignores the variables unless its session trusts them: so does the lookup."""
        monkeypatch.delenv("http_proxy", raising=False)

        d, sources = self._refused(monkeypatch, "HTTP_PROXY", None, trust_env=False)

        assert {"127.0.0.1"} == sources
        assert ("127.0.0.1",) == tuple(map(str, d.egress_ips))

    @pytest.mark.parametrize(
        ("no_proxy", "url", "routed"),
        [
            ("", "https://api.binance.com/api", True),
            ("*", "https://api.binance.com/api", False),
            ("binance.com", "https://api.binance.com/api", False),
            (".binance.com", "https://api.binance.com/api", False),
            ("notbinance.com", "https://api.binance.com/api", True),
            ("10.0.0.0/8", "https://10.1.2.3/api", False),
            ("api.binance.com:443", "https://api.binance.com/api", False),
            ("okx.com, binance.com", "https://api.binance.com/api", False),
        ],
    )
    def test_no_proxy_as_requests_reads_it(self, monkeypatch, no_proxy, url, routed):
        """NO_PROXY entries: '*', names, dotted suffixes, CIDRs, host:port, lists."""
        from types import SimpleNamespace

        from ipwhitelist._client.introspect import proxy_of

        for name in ("no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.test:3128")
        monkeypatch.setenv("NO_PROXY", no_proxy)
        client = SimpleNamespace(session=SimpleNamespace(trust_env=True), urls={"api": url})

        assert ("http://user:pw@proxy.test:3128" if routed else None) == proxy_of(client)


# Forms a credential can take in an exchange's or proxy's text that no
# encoder of a signed request gives it, each with how a reader decodes it.
HOSTILE_FORMS = {
    "utf-16-le": (
        lambda v: v.encode("utf-16-le").decode("latin-1"),
        lambda t: t.replace("\x00", ""),
    ),
    "utf-16-be": (
        lambda v: v.encode("utf-16-be").decode("latin-1"),
        lambda t: t.replace("\x00", ""),
    ),
    "html-decimal": (lambda v: "".join(f"&#{ord(c)};" for c in v), html.unescape),
    "html-hex": (lambda v: "".join(f"&#x{ord(c):x};" for c in v), html.unescape),
    "html-one-char": (lambda v: f"&#{ord(v[0])};{v[1:]}", html.unescape),
    "split-newline": (lambda v: v[:7] + "\n" + v[7:], lambda t: re.sub(r"\s", "", t)),
    "split-space": (lambda v: v[:9] + " " + v[9:], lambda t: re.sub(r"\s", "", t)),
    "split-json-newline": (lambda v: v[:8] + "\\n" + v[8:], lambda t: t.replace("\\n", "")),
    "json-unicode": (
        lambda v: "".join(f"\\u{ord(c):04x}" for c in v),
        lambda t: re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), t),
    ),
    "percent-every-char": (lambda v: "".join(f"%{ord(c):02X}" for c in v), unquote),
    "percent-twice": (lambda v: quote(quote(v, safe=""), safe=""), lambda t: unquote(unquote(t))),
    "upper": (str.upper, str.upper),
    "hex": (lambda v: v.encode().hex(), lambda t: t),
}


class TestEncodedForms:
    @settings(max_examples=300)
    @given(
        secret=st.text(alphabet=string.ascii_letters + string.digits, min_size=16, max_size=64),
        form=st.sampled_from(sorted(HOSTILE_FORMS)),
        before=st.text(max_size=30),
        after=st.text(max_size=30),
    )
    def test_known_secret_in_any_form_never_survives(self, secret, form, before, after):
        """UTF-16, HTML entities, split lines, \\u escapes, double percent: removed or withheld."""
        encode, decode = HOSTILE_FORMS[form]
        encoded = encode(secret)

        out = redact(before + " " + encoded + " " + after, [secret])

        assert encoded not in out
        if form == "upper":
            assert secret.upper() not in out.upper()
        elif form == "hex":
            assert secret.encode().hex() not in out.lower()
        else:
            assert secret not in decode(out)

    @pytest.mark.parametrize("form", sorted(HOSTILE_FORMS))
    def test_diagnosis_of_a_client_withholds_it(self, form):
        """Through the public API: the exchange echoes the client's key in an odd form."""
        key = "Kx7Q2mWp9Zr4Tb8Ys3Nd"
        client = ccxt.okx({"apiKey": key, "secret": "s" * 24, "password": "p" * 10})
        echoed = HOSTILE_FORMS[form][0](key)

        @ipwhitelist.diagnose(exchange=client, egress=False)
        def call():
            body = {"code": "50110", "msg": f"IP not whitelisted for key {echoed}", "data": []}
            raise ccxt.PermissionDenied("okx " + json.dumps(body))

        with pytest.raises(ipwhitelist.IPRejection) as info:
            call()

        d = info.value.diagnosis
        shown = str(info.value) + str(d) + json.dumps(d.to_dict())
        assert echoed not in shown
        assert key not in shown
        assert key.lower() not in HOSTILE_FORMS[form][1](shown).lower()


PROXY_PASSWORD = "pr0xyPassw0rd"


class TestUserinfoEverywhere:
    @pytest.mark.parametrize(
        "proxy",
        [
            f"user:{PROXY_PASSWORD}@127.0.0.1:9",  # requests and ccxt take it as http://
            f"http://user:{PROXY_PASSWORD}@127.0.0.1:9",
            f"socks5h://user:{PROXY_PASSWORD}@127.0.0.1:9",
        ],
    )
    def test_check_report_never_shows_the_proxy_password(self, proxy):
        """check(proxy=...) with or without a scheme: str() and to_dict() hide the password."""
        with FakeServer(default=_kraken) as server:
            client = ccxt.kraken(
                {"apiKey": "k" * 20, "secret": "c2VjcmV0" * 8, "enableRateLimit": False}
            )
            client.timeout = 2000
            point_at(client, server.url)
            report = check(client, egress=False, proxy=proxy)

        shown = str(report) + json.dumps(report.to_dict()) + repr(report)
        assert PROXY_PASSWORD not in shown

    def test_egress_errors_never_show_a_schemeless_proxy_password(self):
        """A proxy without a scheme is http:// (as requests reads it), and its password hidden."""
        detector = ipwhitelist.EgressDetector(
            ["http://127.0.0.1:9/ip"], allow_private=True, ttl=0, timeout=1.0
        )

        report = detector.detect(f"user:{PROXY_PASSWORD}@127.0.0.1:9")

        shown = repr(report) + " ".join(report.errors)
        assert PROXY_PASSWORD not in shown
        assert not any("Unknown scheme" in e for e in report.errors)

    @pytest.mark.parametrize(
        "url",
        [f"https://user:{PROXY_PASSWORD}@ip.test/", f"https://ip.test/?token={PROXY_PASSWORD}"],
    )
    def test_provider_repr_hides_credentials(self, url):
        """A provider URL with userinfo or a token: repr() shows the host, not the secret."""
        provider = ipwhitelist.Provider(url=url)
        detector = ipwhitelist.EgressDetector([provider])

        assert PROXY_PASSWORD not in repr(provider) + repr(detector.providers)
        assert "ip.test" in repr(provider)
        assert url == provider.url  # the URL itself is kept: it is what is fetched


def _huge(tmp_path, name):
    """A valid-looking file a little over 4 MiB: comments all the way."""
    path = tmp_path / name
    path.write_text("# padding\n" * (430 * 1024), "utf-8")
    return path


class TestBoundedReads:
    def test_huge_registry_is_refused(self, tmp_path):
        """A registry over 4 MiB is a RegistryError, not read whole."""
        with pytest.raises(ipwhitelist.RegistryError, match="larger than"):
            ipwhitelist.Registry.load(_huge(tmp_path, "whitelists.toml"))

    def test_huge_whitelist_file_is_refused(self, tmp_path):
        """A plain whitelist file over 4 MiB: ValueError."""
        with pytest.raises(ValueError, match="larger than"):
            ipwhitelist.Whitelist.load(_huge(tmp_path, "whitelist.txt"))

    def test_huge_config_is_a_usage_error(self, tmp_path, capsys):
        """The CLI's config over 4 MiB: exit 2 with a message."""
        from ipwhitelist._cli.main import main

        code = main(["doctor", "--config", str(_huge(tmp_path, "config.toml")), "--no-egress"])

        assert 2 == code
        assert "larger than" in capsys.readouterr().err

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
    @pytest.mark.parametrize("loader", ["registry", "whitelist"])
    def test_a_device_is_read_up_to_the_bound(self, loader):
        """/dev/zero has size 0 and no end: the read stops at the bound."""
        load = {"registry": ipwhitelist.Registry.load, "whitelist": ipwhitelist.Whitelist.load}

        with pytest.raises(ValueError, match="larger than"):
            load[loader]("/dev/zero")

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
    def test_report_log_tail_is_one_bounded_read(self, capsys):
        """`report --log /dev/zero` (size 0, no end) is refused at once: not a regular file."""
        from ipwhitelist._cli.main import main

        code = main(["report", "--json", "--no-egress", "--log", "/dev/zero"])

        assert 2 == code
        error = json.loads(capsys.readouterr().out)["error"]
        assert ("config", True) == (error["kind"], "not a regular file" in error["message"])


class TestValueObjectsAreCappedAndRedacted:
    def test_key_audit_of_a_hostile_answer_is_capped(self):
        """An exchange answering a 200 KB 'IP' entry: the audit, its text and findings stay short."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        huge = "203.0.113.7" + "7" * 200_000
        with fake_exchange("bybit", FakeKeyState(allowed_ips=["127.0.0.1", huge])) as fake:
            audit = ipwhitelist.audit(fake.client(), egress=False)

        shown = str(audit) + json.dumps(audit.to_dict()) + repr(audit)
        assert len(shown) < 20_000
        assert all(len(ip) <= 64 for ip in audit.allowed_ips)
        assert all(len(f.message) <= 1024 for f in audit.findings)

    def test_value_objects_scrub_their_text(self):
        """CheckResult, Finding and MigrationStatus text goes through the one redaction step."""
        leak = "signature=" + "ab" * 32
        result = ipwhitelist.CheckResult(name="negative", outcome="unknown", detail=leak)
        finding = ipwhitelist.Finding(code="x", severity="info", message=leak, fix=leak)
        status = ipwhitelist.MigrationStatus(
            exchange="okx", label="main", old=("203.0.113.7",), new="203.0.113.8",
            step="add", action=leak, problem=leak,
        )  # fmt: skip

        for shown in (
            repr(result) + str(result.to_dict()),
            repr(finding) + str(finding.to_dict()),
            repr(status) + str(status) + json.dumps(status.to_dict()),
        ):
            assert "ab" * 32 not in shown


class TestDetectorCacheIsBounded:
    def test_rotating_routes_do_not_grow_the_cache(self):
        """A bot rotating proxies (a session id per request) must not grow the cache forever."""
        detector = ipwhitelist.EgressDetector(
            ["https://ip.test/"],
            transport=httpx.MockTransport(lambda _r: httpx.Response(200, text="8.8.8.8")),
        )

        for n in range(1500):
            detector.detect(url_prefix=f"https://proxy.test/s{n}/")

        assert len(detector._cache) <= 256
        assert detector.cached(url_prefix="https://proxy.test/s1499/") is not None


class TestAuditRestrictionUnknown:
    def test_an_answer_without_the_ip_field_is_not_silently_ok(self):
        """OKX answering without `ip`: the audit says the restriction is unknown, as a warning."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        def no_ip_field(request):
            reply = original(request)
            body = json.loads(reply.body)
            for item in body.get("data", []):
                item.pop("ip", None)
            return Reply.json(body, reply.status)

        with fake_exchange("okx", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
            route = ("GET", "/api/v5/account/config")
            original = fake.server.routes[route]
            fake.server.routes[route] = no_ip_field
            audit = ipwhitelist.audit(fake.client(), egress=False)

        assert audit.ip_restricted is None
        codes = {f.code: f.severity for f in audit.findings}
        assert "warning" == codes.get("ip-restriction-unknown")
        assert "IP restricted: unknown" in str(audit)


_DOCUMENTATION = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]


class TestProperties:
    @given(ip=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
    def test_non_source_agrees_with_ipaddress(self, ip):
        """Loopback, private, link-local, multicast, unspecified: never a source; global: always."""
        from ipwhitelist._core.address import non_source, unmap

        ip = unmap(ip)
        kind = non_source(ip)
        if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
            assert kind is not None
        # fec0::/10 (site-local, deprecated by RFC 3879) is "global" to ipaddress only.
        if ip.is_global and not ip.is_multicast and not getattr(ip, "is_site_local", False):
            assert kind is None
        if any(ip in n for n in _DOCUMENTATION if n.version == ip.version):
            assert kind is None  # examples and the suite use them as public addresses

    @given(
        user=st.text(
            alphabet=string.ascii_letters + string.digits + "._-", min_size=1, max_size=12
        ),
        password=st.text(alphabet=string.ascii_letters + string.digits + "!$*~", min_size=8),
        scheme=st.sampled_from(["", "http://", "https://", "socks5h://"]),
        before=st.sampled_from(["", "proxy ", "proxy=", "'", '"', "("]),
    )
    def test_userinfo_never_survives_patterns(self, user, password, scheme, before):
        """user:password@host, with or without a scheme, anywhere in text: the password goes."""
        url = f"{scheme}{user}:{password}@proxy.test:3128"

        assert password not in redact(f"{before}{url} refused")
        assert password not in redact_url(url)


class TestSdkEnvironmentProxy:
    @pytest.fixture(autouse=True)
    def _loop(self):
        """python-binance's constructor takes (or makes) the thread's loop: give it one, closed."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        yield
        asyncio.set_event_loop(None)
        loop.close()

    def test_python_binance_session_trusts_the_environment(self, monkeypatch):
        """python-binance's requests session uses HTTPS_PROXY: the egress lookup goes there too."""
        from binance.client import Client

        from helpers import B2015, CannedAdapter
        from test_check_migrate import _ForwardProxy

        for name in ("https_proxy", "ALL_PROXY", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NO_PROXY", "")
        with FakeServer(default=_echo_ip) as echo, _ForwardProxy("127.0.0.3") as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            made = Client("k" * 64, "s" * 64, ping=False)
            made.session.mount("https://", CannedAdapter(401, B2015))
            detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True, ttl=0)
            ipwhitelist.wrap(made, egress=detector)
            with pytest.raises(ipwhitelist.IPRejection) as info:
                made.get_account()

        assert ("127.0.0.3",) == tuple(map(str, info.value.diagnosis.egress_ips))


class TestWebsocketRoute:
    def test_a_websocket_rejection_looks_up_through_the_ws_proxy(self):
        """ccxt.pro sends websockets through wsProxy/wssProxy/wsSocksProxy, not httpsProxy."""
        from types import SimpleNamespace

        from ipwhitelist._client.introspect import credentials_of, proxy_of

        client = SimpleNamespace(
            httpsProxy="http://rest.test:3128",
            wssProxy=f"http://user:{PROXY_PASSWORD}@ws.test:3128",
            session=None,
        )

        assert "http://rest.test:3128" == proxy_of(client, "https://api.test/v1")
        assert client.wssProxy == proxy_of(client, "wss://stream.test/ws")
        assert PROXY_PASSWORD in credentials_of(client)  # so it is redacted by value

    def test_a_websocket_without_its_own_proxy_does_not_take_the_rest_proxy(self):
        """httpsProxy routes REST only: a websocket refused goes direct, and so does the lookup."""
        from types import SimpleNamespace

        from ipwhitelist._client.introspect import proxy_of

        client = SimpleNamespace(httpsProxy="http://rest.test:3128", session=None)

        assert proxy_of(client, "wss://stream.test/ws") is None

    def test_the_hint_does_not_say_the_client_set_the_proxy(self, monkeypatch):
        """An environment proxy is not 'configured' on the client: the hint says where it is from."""
        for other in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(other, raising=False)

        d, _ = TestEnvironmentProxy()._refused(monkeypatch, "HTTP_PROXY", None)

        (hint,) = (h for h in d.hints if h.name == "client_proxy")
        assert "configured" not in hint.summary
        assert "environment" in hint.summary
