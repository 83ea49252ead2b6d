"""The mapping choke point: degradation, egress completion, proxy routing."""

from __future__ import annotations

import pytest

import ipwhitelist
from helpers import CannedAdapter, body_of, canned, mount
from ipwhitelist._client import introspect as _introspect
from ipwhitelist._client import mapping as _mapping
from ipwhitelist._testing.fake import FakeServer, Reply

B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})


class _Broken(ipwhitelist.EgressDetector):
    def detect(self, proxy=None):
        raise RuntimeError("detector bug")


def test_diagnosis_failure_degrades_to_minimal(server, sync_client, monkeypatch, caplog):
    """If building the full diagnosis fails, a minimal one is used and the failure is logged."""
    server.default = canned(401, B2015)
    client = ipwhitelist.wrap(sync_client("binance"), egress=False)

    def broken(*_a, **_k):
        raise RuntimeError("hint bug")

    monkeypatch.setattr(_mapping.hints, "process_hints", broken)

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        client.private_get_account()

    assert ("-2015", ()) == (info.value.diagnosis.code, info.value.diagnosis.hints)
    assert "building the diagnosis failed" in caplog.text


def test_egress_failure_is_logged_not_raised(server, sync_client, caplog):
    """A detector that raises leaves the rejection typed, without egress IPs."""
    server.default = canned(401, B2015)
    client = ipwhitelist.wrap(sync_client("binance"), egress=_Broken(["http://127.0.0.1:9/"]))

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        client.private_get_account()

    assert () == info.value.diagnosis.egress_ips
    assert "egress lookup failed" in caplog.text


def test_egress_lookup_uses_the_clients_proxy(server, sync_client):
    """The exchange sees the proxy's IP, so the egress lookup goes through the same proxy."""
    proxied = []

    def proxy(request):
        # Both the exchange call and the egress lookup arrive here in absolute form.
        proxied.append(request.path)
        if request.path == "/ip":
            return Reply(body="198.51.100.200")
        return canned(401, B2015)(request)

    with FakeServer(default=proxy) as proxy_server:
        client = sync_client("binance", httpProxy=proxy_server.url)
        detector = ipwhitelist.EgressDetector(["http://echo.invalid/ip"], allow_private=True)
        ipwhitelist.wrap(client, egress=detector)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

    d = info.value.diagnosis
    assert ("198.51.100.200",) == tuple(map(str, d.egress_ips))
    assert "/ip" in proxied
    assert "client_proxy" in {h.name for h in d.hints}


def test_egress_not_on_whitelist_confirms(server, sync_client):
    """Without a reported IP, an egress IP missing from the documented list confirms -2015."""
    with FakeServer(default=lambda r: Reply(body="198.51.100.9")) as echo:
        server.default = canned(401, B2015)
        detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
        client = ipwhitelist.wrap(
            sync_client("binance"), egress=detector, whitelist=["203.0.113.7"]
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

    d = info.value.diagnosis
    assert ("confirmed", False) == (d.confidence, d.whitelisted)
    assert "198.51.100.9" in str(info.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("httpsProxy", "https://p:1"),
        ("socksProxy", "socks5://p:1"),
        ("aiohttp_proxy", "http://p:2"),
    ],
)
def test_proxy_of(name, expected):
    """proxy_of() reads ccxt's proxy settings."""

    class Client:
        pass

    client = Client()
    setattr(client, name, expected)

    assert expected == _introspect.proxy_of(client)


def test_proxy_of_proxies_dict():
    """The legacy .proxies dict is honoured."""

    class Client:
        proxies = {"https": "http://legacy:3128"}  # noqa: RUF012

    assert "http://legacy:3128" == _introspect.proxy_of(Client())


class TestConfidence:
    """The confidence model for -2015 and explicit IP messages, through the public path."""

    @staticmethod
    def diagnose(exchange, body, *, egress=(), whitelist=None, authenticated=False):
        from ipwhitelist._client.mapping import Settings, _Pending, diagnose_match
        from ipwhitelist._core import classify as _classify
        from ipwhitelist._egress.report import EgressReport
        from ipwhitelist._whitelist.whitelist import to_whitelist

        response = _classify.response_from_http(exchange, (exchange,), http_status=401, body=body)
        match = _classify.match(response)
        assert match is not None
        pending = _Pending(
            match=match,
            settings=Settings(whitelist=to_whitelist(whitelist)),
            secrets=(),
            proxy=None,
            already_authenticated=authenticated,
            ccxt_error=None,
        )
        v4 = [ip for ip in egress if ":" not in ip]
        v6 = [ip for ip in egress if ":" in ip]
        report = EgressReport(ipv4=v4[0] if v4 else None, ipv6=v6[0] if v6 else None)
        return diagnose_match(pending, report)

    @pytest.mark.parametrize(
        ("kw", "expected"),
        [
            ({}, "possible"),
            ({"authenticated": True}, "likely"),
            ({"egress": ["203.0.113.9"]}, "possible"),
            ({"egress": ["203.0.113.9"], "whitelist": ["198.51.100.0/24"]}, "confirmed"),
            ({"egress": ["203.0.113.9"], "whitelist": ["203.0.113.9"]}, "possible"),
            ({"egress": ["203.0.113.9", "2001:db8::9"], "whitelist": ["203.0.113.9"]}, "likely"),
        ],
        ids=[
            "bare",
            "after-success",
            "egress-no-list",
            "egress-off-list",
            "egress-on-list",
            "dual-stack-partial",
        ],
    )
    def test_binance_2015(self, kw, expected):
        """-2015 becomes 'confirmed' only when evidence shows the IP is off the list."""
        d = self.diagnose("binance", B2015, **kw)

        assert expected == d.confidence

    def test_explicit_message_with_documented_ip_flags_drift(self):
        """OKX refusing an IP that the documented list allows means the lists drifted."""
        body = body_of(
            {
                "code": "50110",
                "msg": "Your IP 203.0.113.9 is not included in your API key's IP whitelist.",
            }
        )

        d = self.diagnose("okx", body, whitelist=["203.0.113.9"])

        assert ("confirmed", True) == (d.confidence, d.whitelisted)
        assert any("differs from the documented one" in e for e in d.evidence)

    def test_dual_stack_partial_hint(self):
        """A v4-only list with v6 egress says so."""
        d = self.diagnose(
            "binance", B2015, egress=["203.0.113.9", "2001:db8::9"], whitelist=["203.0.113.9"]
        )

        assert False is d.whitelisted
        assert "ipv6_egress" in {h.name for h in d.hints}

    def test_remediation_names_the_address_to_add(self):
        """Dual stack, v4 listed: the steps add the v6 address and do not claim what was seen."""
        d = self.diagnose(
            "binance", B2015, egress=["203.0.113.9", "2001:db8::9"], whitelist=["203.0.113.9"]
        )

        steps = "\n".join(d.remediation)
        assert "Add 2001:db8::9 to the key's whitelist" in steps
        assert "Add 203.0.113.9" not in steps
        assert "the exchange saw" not in steps


