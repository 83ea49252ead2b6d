"""The registry: documented whitelists per exchange and key, in TOML."""

from __future__ import annotations

import ipaddress
import os
import textwrap
import tomllib
from pathlib import Path

import ccxt
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ipwhitelist
from helpers import API_KEY, CREDENTIALS, canned
from ipwhitelist import Registry, RegistryError, fingerprint
from ipwhitelist._exchanges import all_limits
from ipwhitelist.registry import limits_for

GOOD = """\
# Production keys. Comments must survive `migrate`.
[binance.main]
environment = "prod"
fingerprint = "{fp}"
ips = ["203.0.113.7", "198.51.100.0/28"]  # VPS and office
notes = "Hetzner fsn1"

[binance.spare]
ips = ["203.0.113.99"]

[okx.bot]
environment = "staging"
ips = ["2001:db8:1::7", "203.0.113.8"]
"""


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "whitelists.toml"
    path.write_text(GOOD.format(fp=fingerprint(API_KEY)), "utf-8")
    return path


def _load_text(tmp_path, text):
    path = tmp_path / "r.toml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return Registry.load(path)


class TestLoad:
    def test_entries(self, good):
        """Keys per exchange, normalised entries, environment, notes, fingerprint."""
        reg = Registry.load(good)

        assert 3 == len(reg)
        main = reg.get("binance", "main")
        assert ("203.0.113.7", "198.51.100.0/28") == main.entries
        assert "prod" == main.environment
        assert "Hetzner fsn1" == main.notes
        assert main.fingerprint == fingerprint(API_KEY)
        assert "<Registry from" in repr(reg)

    def test_allows(self, good):
        """allows() with and without a key; families share their account system's keys."""
        reg = Registry.load(good)

        assert reg.allows("binance", "198.51.100.9")
        assert reg.allows("binanceusdm", "203.0.113.99")
        assert reg.allows("binance", "203.0.113.99", key="spare")
        assert not reg.allows("binance", "203.0.113.99", key="main")
        assert reg.allows("binance", "203.0.113.7", key=API_KEY)
        assert reg.allows("okx", "2001:db8:1::7")
        assert reg.allows("okx", ipaddress.ip_address("::ffff:203.0.113.8"))
        assert not reg.allows("bybit", "203.0.113.7")
        with pytest.raises(KeyError, match="not documented"):
            reg.allows("binance", "203.0.113.7", key="nope")

    def test_find_by_fingerprint_or_api_key(self, good):
        """The client's key finds its entry; the key itself is never stored."""
        reg = Registry.load(good)

        assert "main" == reg.find("binance", fingerprint(API_KEY)).label
        assert "main" == reg.find("binance", API_KEY).label
        assert reg.find("binance") is None  # two keys: ambiguous
        assert "bot" == reg.find("okx").label
        assert API_KEY not in repr(reg.to_dict())

    def test_paste_is_comma_separated_without_spaces(self, good):
        """The list comes out in the exchange's input format."""
        reg = Registry.load(good)

        assert "203.0.113.7,198.51.100.0/28" == reg.get("binance", "main").paste()

    def test_get_lists_known_keys(self, good):
        """A missing key names the documented ones."""
        with pytest.raises(KeyError, match=r"binance\.main, binance\.spare"):
            Registry.load(good).get("binance", "nope")

    def test_empty_registry(self, tmp_path):
        """An empty file is a valid, empty registry."""
        assert 0 == len(_load_text(tmp_path, ""))


