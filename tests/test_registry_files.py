"""Registry files under stress: hostile content, huge lists, round trips, concurrent writers."""

from __future__ import annotations

import ipaddress
import itertools
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipwhitelist import Registry, RegistryError
from ipwhitelist._cli.main import main
from strategies import registry_entries, registry_texts, small_networks

DEEP = 50_000


def _load(tmp_path, text):
    path = tmp_path / "r.toml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return Registry.load(path)


def _refusal(load):
    """The reason a load was refused, or None when it succeeded; anything else escapes."""
    try:
        load()
    except RegistryError as exc:
        return exc.reason
    return None


def _brute_force_clash(texts):
    """The first entry (file order) that repeats or overlaps an earlier one, pairwise."""
    networks = [ipaddress.ip_network(t) for t in texts]
    for j, network in enumerate(networks):
        for i in range(j):
            other = networks[i]
            if network == other:
                return f"{texts[j]!r} is listed twice"
            if network.version == other.version and (
                network.subnet_of(other) or other.subnet_of(network)
            ):
                return f"{texts[j]!r} overlaps {texts[i]!r}"
    return None


class TestLimits:
    def test_entry_limit_is_checked_before_each_entry(self, tmp_path):
        """Too many entries is the error, before any entry is parsed or compared."""
        ips = ", ".join(f'"203.0.{i // 256}.{i % 256}/32"' for i in range(4000))
        bad = '"not-an-ip", "203.0.113.7", "203.0.113.7"'

        with pytest.raises(RegistryError, match=r"4003 entries, but binance accepts at most 30"):
            _load(tmp_path, f"[binance.main]\nips = [{bad}, {ips}]")

    def test_thousands_of_entries_without_a_limit(self, tmp_path):
        """An exchange with no documented limit loads a long list (the overlap check is a sweep)."""
        ips = [f"198.{i // 256 % 256}.{i % 256}.0/24" for i in range(20_000)]
        listed = ", ".join(f'"{ip}"' for ip in ips)

        assert 20_000 == len(_load(tmp_path, f"[kraken.main]\nips = [{listed}]").keys[0].entries)
        with pytest.raises(RegistryError, match=r"'198\.0\.7\.9' overlaps '198\.0\.7\.0/24'"):
            _load(tmp_path, f'[kraken.main]\nips = [{listed}, "198.0.7.9"]')

    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(small_networks, min_size=2, max_size=12))
    def test_overlap_sweep_agrees_with_pairwise(self, tmp_path, networks):
        """The sorted sweep reports exactly what a pairwise comparison finds first."""
        texts = [str(n.network_address) if n.num_addresses == 1 else str(n) for n in networks]
        listed = ", ".join(f'"{t}"' for t in texts)
        expected = _brute_force_clash(texts)

        refused = _refusal(lambda: _load(tmp_path, f"[kraken.main]\nips = [{listed}]"))

        assert expected == refused


class TestNesting:
    @pytest.mark.parametrize(
        "text",
        [
            "a = " + "[" * DEEP + "]" * DEEP,
            "a = " + "{b = " * DEEP + "}" * DEEP,
            "[binance.main]\nips = [" + "[" * DEEP,
            "a = " + "[{b = " * DEEP,
        ],
        ids=["arrays", "inline-tables", "unclosed-in-a-key", "mixed"],
    )
    def test_deep_nesting_is_a_registry_error(self, tmp_path, text):
        """50,000-deep arrays or inline tables: RegistryError, never RecursionError."""
        with pytest.raises(RegistryError, match="nest"):
            _load(tmp_path, text)

    def test_brackets_in_strings_and_comments_do_not_count(self, tmp_path):
        """Only real nesting counts: brackets inside strings and comments are text."""
        reg = _load(
            tmp_path,
            "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
            "[binance.main]\n"
            'ips = ["203.0.113.7"]\n'
            f'notes = "{"[" * 500}"\n',
        )

        assert "[" * 500 == reg.keys[0].notes

    def test_save_key_on_a_deep_file_is_a_registry_error(self, tmp_path):
        """A file that turned hostile between load and save: RegistryError, nothing written."""
        path = tmp_path / "r.toml"
        path.write_text('[binance.main]\nips = ["203.0.113.7"]\n', "utf-8")
        reg = Registry.load(path)
        hostile = "x = " + "[" * DEEP + "]" * DEEP + '\n[binance.main]\nips = ["203.0.113.7"]\n'
        path.write_text(hostile, "utf-8")

        with pytest.raises(RegistryError, match="nest"):
            reg.save_key("binance", "main", ips=["203.0.113.8"])
        assert hostile == path.read_text("utf-8")

    def test_cli_config_deep_nesting_is_a_usage_error(self, tmp_path, capsys):
        """The CLI config file is TOML too: too deep is exit 2 with the reason."""
        config = tmp_path / "config.toml"
        config.write_text("[exchanges.binance]\noptions = " + "[" * DEEP + "]" * DEEP, "utf-8")

        assert 2 == main(["doctor", "--config", str(config)])
        assert "nest" in capsys.readouterr().err


