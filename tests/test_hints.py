"""Environment and address hints."""

from __future__ import annotations

import ipaddress

import pytest

from ipwhitelist._egress.hints import address_hints, client_hints, environment_hints


def names(hints):
    return [h.name for h in hints]


class TestEnvironment:
    @pytest.mark.parametrize(
        ("variable", "platform"),
        [
            ("AWS_LAMBDA_FUNCTION_NAME", "AWS Lambda"),
            ("K_SERVICE", "Cloud Run"),
            ("FUNCTION_TARGET", "Cloud Functions"),
            ("FUNCTIONS_WORKER_RUNTIME", "Azure Functions"),
            ("VERCEL", "Vercel"),
            ("DYNO", "Heroku"),
        ],
    )
    def test_serverless(self, variable, platform):
        """Each serverless platform is recognised with its fix."""
        (hint,) = environment_hints({variable: "1"}, exists=lambda _p: False, interfaces=list)

        assert "serverless" == hint.name
        assert platform in hint.summary
        assert hint.fix

    def test_kubernetes_wins_over_container(self):
        """A Kubernetes pod is reported as such, not as a plain container."""
        hints = environment_hints(
            {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, exists=lambda _p: True, interfaces=list
        )

        assert ["kubernetes"] == names(hints)

    def test_container(self):
        """/.dockerenv means a container."""
        assert ["container"] == names(
            environment_hints({}, exists=lambda p: p == "/.dockerenv", interfaces=list)
        )

    def test_proxy_variables(self):
        """Proxy variables are listed by name, never by value."""
        (hint,) = environment_hints(
            {"https_proxy": "http://user:pw@proxy:3128"}, exists=lambda _p: False
        )

        assert "HTTPS_PROXY" in hint.summary
        assert "pw" not in hint.summary + hint.fix

    def test_vpn_interfaces(self):
        """WireGuard/tun/Tailscale interfaces are named; ordinary ones are not."""
        (hint,) = environment_hints(
            {}, exists=lambda _p: False, interfaces=lambda: ["lo", "eth0", "wg0", "tailscale0"]
        )

        assert "vpn" == hint.name
        assert "tailscale0, wg0" in hint.summary

    def test_nothing(self):
        """A plain host gives no hints."""
        assert () == environment_hints({}, exists=lambda _p: False, interfaces=list)


class TestAddresses:
    def test_ipv6_egress_with_ipv4_only_whitelist(self):
        """IPv6 seen while the documented list is IPv4-only."""
        hints = address_hints(
            ipaddress.ip_address("2001:db8::1"), (), [ipaddress.ip_network("203.0.113.7/32")]
        )

        assert ["ipv6_egress"] == names(hints)

    def test_dual_stack_unpinned(self):
        """v4 and v6 egress on an unpinned client, no documented list: say so."""
        v4, v6 = ipaddress.ip_address("203.0.113.7"), ipaddress.ip_address("2001:db8::7")

        assert ["dual_stack"] == names(address_hints(None, (v4, v6)))
        assert [] == names(address_hints(None, (v4, v6), pinned=4))
        assert [] == names(address_hints(None, (v4,)))

    def test_private_reported_ip(self):
        """An RFC 1918 or CGNAT address reported by the exchange means a forwarding hop."""
        for ip in ("10.1.2.3", "100.64.0.9", "192.168.1.2"):
            assert ["private_address"] == names(address_hints(ipaddress.ip_address(ip), ()))

    def test_ipv4_mapped_addresses_are_ipv4(self):
        """::ffff:a.b.c.d is IPv4: no IPv6 hint, and a mapped private address is private."""
        ipv4_list = [ipaddress.ip_network("203.0.113.0/24")]
        mapped = ipaddress.ip_address("::ffff:203.0.113.7")

        assert [] == names(address_hints(mapped, (), ipv4_list))
        assert [] == names(address_hints(None, (mapped,), ipv4_list))
        assert ["private_address"] == names(
            address_hints(ipaddress.ip_address("::ffff:10.1.2.3"), ())
        )

    def test_client_proxy(self):
        """A proxy on the ccxt client is a hint; no proxy, no hint."""
        assert ["client_proxy"] == names(client_hints("http://127.0.0.1:3128"))
        assert () == client_hints(None)