BAD = [
    ("[binance.main\nips = []", "invalid TOML"),
    ('[binanse.main]\nips = ["203.0.113.7"]', "unknown exchange 'binanse'.*did you mean 'binance'"),
    ('binance = "x"', r"\[binance\] must contain one table per key"),
    ("[binance.main]\nenvironment = 'prod'", "missing 'ips'"),
    ('[binance.main]\nips = "203.0.113.7"', "ips must be a list of strings"),
    ('[binance.main]\nip = ["203.0.113.7"]', "unknown field 'ip'.*did you mean 'ips'"),
    ('[binance.main]\nips = ["203.0.113.300"]', "'203.0.113.300' is not an IP address"),
    ('[binance.main]\nips = ["198.51.100.7/24"]', "host bits set; did you mean '198.51.100.0/24'"),
    ('[binance.main]\nips = ["203.0.113.7", "203.0.113.7"]', "listed twice"),
    ('[binance.main]\nips = ["203.0.113.0/28", "203.0.113.7"]', "overlaps '203.0.113.0/28'"),
    ('[binance.main]\nips = ["203.0.113.7, 203.0.113.8"]', "holds several entries"),
    ('[binance.main]\nips = [" 203.0.113.7"]', "surrounding spaces"),
    ('[binance.main]\nips = ["10.0.0.5"]', "not a public address"),
    ('[binance.main]\nips = ["0.0.0.0/0"]', "far too broad"),
    ('[binance.main]\nips = ["203.0.113.7"]\nenvironment = "live"', "environment 'live'"),
    ('[binance.main]\nips = ["203.0.113.7"]\nnotes = 3', "notes must be a string"),
    ("version = 2", "unsupported registry version 2"),
    ("allow_private = 'yes'", "allow_private must be true or false"),
    (
        (
            '[binance.main]\nips = ["203.0.113.7"]\n[binance.main.migration]\n'
            'to = "203.0.113.8"\nfrom = ["203.0.113.7"]\nstep = "later"'
        ),
        "migration step 'later'",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m for _, m in BAD])
def test_invalid_files_name_file_table_and_value(tmp_path, text, message):
    """Each mistake is refused with the file, the table and the offending value."""
    with pytest.raises(RegistryError, match=message) as info:
        _load_text(tmp_path, text)

    assert str(info.value).startswith(str(tmp_path / "r.toml"))
    if "TOML" not in message and "version" not in message and "allow_private" not in message:
        assert "[binance" in str(info.value) or "[binanse" in str(info.value)


def test_error_has_line_number(tmp_path):
    """The line of the bad value is given (tomllib keeps none, so it is searched)."""
    with pytest.raises(RegistryError) as info:
        _load_text(
            tmp_path,
            '# c\n[okx.a]\nips = ["203.0.113.7"]\n\n[binance.main]\nips = [\n  "1.2.3",\n]\n',
        )

    assert 7 == info.value.line
    assert f"{tmp_path / 'r.toml'}:7: [binance.main]" in str(info.value)


def test_pasted_api_key_is_refused_without_echo(tmp_path):
    """A key pasted as the fingerprint is refused, and the error does not repeat it."""
    with pytest.raises(RegistryError, match="never store the API key") as info:
        _load_text(tmp_path, f'[binance.main]\nips = ["203.0.113.7"]\nfingerprint = "{API_KEY}"')

    assert API_KEY not in str(info.value)


def test_exchange_limit_with_source(tmp_path):
    """Binance accepts 30 addresses per key: the 31st is an error citing the source."""
    ips = ", ".join(f'"203.0.113.{i}"' for i in range(1, 32))
    with pytest.raises(
        RegistryError,
        match=r"31 entries, but binance accepts at most 30.*source: https://developers\.binance\.com",
    ):
        _load_text(tmp_path, f"[binance.main]\nips = [{ips}]")
    ips30 = ", ".join(f'"203.0.113.{i}"' for i in range(1, 31))
    assert 30 == len(_load_text(tmp_path, f"[binance.main]\nips = [{ips30}]").keys[0].entries)


def test_limits_are_sourced_and_follow_families():
    """Every limit has a source; ccxt subclasses share their family's limits."""
    assert 30 == limits_for("binanceusdm").max_entries
    assert 20 == limits_for("myokx").max_entries
    assert limits_for("huobi") is limits_for("htx")
    assert limits_for("krakenfutures") is None
    assert limits_for("kraken").ip_whitelist
    for limits in all_limits().values():
        assert limits.sources, limits.exchange
        assert all(source.startswith("https://") for source in limits.sources), limits.exchange