class TestHostileFiles:
    @given(registry_texts)
    def test_any_text_is_a_registry_or_a_registry_error(self, text):
        """Whatever the file holds, loading gives a Registry or a RegistryError."""
        refused = _refusal(lambda: Registry.loads(text))

        assert refused is None or refused.strip()

    @settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.binary(max_size=300))
    def test_any_bytes_are_a_registry_or_a_registry_error(self, tmp_path, data):
        """Bytes that are not UTF-8, or not TOML, are a RegistryError too."""
        path = tmp_path / "r.toml"
        path.write_bytes(data)

        refused = _refusal(lambda: Registry.load(path))

        assert refused is None or refused.strip()


class TestRoundTrip:
    @settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(registry_entries)
    def test_load_to_dict_and_back(self, tmp_path, entries):
        """A valid registry written out from its to_dict() loads to the same entries."""
        document = tomlkit.document()
        for exchange, label, ips, fp in entries:
            table = tomlkit.table()
            table["ips"] = ips
            if fp is not None:
                table["fingerprint"] = fp
            document.setdefault(exchange, tomlkit.table(is_super_table=True))[label] = table
        path = tmp_path / "r.toml"
        path.write_text(tomlkit.dumps(document), "utf-8")

        first = Registry.load(path)
        again = tomlkit.document()
        for key in first.to_dict()["keys"]:
            table = tomlkit.table()
            table["ips"] = key["ips"]
            if key["fingerprint"]:
                table["fingerprint"] = key["fingerprint"]
            again.setdefault(key["exchange"], tomlkit.table(is_super_table=True))[key["label"]] = (
                table
            )
        second = Registry.loads(tomlkit.dumps(again))

        assert [k.to_dict() for k in first] == [k.to_dict() for k in second]
        # TOML groups the keys by exchange, in the order each exchange first appears.
        first_seen = {e: n for n, (e, *_) in reversed(list(enumerate(entries)))}
        grouped = sorted(entries, key=lambda entry: first_seen[entry[0]])
        expected = [
            (e, lbl, tuple(str(ipaddress.ip_network(i)).removesuffix("/32").removesuffix("/128")
                           for i in ips))
            for e, lbl, ips, _ in grouped
        ]  # fmt: skip
        assert expected == [(k.exchange, k.label, k.entries) for k in first]

    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(registry_entries, st.data())
    def test_save_key_round_trip(self, tmp_path, entries, data):
        """save_key writes exactly the new list; every other entry is unchanged."""
        lines = []
        for exchange, label, ips, _ in entries:
            listed = ", ".join(f'"{ip}"' for ip in ips)
            lines.append(f"[{exchange}.{label}]\nips = [{listed}]\n")
        path = tmp_path / "r.toml"
        path.write_text("\n".join(lines), "utf-8")
        before = Registry.load(path)
        target = data.draw(st.sampled_from(before.keys))
        new = data.draw(st.lists(small_networks, max_size=5, unique=True))
        texts = [str(n) for n in new]
        if _brute_force_clash(texts) is not None:
            return

        after = before.save_key(target.exchange, target.label, ips=texts)

        reloaded = Registry.load(path)
        assert [k.to_dict() for k in after] == [k.to_dict() for k in reloaded]
        for old, new_key in itertools.zip_longest(before, reloaded):
            if (old.exchange, old.label) == (target.exchange, target.label):
                assert tuple(ipaddress.ip_network(t) for t in texts) == new_key.networks
            else:
                assert old == new_key


_TWO_KEYS = """\
# two bots share this file; each moves its own key
[kraken.alpha]
ips = ["203.0.113.1"]

[kraken.beta]
ips = ["198.51.100.1"]
"""

# Run in a fresh interpreter: load, append one address to its own key, save; N times.
_WORKER = """\
import sys
from ipwhitelist import Registry

path, label, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(2, count + 2):
    reg = Registry.load(path)
    entries = reg.get("kraken", label).entries
    reg.save_key("kraken", label, ips=[*entries, f"{prefix}.{i}"])
"""