def test_cached_egress_is_used_without_a_second_pass(server, sync_client, monkeypatch):
    """With a fresh cached egress answer the diagnosis is built once, with the egress IP."""
    with FakeServer(default=lambda r: Reply(body="198.51.100.9")) as echo:
        detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
        detector.detect()
    server.default = canned(401, B2015)
    client = ipwhitelist.wrap(sync_client("binance"), egress=detector)
    builds = []
    real = _mapping.diagnose_deferred
    monkeypatch.setattr(_mapping, "diagnose_deferred", lambda *a: builds.append(1) or real(*a))

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        client.private_get_account()

    assert (1, ("198.51.100.9",)) == (len(builds), tuple(map(str, info.value.diagnosis.egress_ips)))
    assert 1 == detector.lookups


def test_egress_lookup_uses_the_clients_proxy_url():
    """With ccxt's proxyUrl (a URL-prefix proxy), lookups are prefixed the same way."""
    # ccxt 4.5.90 itself refuses proxyUrl on every request (check_conflicting_proxies
    # receives a bool), so this drives the route from the client's settings directly.
    import ccxt

    seen = []

    def prefix_proxy(request):
        seen.append(request.path)
        return Reply(body="198.51.100.201")

    with FakeServer(default=prefix_proxy) as proxy_server:
        client = ccxt.binance({"proxyUrl": f"{proxy_server.url}/relay/"})
        detector = ipwhitelist.EgressDetector(["http://echo.invalid/ip"], allow_private=True)

        report = detector.detect(
            _introspect.proxy_of(client), url_prefix=_introspect.url_prefix_of(client)
        )

    assert "198.51.100.201" == str(report.ipv4)
    assert ["/relay/http://echo.invalid/ip"] == seen
    assert detector.cached(None, f"{proxy_server.url}/relay/") is report
    assert detector.cached() is None


def test_reported_ip_differs_from_egress(server, sync_client):
    """When the exchange saw another address than our egress, the evidence says so."""
    from helpers import body_of

    with FakeServer(default=lambda r: Reply(body="198.51.100.9")) as echo:
        server.default = canned(
            401,
            body_of(
                {
                    "code": "50110",
                    "msg": "Your IP 203.0.113.50 is not included in your API key's IP whitelist.",
                }
            ),
        )
        detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
        client = ipwhitelist.wrap(sync_client("okx"), egress=detector)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account_balance()

    assert any(
        "saw 203.0.113.50 but this host's egress is 198.51.100.9" in e
        for e in info.value.diagnosis.evidence
    )


UNMATCHED_IP = body_of(
    {"retCode": 10010, "retMsg": "Unmatched IP, please check your API key's bound IP addresses."}
)


@pytest.mark.parametrize("sdk", [False, True], ids=["ccxt", "sdk"])
def test_rejection_holds_only_its_declared_attributes(sync_client, sdk):
    """The egress lookup's bookkeeping stays off the exception: only diagnosis and original."""
    with FakeServer(default=lambda r: Reply(body="198.51.100.9")) as echo:
        detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
        if sdk:
            from pybit.unified_trading import HTTP

            client = HTTP(api_key="k" * 18, api_secret="s" * 36, retry_delay=0)
            client.client.mount("https://", CannedAdapter(200, UNMATCHED_IP))
            call = client.get_wallet_balance
        else:
            client = mount(sync_client("binance"), CannedAdapter(401, B2015))
            call = client.private_get_account
        ipwhitelist.wrap(client, egress=detector)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            call()

    own = {k for k in vars(info.value) if k.startswith("_") or k in {"diagnosis", "original"}}
    assert {"diagnosis", "original"} == own
    assert ("198.51.100.9",) == tuple(map(str, info.value.diagnosis.egress_ips))