def test_allow_private_for_lab_setups(tmp_path):
    """allow_private = true accepts loopback/private entries (labs, tests)."""
    reg = _load_text(tmp_path, 'allow_private = true\n[binance.lab]\nips = ["127.0.0.1"]')

    assert reg.allows("binance", "127.0.0.1")


def test_not_utf8(tmp_path):
    """A binary file is a RegistryError, not a UnicodeDecodeError."""
    path = tmp_path / "r.toml"
    path.write_bytes(b"\xff\xfe[binance]")
    with pytest.raises(RegistryError, match="not UTF-8"):
        Registry.load(path)


class TestSave:
    def test_update_keeps_comments_and_backup(self, good):
        """save_key rewrites one key, keeps the user's comments, and leaves a .bak."""
        before = good.read_text("utf-8")
        reg = Registry.load(good).save_key("binance", "main", ips=["203.0.113.7", "203.0.113.50"])

        text = good.read_text("utf-8")
        assert "# Production keys. Comments must survive `migrate`." in text
        assert "# VPS and office" in text or "VPS and office" not in before
        assert ("203.0.113.7", "203.0.113.50") == reg.get("binance", "main").entries
        assert before == good.with_name(good.name + ".bak").read_text("utf-8")
        assert tomllib.loads(text)["okx"]["bot"]["ips"] == ["2001:db8:1::7", "203.0.113.8"]

    def test_invalid_update_writes_nothing(self, good):
        """An update that would make the file invalid is refused before writing."""
        before = good.read_text("utf-8")
        with pytest.raises(RegistryError, match="listed twice"):
            Registry.load(good).save_key("binance", "main", ips=["203.0.113.7", "203.0.113.7"])

        assert before == good.read_text("utf-8")
        assert not good.with_name(good.name + ".bak").exists()

    def test_failure_during_rename_leaves_the_old_file(self, good, monkeypatch):
        """A crash at the rename leaves the original intact and no temporary file."""
        before = good.read_text("utf-8")
        real_replace = Path.replace

        def failing(self, target):
            if Path(target) == good:
                raise OSError("disk full")
            return real_replace(self, target)

        monkeypatch.setattr(Path, "replace", failing)
        with pytest.raises(OSError, match="disk full"):
            Registry.load(good).save_key("binance", "main", ips=["203.0.113.50"])

        assert before == good.read_text("utf-8")
        left = sorted(p.name for p in good.parent.iterdir() if p.suffix != ".lock")
        assert [good.name, good.name + ".bak"] == left

    def test_failure_during_write_leaves_the_old_file(self, good, monkeypatch):
        """A crash while writing the temporary file leaves the original intact."""
        before = good.read_text("utf-8")

        def failing(fd):
            raise OSError("I/O error")

        monkeypatch.setattr(os, "fsync", failing)
        with pytest.raises(OSError, match="I/O error"):
            Registry.load(good).save_key("binance", "main", ips=["203.0.113.50"])

        assert before == good.read_text("utf-8")
        assert not [p for p in good.parent.iterdir() if p.suffix == ".tmp"]

    def test_unknown_key_and_in_memory_registry(self, good):
        """Saving needs a file and an existing key."""
        with pytest.raises(KeyError):
            Registry.load(good).save_key("bybit", "main", ips=[])
        with pytest.raises(ValueError, match="not loaded from a file"):
            Registry().save_key("binance", "main", ips=[])


class TestFingerprint:
    def test_short_and_stable(self):
        """sha256: and 8 hex digits; the same key gives the same fingerprint."""
        fp = fingerprint(API_KEY)

        assert fp == fingerprint(API_KEY)
        assert fp.startswith("sha256:")
        assert 15 == len(fp)
        assert API_KEY[:8] not in fp

    def test_empty(self):
        """An empty key is refused."""
        with pytest.raises(ValueError, match="non-empty"):
            fingerprint("  ")

    @given(st.text(min_size=1).filter(str.strip))
    def test_never_contains_the_key(self, key):
        """No fingerprint contains the key it names (for keys longer than its hex part)."""
        fp = fingerprint(key)
        assert ipwhitelist.registry.Registry().find("binance", key) is None
        if len(key.strip()) > 8:
            assert key.strip() not in fp


