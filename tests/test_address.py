"""The one way an address enters the library: whole tokens, no scope ids, IPv4-mapped unmapped."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipwhitelist._core.address import parse_ip, parse_network, unmap


class TestParseIp:
    @given(st.ip_addresses(v=4))
    def test_mapped_ipv4_is_the_ipv4_address(self, ip):
        """::ffff:a.b.c.d is the IPv4 address a.b.c.d, whatever the address."""
        assert ip == parse_ip(f"::ffff:{ip}")

    @given(st.ip_addresses())
    def test_round_trip(self, ip):
        """Any address's own text parses back to itself (IPv4-mapped ones unmapped)."""
        assert unmap(ip) == parse_ip(str(ip))

    @pytest.mark.parametrize(
        "text", ["999.1.1.1", "1203.0.113.9", "1.2.3", "fe80::1%eth0", "1.2.3.4 x", ""]
    )
    def test_refuses_what_is_not_one_whole_address(self, text):
        """A token that is not exactly one address (or carries a scope id) is refused."""
        with pytest.raises(ValueError):
            parse_ip(text)

    def test_refuses_non_text(self):
        """A number is not an address, even one ipaddress would accept."""
        with pytest.raises(TypeError):
            parse_ip(3232235777)  # type: ignore[arg-type]


class TestParseNetwork:
    def test_mapped_network_is_the_ipv4_network(self):
        """An IPv4-mapped IPv6 network is the IPv4 network it maps."""
        assert ipaddress.ip_network("203.0.113.0/24") == parse_network("::ffff:203.0.113.0/120")

    def test_keeps_plain_ipv6(self):
        """An ordinary IPv6 network is left alone."""
        assert ipaddress.ip_network("2001:db8::/48") == parse_network("2001:db8::/48")

    @pytest.mark.parametrize("text", ["fe80::/64%eth0", "10.0.0.1/24", "10.0.0.0/33"])
    def test_refuses(self, text):
        """Zone ids, host bits (strict) and impossible prefixes are refused."""
        with pytest.raises(ValueError):
            parse_network(text)

    def test_lenient_host_bits(self):
        """strict=False masks host bits, as ipaddress does."""
        assert ipaddress.ip_network("10.0.0.0/24") == parse_network("10.0.0.1/24", strict=False)

    def test_refuses_non_text(self):
        """A number is not a network."""
        with pytest.raises(TypeError):
            parse_network(1)  # type: ignore[arg-type]
