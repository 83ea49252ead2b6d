"""The documented whitelist given to wrap()."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given

import ipwhitelist
from helpers import canned
from ipwhitelist import Whitelist
from ipwhitelist._whitelist.whitelist import to_whitelist
from strategies import ips


class TestWhitelist:
    def test_addresses_and_networks(self):
        """Single addresses and CIDR networks, IPv4 and IPv6."""
        wl = Whitelist(["203.0.113.7", "198.51.100.0/28", "2001:db8::/64"])

        assert "203.0.113.7" in wl
        assert "198.51.100.15" in wl
        assert "198.51.100.16" not in wl
        assert "2001:db8::abcd" in wl
        assert "2001:db9::1" not in wl

    def test_ipv4_mapped(self):
        """An IPv4-mapped IPv6 address matches its IPv4 entry."""
        wl = Whitelist(["203.0.113.7"])

        assert wl.allows("binance", ipaddress.ip_address("::ffff:203.0.113.7"))

    def test_host_bits_error_suggests_the_network(self):
        """A CIDR with host bits set is refused with the likely intended network."""
        with pytest.raises(ValueError, match=r"did you mean 203\.0\.113\.0/24"):
            Whitelist(["203.0.113.7/24"])

    @pytest.mark.parametrize("entry", ["not-an-ip", "203.0.113.7, 198.51.100.1", "300.0.0.1"])
    def test_invalid_entries(self, entry):
        """Garbage, comma-joined lists and out-of-range quads are refused by name."""
        with pytest.raises(ValueError, match="not an IP address"):
            Whitelist([entry])

    def test_wrong_type(self):
        """Non-string entries are a TypeError."""
        with pytest.raises(TypeError):
            Whitelist([42])  # type: ignore[list-item]

    @given(ips)
    def test_every_address_is_in_its_own_list(self, ip):
        """Any address is allowed by a whitelist holding it."""
        assert Whitelist([str(ip)]).allows("x", ip)

    def test_duplicates_dropped(self):
        """Duplicate entries collapse."""
        assert 1 == len(Whitelist(["203.0.113.7", "203.0.113.7/32"]).networks)

    def test_repr(self):
        """repr shows the networks."""
        assert "203.0.113.7/32" in repr(Whitelist(["203.0.113.7"]))

    def test_non_ip_not_contained(self):
        """Objects that are not addresses are never contained."""
        assert 3 not in Whitelist(["203.0.113.7"])


class TestLoad:
    def test_file_with_comments(self, tmp_path):
        """One entry per line; # comments and blank lines are ignored."""
        path = tmp_path / "wl.txt"
        path.write_text("# prod egress\n203.0.113.7\n\n2001:db8::/64  # v6\n")

        wl = Whitelist.load(path)

        assert 2 == len(wl.networks)

    def test_error_names_file_and_line(self, tmp_path):
        """An invalid line is reported as path:line."""
        path = tmp_path / "wl.txt"
        path.write_text("203.0.113.7\n203.0.113.999\n")

        with pytest.raises(ValueError, match=r"wl\.txt:2: '203\.0\.113\.999'"):
            Whitelist.load(path)


class TestToWhitelist:
    def test_forms(self, tmp_path):
        """wrap(whitelist=) accepts None, a Whitelist, an allows() object, a path, one IP, an iterable."""
        path = tmp_path / "wl.txt"
        path.write_text("203.0.113.7\n")
        wl = Whitelist(["203.0.113.7"])

        class Registry:
            def allows(self, exchange, ip):
                return True

        registry = Registry()

        assert to_whitelist(None) is None
        assert to_whitelist(wl) is wl
        assert to_whitelist(registry) is registry
        for value in (path, str(path), "203.0.113.7", ["203.0.113.7"]):
            converted = to_whitelist(value)
            assert isinstance(converted, Whitelist)
            assert "203.0.113.7" in converted


B2015_NAMING_IP = (
    '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action, '
    'request ip: 198.51.100.23"}'
)


class TestForms:
    """Empty lists, env-var style strings, missing files, mapped and zoned addresses."""

    @pytest.mark.parametrize("empty", [[], (), "", " , ", Whitelist([])])
    def test_empty_documents_nothing(self, empty, server, sync_client):
        """An empty whitelist documents nothing: whitelisted None, never 'NOT on the list'."""
        server.default = canned(401, B2015_NAMING_IP)
        client = ipwhitelist.wrap(sync_client("binanceusdm"), egress=False, whitelist=empty)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert (None, "likely") == (d.whitelisted, d.confidence)
        assert "NOT on the documented whitelist" not in str(info.value)

    @pytest.mark.parametrize(
        "text",
        [
            "203.0.113.7,198.51.100.0/28,2001:db8::1",
            "203.0.113.7 198.51.100.0/28 2001:db8::1",
            " 203.0.113.7, 198.51.100.0/28\n2001:db8::1 ",
        ],
    )
    def test_address_list_strings(self, text):
        """Comma- or space-separated strings (the env-var style) are lists of addresses."""
        wl = to_whitelist(text)

        assert isinstance(wl, Whitelist)
        assert 3 == len(wl.networks)
        assert "198.51.100.9" in wl

    def test_bad_address_in_a_list_string_is_named(self):
        """One bad entry in an address-list string is refused by name, not taken for a path."""
        with pytest.raises(ValueError, match=r"'203\.0\.113\.999' is not an IP address"):
            to_whitelist("203.0.113.7,203.0.113.999")

    @pytest.mark.parametrize("kind", [str, Path])
    @pytest.mark.parametrize("name", ["whitelist.txt", "whitelists.toml", "conf/wl"])
    def test_missing_file_is_named(self, tmp_path, kind, name):
        """A path that does not exist: FileNotFoundError naming it and the accepted forms."""
        missing = tmp_path / name

        with pytest.raises(FileNotFoundError, match="does not exist") as info:
            to_whitelist(kind(missing))

        assert str(missing) in str(info.value)
        assert "commas or spaces" in str(info.value)

    def test_zone_ids_are_refused(self):
        """An IPv6 zone id names an interface of one host: refused with a clear error."""
        for value in ("fe80::1%eth0", ["2001:db8::1%1"]):
            with pytest.raises(ValueError, match="zone id"):
                to_whitelist(value)

    def test_ipv4_mapped_entries_are_unmapped(self):
        """::ffff:a.b.c.d is the IPv4 address: it matches IPv4 egress and deduplicates."""
        wl = Whitelist(["::ffff:203.0.113.7", "203.0.113.7", "::ffff:198.51.100.0/120"])

        assert (
            ipaddress.ip_network("203.0.113.7/32"),
            ipaddress.ip_network("198.51.100.0/24"),
        ) == wl.networks
        assert "203.0.113.7" in wl

    def test_address_objects_are_unmapped_and_zones_refused(self):
        """ipaddress objects enter through the same parser as text."""
        wl = Whitelist([ipaddress.ip_address("::ffff:203.0.113.7")])

        assert (ipaddress.ip_network("203.0.113.7/32"),) == wl.networks
        with pytest.raises(ValueError, match="scope id"):
            Whitelist([ipaddress.IPv6Address("fe80::1%eth0")])