def test_wrap_with_registry_uses_the_clients_own_key(good):
    """wrap(whitelist=registry) judges the egress against the client's key only."""
    reg = Registry.load(good)
    client = ccxt.binance(dict(CREDENTIALS))
    ipwhitelist.wrap(client, egress=False, whitelist=reg)
    # The bound entry is the one whose fingerprint matches the client's key.
    from ipwhitelist._client.wrap import _settings

    bound = _settings(client).whitelist
    assert bound is not None
    assert bound.allows("binance", ipaddress.ip_address("203.0.113.7"))
    assert not bound.allows("binance", ipaddress.ip_address("203.0.113.99"))


def test_wrap_accepts_a_toml_path(good):
    """A .toml path given to wrap() is loaded as a registry."""
    client = ipwhitelist.wrap(ccxt.okx(dict(CREDENTIALS)), egress=False, whitelist=str(good))
    from ipwhitelist._client.wrap import _settings

    assert _settings(client).whitelist.allows("okx", ipaddress.ip_address("203.0.113.8"))


OTHER_KEY_REGISTRY = """\
[binance.other]
fingerprint = "{fp}"
ips = ["203.0.113.0/28"]
"""

B2015_NAMING_IP = (
    '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action, '
    'request ip: 198.51.100.23"}'
)


@pytest.fixture
def other_key(tmp_path):
    """A registry whose only Binance entry documents another key than API_KEY."""
    path = tmp_path / "whitelists.toml"
    path.write_text(OTHER_KEY_REGISTRY.format(fp=fingerprint("another-key-" * 4)), "utf-8")
    return path


