"""The mapping choke point: degradation, egress completion, proxy routing."""

from __future__ import annotations

import pytest

import ipwhitelist
from helpers import body_of, canned
from ipwhitelist import _mapping
from ipwhitelist._fake import FakeServer, Reply

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

    monkeypatch.setattr(_mapping._hints, "environment_hints", broken)

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

    assert expected == _mapping.proxy_of(client)


def test_proxy_of_proxies_dict():
    """The legacy .proxies dict is honoured."""

    class Client:
        proxies = {"https": "http://legacy:3128"}  # noqa: RUF012

    assert "http://legacy:3128" == _mapping.proxy_of(Client())