class TestWrites:
    """save_key writes like an editor that cares: mode, owner, symlinks, concurrent writers."""

    def test_backup_keeps_the_files_mode(self, tmp_path):
        """A 0600 registry gets a 0600 .bak (and stays 0600), never a world-readable copy."""
        path = tmp_path / "r.toml"
        path.write_text(_TWO_KEYS, "utf-8")
        path.chmod(0o600)

        Registry.load(path).save_key("kraken", "alpha", ips=["203.0.113.2"])

        backup = path.with_name("r.toml.bak")
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)
        assert 0o600 == stat.S_IMODE(backup.stat().st_mode)
        assert _TWO_KEYS == backup.read_text("utf-8")

    def test_owner_and_group_are_kept(self, tmp_path):
        """The rewritten file and its backup keep the original owner and group where allowed."""
        path = tmp_path / "r.toml"
        path.write_text(_TWO_KEYS, "utf-8")
        # As root any owner can be given back; otherwise the user's own ids are kept.
        owner = (4242, 4343) if os.geteuid() == 0 else (os.getuid(), os.getgid())
        os.chown(path, *owner)

        Registry.load(path).save_key("kraken", "alpha", ips=["203.0.113.2"])

        for written in (path, path.with_name("r.toml.bak")):
            assert owner == (written.stat().st_uid, written.stat().st_gid)

    def test_writes_through_a_symlink(self, tmp_path):
        """A symlinked registry stays a symlink: the update goes to the file it points to."""
        real = tmp_path / "config" / "whitelists.toml"
        real.parent.mkdir()
        real.write_text(_TWO_KEYS, "utf-8")
        link = tmp_path / "whitelists.toml"
        link.symlink_to(real)

        updated = Registry.load(link).save_key("kraken", "alpha", ips=["203.0.113.2"])

        assert link.is_symlink()
        assert real == link.resolve()
        assert ("203.0.113.2",) == Registry.load(real).get("kraken", "alpha").entries
        assert _TWO_KEYS == real.with_name("whitelists.toml.bak").read_text("utf-8")
        assert link == updated.path

    def test_two_processes_lose_no_update(self, tmp_path):
        """Two processes x 40 updates of their own key: all 80 are in the file."""
        path = tmp_path / "r.toml"
        path.write_text(_TWO_KEYS, "utf-8")
        count = 40
        workers = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and worker
                [sys.executable, "-c", _WORKER, str(path), label, prefix, str(count)],
                stderr=subprocess.PIPE,
                text=True,
            )
            for label, prefix in (("alpha", "203.0.113"), ("beta", "198.51.100"))
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=300)
            assert 0 == worker.returncode, err

        reg = Registry.load(path)
        assert count + 1 == len(reg.get("kraken", "alpha").entries)
        assert count + 1 == len(reg.get("kraken", "beta").entries)
        assert "# two bots share this file" in path.read_text("utf-8")

    def test_group_is_kept_when_the_owner_cannot_be(self, tmp_path, monkeypatch):
        """Without the right to give the file back to its owner, the group is still kept."""
        path = tmp_path / "r.toml"
        path.write_text(_TWO_KEYS, "utf-8")
        real_stat = Path.stat
        calls = []

        def chown(target, uid, gid):
            calls.append((uid, gid))
            if uid != -1:
                raise PermissionError("not the owner")

        def stat_(self, **kw):
            # The registry looks owned by someone else; the temporary files do not.
            result = real_stat(self, **kw)
            return _other_owner(result) if self.name == "r.toml" else result

        monkeypatch.setattr(os, "chown", chown)
        monkeypatch.setattr(Path, "stat", stat_)

        Registry.load(path).save_key("kraken", "alpha", ips=["203.0.113.2"])

        assert (4242, 4343) in calls
        assert (-1, 4343) in calls

    def test_file_turned_invalid_before_saving(self, tmp_path):
        """A file made invalid between load and save: RegistryError naming it, nothing written."""
        path = tmp_path / "r.toml"
        path.write_text(_TWO_KEYS, "utf-8")
        reg = Registry.load(path)
        path.write_text("[kraken.alpha\n", "utf-8")

        with pytest.raises(RegistryError, match="invalid TOML"):
            reg.save_key("kraken", "alpha", ips=["203.0.113.2"])
        assert "[kraken.alpha\n" == path.read_text("utf-8")


def _other_owner(result):
    """*result* (an os.stat_result) as if owned by uid 4242, gid 4343."""
    fields = list(result)
    fields[stat.ST_UID], fields[stat.ST_GID] = 4242, 4343
    return os.stat_result(fields)