class TestWhichEntry:
    """One rule picks a key's entry: a set fingerprint that differs never matches."""

    def test_entry_with_another_fingerprint_never_matches(self, other_key):
        """The exchange's only entry documents another key: the client's key is undocumented."""
        reg = Registry.load(other_key)

        assert reg.for_client(ccxt.binance(dict(CREDENTIALS))) is None
        assert reg.for_client(ccxt.binanceusdm(dict(CREDENTIALS))) is None
        assert reg.entry_for("binance", api_key=API_KEY) is None

    def test_only_entry_without_fingerprint_still_matches(self, tmp_path):
        """An entry with no fingerprint, alone for its exchange, documents the key in use."""
        reg = _load_text(tmp_path, '[binance.main]\nips = ["203.0.113.7"]')

        assert "main" == reg.for_client(ccxt.binance(dict(CREDENTIALS))).label
        assert "main" == reg.entry_for("binanceusdm").label

    def test_matching_fingerprint_wins_over_the_only_rule(self, good):
        """Of several entries, the one whose fingerprint matches the client's key."""
        reg = Registry.load(good)

        assert "main" == reg.for_client(ccxt.binance(dict(CREDENTIALS))).label
        assert reg.for_client(ccxt.binance({"apiKey": "k" * 40, "secret": "s"})) is None

    def test_not_a_client(self, good):
        """Something without a ccxt id has no entry."""
        assert Registry.load(good).for_client(object()) is None

    def test_label_for_another_key_is_refused(self, other_key):
        """Naming an entry that documents another key is an error, not a silent mismatch."""
        reg = Registry.load(other_key)

        with pytest.raises(KeyError, match=r"binance\.other documents another API key"):
            reg.for_client(ccxt.binance(dict(CREDENTIALS)), label="other")
        assert "other" == reg.entry_for("binance", label="other").label

    def test_wrap_with_another_keys_entry_says_unknown(self, other_key, server, sync_client):
        """wrap(whitelist=file) never judges the egress against another key's list."""
        server.default = canned(401, B2015_NAMING_IP)
        client = ipwhitelist.wrap(
            sync_client("binanceusdm"), egress=False, whitelist=str(other_key)
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert d.whitelisted is None
        assert "confirmed" != d.confidence
        assert "NOT on the documented whitelist" not in str(info.value)

    def test_diagnosing_with_a_registry_uses_the_clients_key(self, other_key, server, sync_client):
        """The decorator forms pick the client's entry by the same rule as wrap()."""
        server.default = canned(401, B2015_NAMING_IP)
        client = sync_client("binanceusdm")

        with (
            pytest.raises(ipwhitelist.IPNotWhitelisted) as info,
            ipwhitelist.diagnosing(exchange=client, egress=False, whitelist=str(other_key)),
        ):
            client.fapiPrivateV2GetAccount()

        assert info.value.diagnosis.whitelisted is None

    def test_diagnose_by_id_with_an_undocumented_exchange(self, other_key, server, sync_client):
        """A registry that documents nothing for the exchange is not 'NOT on the list'."""
        server.default = canned(401, B2015_NAMING_IP)
        okx_only = other_key.with_name("okx.toml")
        okx_only.write_text('[okx.bot]\nips = ["203.0.113.0/28"]\n', "utf-8")

        @ipwhitelist.diagnose(exchange="binanceusdm", egress=False, whitelist=str(okx_only))
        def call():
            sync_client("binanceusdm").fapiPrivateV2GetAccount()

        @ipwhitelist.diagnose(exchange="binanceusdm", egress=False, whitelist=str(other_key))
        def call_documented():
            sync_client("binanceusdm").fapiPrivateV2GetAccount()

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            call()
        assert info.value.diagnosis.whitelisted is None
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            call_documented()
        # Without the client, its key is unknown: the exchange's only entry counts.
        assert info.value.diagnosis.whitelisted is False


class TestAddresses:
    """Registry entries go through the one address parser: mapped unmapped, zones refused."""

    def test_ipv4_mapped_entry_is_the_ipv4_address(self, tmp_path):
        """::ffff:203.0.113.7 is stored and matched as 203.0.113.7."""
        reg = _load_text(
            tmp_path, '[binance.main]\nips = ["::ffff:203.0.113.7", "::ffff:198.51.100.0/120"]'
        )

        assert ("203.0.113.7", "198.51.100.0/24") == reg.get("binance", "main").entries
        assert reg.allows("binance", "203.0.113.7")
        assert reg.allows("binance", ipaddress.ip_address("198.51.100.9"))

    @pytest.mark.parametrize(
        ("ips", "message"),
        [
            ('"203.0.113.7", "::ffff:203.0.113.7"', "listed twice"),
            ('"203.0.113.0/28", "::ffff:203.0.113.7"', "overlaps '203.0.113.0/28'"),
            ('"::ffff:10.0.0.5"', "not a public address"),
            ('"::ffff:127.0.0.1"', "not a public address"),
            ('"::ffff:0.0.0.0/96"', "far too broad"),
            ('"fe80::1%eth0"', "zone id"),
            ('"2001:db8::1%1"', "zone id"),
            ('"2001:db8::/64%eth0"', "zone id"),
        ],
    )
    def test_mapped_and_zoned_entries_are_checked(self, tmp_path, ips, message):
        """Mapped entries meet the duplicate, overlap, public and breadth checks; zones are refused."""
        with pytest.raises(RegistryError, match=message) as info:
            _load_text(tmp_path, f"[binance.main]\nips = [{ips}]")

        assert "[binance.main]" in str(info.value)

    def test_migration_addresses_too(self, tmp_path):
        """The migration's addresses go through the same parser."""
        with pytest.raises(RegistryError, match="zone id"):
            _load_text(
                tmp_path,
                '[bybit.main]\nips = ["203.0.113.7"]\n[bybit.main.migration]\n'
                'to = "2001:db8::8%eth0"\nfrom = ["203.0.113.7"]\nstep = "add"',
            )
        reg = _load_text(
            tmp_path,
            '[bybit.main]\nips = ["203.0.113.7"]\n[bybit.main.migration]\n'
            'to = "::ffff:203.0.113.8"\nfrom = ["203.0.113.7"]\nstep = "add"',
        )
        assert "203.0.113.8" == reg.get("bybit", "main").migration.to
