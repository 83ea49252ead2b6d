"""The command line, through main() and the real entry points."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ipwhitelist
from helpers import bybit_with_config
from ipwhitelist._cli.demo import DEMO_KEY, DEMO_SECRET, run
from ipwhitelist._cli.main import main
from ipwhitelist._testing.fake import FakeServer, Reply

_DOC_JSON = re.compile(r"JSON \(`ipwhitelist\.(\w+)/1`\): `(\{.*?\})`", re.DOTALL)


def documented_keys(command):
    """The top-level keys docs/reference/cli.md gives for a command's JSON object."""
    text = (Path(__file__).parent.parent / "docs" / "reference" / "cli.md").read_text("utf-8")
    shapes = dict(_DOC_JSON.findall(text))
    depth, top = 0, []
    for token in re.findall(r'"\w+"|[\[\]{}]', shapes[command]):
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
        elif depth == 1:
            top.append(token.strip('"'))
    return set(top)


class TestDemo:
    def test_demo_tells_the_story(self):
        """The demo succeeds, fails with the typed exception after the IP change, then recovers."""
        out = io.StringIO()

        code = run(out, color=False)

        text = out.getvalue()
        assert 0 == code
        for needle in (
            "private call from 127.0.0.1 works",
            "IPNotWhitelisted",
            "IP it saw:       127.0.0.2",
            "egress IP(s):    127.0.0.2",
            "NOT on the documented whitelist",
            "works again",
            "ipwhitelist doctor",
        ):
            assert needle in text
        assert DEMO_KEY not in text
        assert DEMO_SECRET not in text
        assert "\033[" not in text

    def test_python_m_entry_point(self):
        """`python -m ipwhitelist demo --no-color` runs offline and exits 0."""
        env = {**os.environ, "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "ipwhitelist", "demo"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )

        assert 0 == done.returncode, done.stderr
        assert "IPNotWhitelisted" in done.stdout
        # The demo prints its diagnosis itself: nothing is logged on stderr.
        assert "" == done.stderr


class TestEgress:
    def test_json(self, capsys):
        """`egress --json` prints the documented keys; a loopback answer is refused (exit 3)."""
        with FakeServer(default=lambda r: Reply(body=r.client_ip)) as s:
            code = main(["egress", "--json", "--provider", f"{s.url}/ip", "--timeout", "2"])

        data = json.loads(capsys.readouterr().out)
        assert 3 == code
        assert {
            "schema",
            "ipv4",
            "ipv6",
            "provider",
            "elapsed",
            "errors",
            "answers",
            "agreed",
            "hints",
        } == set(data)
        assert "ipwhitelist.egress/1" == data["schema"]

    def test_agree(self, capsys):
        """`egress --agree` asks every provider; disagreement (a NAT pool) is a finding: exit 1."""
        answers = iter(["8.8.8.8", "8.8.4.4"])
        with FakeServer(default=lambda r: Reply(body=next(answers))) as s:
            code = main(
                ["egress", "--agree", "--provider", f"{s.url}/a", "--provider", f"{s.url}/b"]
            )

        out = capsys.readouterr().out
        assert 1 == code
        assert "NO: several egress IPs" in out

    def test_network_down_exits_3(self, capsys):
        """Nothing answering: exit code 3, quickly."""
        code = main(["egress", "--provider", "http://127.0.0.1:9/ip", "--timeout", "1"])

        assert 3 == code
        assert "IPv4:     not found" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    """Unknown commands are usage errors (exit 2), without a traceback."""
    assert 2 == main(["frobnicate"])
    assert "Traceback" not in capsys.readouterr().err


def _run(*args, env=None, stdin=None, timeout=60):
    """The real entry point in a subprocess, as an operator runs it."""
    base = {k: v for k, v in os.environ.items() if not k.endswith(("_APIKEY", "_SECRET"))}
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "ipwhitelist", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**base, "NO_COLOR": "1", **(env or {})},
        input=stdin,
        check=False,
    )


class TestExplain:
    def test_binance_2015(self, capsys):
        """A negative code needs no quoting; -2015 is an IP rejection of low confidence."""
        code = main(["explain", "binance", "-2015", "--json"])

        data = json.loads(capsys.readouterr().out)
        assert 0 == code
        assert "ipwhitelist.explain/1" == data["schema"]
        assert documented_keys("explain") == set(data)
        assert data["ip_rejection"] is True
        assert "ip_not_whitelisted" == data["kind"]
        assert data["rule"]["source"].startswith("https://")

    def test_message_with_reported_ip(self, capsys):
        """A whole OKX body: the IP the exchange saw is pulled out."""
        body = (
            '{"code":"50110","msg":"Your IP 203.0.113.9 is not included in your API '
            "key's IP whitelist.\"}"
        )
        code = main(["explain", "okx", body])

        out = capsys.readouterr().out
        assert 0 == code
        assert "IP it saw:   203.0.113.9" in out
        assert "okx-50110" in out

    def test_not_an_ip_problem(self, capsys):
        """A timestamp error is not an IP rejection: exit 1."""
        code = main(["explain", "binance", "-1021", "--json"])

        data = json.loads(capsys.readouterr().out)
        assert 1 == code
        assert data["ip_rejection"] is False

    def test_unknown_exchange(self, capsys):
        """An unknown exchange is a usage error with a message, not a traceback."""
        code = main(["explain", "binanse", "-2015"])

        err = capsys.readouterr().err
        assert 2 == code
        assert "unknown exchange 'binanse'" in err
        assert "Traceback" not in err


class TestUsageErrors:
    def test_unknown_command(self):
        """Exit 2 for an unknown command."""
        assert 2 == main(["nope"])

    def test_doctor_without_anything_configured(self, capsys, monkeypatch):
        """No credentials anywhere: a helpful message naming the variables, exit 2."""
        for name in list(os.environ):
            if name.endswith(("_APIKEY", "_API_KEY", "_KEY")):
                monkeypatch.delenv(name)
        monkeypatch.delenv("IPWHITELIST_CONFIG", raising=False)

        code = main(["doctor"])

        assert 2 == code
        assert "BINANCE_APIKEY" in capsys.readouterr().err

    def test_check_without_credentials(self, capsys, monkeypatch):
        """A named exchange without credentials: exit 2 naming the variables."""
        monkeypatch.delenv("OKX_APIKEY", raising=False)
        code = main(["check", "okx", "--no-egress"])

        err = capsys.readouterr().err
        assert 2 == code
        assert "OKX_APIKEY" in err
        assert "OKX_PASSWORD" in err

    def test_bad_config_file(self, tmp_path, capsys):
        """A broken config file: the file and the problem, exit 2."""
        config = tmp_path / "c.toml"
        config.write_text("[exchanges.binanse]\napiKey = 'x'\n", "utf-8")

        code = main(["check", "binance", "--config", str(config)])

        err = capsys.readouterr().err
        assert 2 == code
        assert f"{config}: [exchanges.binanse] is not a ccxt exchange id" in err

    def test_config_unknown_field_and_bad_toml(self, tmp_path, capsys):
        """Unknown fields and invalid TOML are named."""
        config = tmp_path / "c.toml"
        config.write_text("[exchanges.binance]\napi_key = 'x'\n", "utf-8")
        assert 2 == main(["audit", "binance", "--config", str(config)])
        assert "unknown field(s) api_key" in capsys.readouterr().err
        config.write_text("[exchanges.binance\n", "utf-8")
        assert 2 == main(["audit", "binance", "--config", str(config)])
        assert "invalid TOML" in capsys.readouterr().err
        assert 2 == main(["audit", "binance", "--config", str(tmp_path / "missing.toml")])
        assert "does not exist" in capsys.readouterr().err

    def test_bad_registry_file(self, tmp_path, capsys):
        """A broken registry: file, line, table and value, exit 2."""
        registry = tmp_path / "r.toml"
        registry.write_text('[binance.main]\nips = ["10.0.0.1/8"]\n', "utf-8")

        code = main(["paste", "binance", "--registry", str(registry)])

        err = capsys.readouterr().err
        assert 2 == code
        assert f"{registry}:2: [binance.main] '10.0.0.1/8' has host bits set" in err


class TestRegistryCommands:
    def test_paste(self, tmp_path, capsys):
        """paste prints the comma-separated list the exchange page wants."""
        registry = tmp_path / "r.toml"
        registry.write_text('[okx.bot]\nips = ["203.0.113.7", "198.51.100.0/28"]\n', "utf-8")

        code = main(["paste", "okx", "--registry", str(registry)])

        assert 0 == code
        assert "203.0.113.7,198.51.100.0/28\n" == capsys.readouterr().out

    def test_fingerprint_from_env_and_stdin(self):
        """The fingerprint of a key from the environment or stdin; never the key."""
        from ipwhitelist import fingerprint

        key = "k" * 64
        done = _run("fingerprint", "--env", "MY_KEY", env={"MY_KEY": key})
        assert 0 == done.returncode, done.stderr
        assert fingerprint(key) == done.stdout.strip()
        done = _run("fingerprint", stdin=key + "\n")
        assert fingerprint(key) == done.stdout.strip()
        assert key not in done.stdout + done.stderr
        assert 2 == _run("fingerprint", stdin="").returncode


class TestReport:
    def test_bundle_is_redacted(self, tmp_path):
        """report --json: versions, rules, registry; secrets from the env and the log scrubbed."""
        secret = "S" * 40
        key = "K" * 40
        log = tmp_path / "bot.log"
        log.write_text(
            "2026-11-25 INFO unrelated\n"
            "2026-11-25 ERROR ipwhitelist: Traceback frame mentioning ipwhitelist\n"
            "2026-11-25 ERROR binance: the API key's IP whitelist does not allow the IP this "
            f"request came from (confidence: confirmed) apiKey={key} signature=abc123 "
            f"secret {secret}\n",
            "utf-8",
        )
        registry = tmp_path / "r.toml"
        registry.write_text('[binance.main]\nips = ["203.0.113.7"]\n', "utf-8")

        done = _run(
            "report", "--json", "--no-egress", "--log", str(log), "--registry", str(registry),
            env={"BINANCE_APIKEY": key, "BINANCE_SECRET": secret},
        )  # fmt: skip

        assert 0 == done.returncode, done.stderr
        data = json.loads(done.stdout)
        assert "ipwhitelist.report/1" == data["schema"]
        assert documented_keys("report") == set(data)
        assert data["versions"]["ccxt"]
        assert data["rules"]["count"] > 10
        assert ["203.0.113.7"] == data["registry"]["keys"][0]["ips"]
        assert 1 == len(data["incidents"])
        assert key not in done.stdout
        assert secret not in done.stdout
        assert "abc123" not in done.stdout


class TestAgainstFakeExchanges:
    """doctor, audit, check and migrate through the real entry point, keys from the env."""

    @staticmethod
    def _config(tmp_path, fake, exchange):
        config = tmp_path / "config.toml"
        config.write_text(f'[exchanges.{exchange}]\nbase_url = "{fake.url}"\n', "utf-8")
        return config

    @staticmethod
    def _env(state, exchange):
        prefix = exchange.upper()
        return {
            f"{prefix}_APIKEY": state.api_key,
            f"{prefix}_SECRET": state.secret,
            f"{prefix}_PASSWORD": state.password,
        }

    def _assert_no_secret(self, done, state):
        for secret in (state.api_key, state.secret, state.password):
            assert secret not in done.stdout
            assert secret not in done.stderr

    def test_check_json_ok_and_refused(self, tmp_path):
        """check --json: schema, outcomes, exit 0 when allowed, 1 when refused."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        state = FakeKeyState(allowed_ips=["127.0.0.1"])
        with fake_exchange("bybit", state) as fake:
            config = self._config(tmp_path, fake, "bybit")
            env = self._env(state, "bybit")
            ok = _run("check", "bybit", "--json", "--no-egress", "--config", str(config), env=env)
            state.allowed_ips = ["203.0.113.7"]
            refused = _run(
                "check", "bybit", "--json", "--no-egress", "--config", str(config), env=env
            )
            quiet = _run("check", "bybit", "-q", "--no-egress", "--config", str(config), env=env)

        assert 0 == ok.returncode, ok.stderr
        data = json.loads(ok.stdout)
        assert "ipwhitelist.check/1" == data["schema"]
        assert documented_keys("check") == set(data)
        assert {"positive", "registry", "restriction"} == {r["name"] for r in data["results"]}
        assert 1 == refused.returncode
        assert "10010" == json.loads(refused.stdout)["diagnosis"]["code"]
        assert 1 == quiet.returncode
        assert ("", "") == (quiet.stdout, quiet.stderr)
        for done in (ok, refused, quiet):
            self._assert_no_secret(done, state)

    def test_audit_and_doctor(self, tmp_path):
        """audit --json reports the key; doctor prints a verdict table; no secret anywhere."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        state = FakeKeyState(allowed_ips=["127.0.0.1"], can_withdraw=True)
        with fake_exchange("okx", state) as fake:
            config = self._config(tmp_path, fake, "okx")
            env = self._env(state, "okx")
            audit = _run("audit", "okx", "--json", "--no-egress", "--config", str(config), env=env)
            doctor = _run("doctor", "--no-egress", "--config", str(config), env=env)
            doctor_json = _run("doctor", "--json", "--no-egress", "--config", str(config), env=env)

        data = json.loads(audit.stdout)
        assert "ipwhitelist.audit/1" == data["schema"]
        assert ["127.0.0.1"] == data["allowed_ips"]
        assert "withdrawals-enabled" in {f["code"] for f in data["findings"]}
        assert "ipwhitelist doctor" in doctor.stdout
        assert "okx" in doctor.stdout
        report = json.loads(doctor_json.stdout)
        assert "ipwhitelist.doctor/1" == report["schema"]
        assert documented_keys("doctor") == set(report)
        assert ["okx"] == [k["exchange"] for k in report["keys"]]
        assert report["keys"][0]["verdict"] in ("OK", "PROBLEM")
        assert doctor.returncode == doctor_json.returncode == report["keys"][0]["exit_code"]
        for done in (audit, doctor, doctor_json):
            self._assert_no_secret(done, state)

    def test_doctor_network_down_exits_3_quickly(self, tmp_path):
        """An exchange that does not answer: UNVERIFIED, exit 3, within the timeout."""
        config = tmp_path / "config.toml"
        config.write_text('[exchanges.bybit]\nbase_url = "http://127.0.0.1:9"\n', "utf-8")
        env = {"BYBIT_APIKEY": "k" * 18, "BYBIT_SECRET": "s" * 36}

        done = _run(
            "doctor", "--json", "--no-egress", "--timeout", "2", "--config", str(config), env=env
        )

        assert 3 == done.returncode, done.stderr
        data = json.loads(done.stdout)
        assert (False, "unverified") == (data["ok"], data["verdict"])
        assert "UNVERIFIED" == data["keys"][0]["verdict"]
        assert "could not reach bybit" in data["keys"][0]["fix"]
        assert data["keys"][0]["report"]["ok"] is False

    def test_check_and_doctor_never_say_ok_when_nothing_was_verified(self, tmp_path):
        """Unreachable exchange: check --json says ok false / unverified; doctor's text no OK."""
        config = tmp_path / "config.toml"
        config.write_text('[exchanges.bybit]\nbase_url = "http://127.0.0.1:9"\n', "utf-8")
        env = {"BYBIT_APIKEY": "k" * 18, "BYBIT_SECRET": "s" * 36}
        args = ("--no-egress", "--timeout", "2", "--config", str(config))

        checked = _run("check", "bybit", "--json", *args, env=env)
        doctor = _run("doctor", "--no-color", *args, env=env)

        assert 3 == checked.returncode == doctor.returncode
        data = json.loads(checked.stdout)
        assert (False, "unverified") == (data["ok"], data["verdict"])
        assert documented_keys("check") == set(data)
        assert "Pre-live check of bybit: UNVERIFIED" in doctor.stdout
        assert ": OK" not in doctor.stdout

    def test_migrate_start_and_resume(self, tmp_path):
        """migrate --to starts (exit 1, paste list), the registry records it, a rerun resumes."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        registry = tmp_path / "r.toml"
        registry.write_text('allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n', "utf-8")
        state = FakeKeyState(allowed_ips=["127.0.0.1"])
        with fake_exchange("bybit", state) as fake:
            config = self._config(tmp_path, fake, "bybit")
            env = self._env(state, "bybit")
            args = ("--no-egress", "--config", str(config), "--registry", str(registry))
            start = _run("migrate", "bybit", "--to", "127.0.0.2", "--json", *args, env=env)
            state.allowed_ips = ["127.0.0.1", "127.0.0.2"]
            resumed = _run("migrate", "bybit", *args, env=env)

        assert 1 == start.returncode, start.stderr
        data = json.loads(start.stdout)
        assert "ipwhitelist.migrate/1" == data["schema"]
        assert documented_keys("migrate") == set(data)
        assert "add" == data["step"]
        assert "127.0.0.1,127.0.0.2" == data["paste"]
        assert 1 == resumed.returncode
        assert "[x] 1." in resumed.stdout
        assert "migration" in registry.read_text("utf-8")
        self._assert_no_secret(resumed, state)

    def test_migrate_without_registry(self, tmp_path):
        """migrate needs a registry: exit 2 with a message."""
        done = _run("migrate", "bybit", "--to", "203.0.113.9", env={"IPWHITELIST_REGISTRY": ""})

        assert 2 == done.returncode
        assert "registry" in done.stderr
        assert "Traceback" not in done.stderr


class TestOutcomes:
    """The error paths of audit, check and migrate, in-process through main()."""

    @pytest.fixture
    def bybit(self, tmp_path, monkeypatch):
        with bybit_with_config(tmp_path, monkeypatch) as (_, state, config):
            yield state, config

    def test_audit_ip_rejection(self, bybit, capsys):
        """The key refuses this host: the diagnosis as JSON, exit 1."""
        state, config = bybit
        state.allowed_ips = ["203.0.113.7"]

        code = main(["audit", "bybit", "--json", "--no-egress", "--config", config])

        data = json.loads(capsys.readouterr().out)
        assert 1 == code
        assert "ip_not_whitelisted" == data["rejection"]["kind"]

    @pytest.mark.parametrize("quiet", [False, True])
    def test_check_logs_library_errors_unless_quiet(self, bybit, capsys, quiet):
        """The CLI shows the library's errors on stderr in one line, not the incident; -q none."""
        state, config = bybit
        state.allowed_ips = ["203.0.113.7"]

        def broken_hook(_diagnosis):
            raise RuntimeError(f"hook bug near {state.secret}")

        ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), broken_hook])
        quiet_flag = ["-q"] if quiet else []

        code = main(["check", "bybit", *quiet_flag, "--no-egress", "--config", config])

        err = capsys.readouterr().err
        assert 1 == code
        if quiet:
            assert "" == err
        else:
            assert "ipwhitelist: error: on-rejection hook" in err
            assert "(RuntimeError: hook bug near " in err
            assert state.secret not in err
            assert "Traceback" not in err
            assert "whitelist does not allow" not in err  # the incident: stdout has it

    def test_a_broken_log_record_never_reaches_the_caller(self, monkeypatch):
        """The CLI's log handler follows logging's contract: a failing record is not raised."""
        from ipwhitelist._cli.common import LogToStderr as _LogToStderr

        monkeypatch.setattr(logging, "raiseExceptions", False)
        record = logging.LogRecord("ipwhitelist", logging.ERROR, __file__, 1, "%d", ("x",), None)

        _LogToStderr().handle(record)

    def test_audit_wrong_secret(self, bybit, capsys, monkeypatch):
        """A non-IP refusal is reported as such, exit 1, without the secret."""
        monkeypatch.setenv("BYBIT_SECRET", "wrong-secret-" * 3)

        code = main(["audit", "bybit", "--no-egress", "--config", bybit[1]])

        err = capsys.readouterr().err
        assert 1 == code
        assert "not an IP rejection" in err
        assert "wrong-secret-" not in err

    def test_audit_unsupported_exchange(self, capsys, monkeypatch):
        """No audit endpoint for the exchange: exit 2 naming the supported ones."""
        monkeypatch.setenv("KRAKEN_APIKEY", "k" * 20)
        monkeypatch.setenv("KRAKEN_SECRET", "c2VjcmV0" * 8)

        code = main(["audit", "kraken", "--no-egress"])

        assert 2 == code
        assert "binance" in capsys.readouterr().err

    def test_audit_unreachable(self, tmp_path, capsys, monkeypatch):
        """Nothing listening: exit 3."""
        config = tmp_path / "config.toml"
        config.write_text('[exchanges.okx]\nbase_url = "http://127.0.0.1:9"\n', "utf-8")
        for name, value in (("APIKEY", "k" * 20), ("SECRET", "s" * 20), ("PASSWORD", "p" * 9)):
            monkeypatch.setenv(f"OKX_{name}", value)

        code = main(["audit", "okx", "--json", "--timeout", "2", "--config", str(config)])

        data = json.loads(capsys.readouterr().out)
        assert 3 == code
        assert ("ipwhitelist.error/1", False) == (data["schema"], data["ok"])
        assert "network" == data["error"]["kind"]
        assert "firewall" in data["error"]["message"]

    def test_check_with_registry_label(self, bybit, tmp_path, capsys):
        """--label picks the registry entry; an unknown label is a usage error."""
        registry = tmp_path / "r.toml"
        registry.write_text('allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n', "utf-8")
        args = ["check", "bybit", "--no-egress", "--config", bybit[1], "--registry", str(registry)]

        assert 0 == main([*args, "--label", "main"])
        assert "bybit.main" in capsys.readouterr().out
        assert 2 == main([*args, "--label", "spare"])
        assert "no key bybit.spare" in capsys.readouterr().err

    def test_migrate_usage_errors(self, bybit, tmp_path, capsys):
        """No migration in progress and no --to: exit 2 with the reason."""
        registry = tmp_path / "r.toml"
        registry.write_text('allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n', "utf-8")

        code = main(
            ["migrate", "bybit", "--no-egress", "--config", bybit[1], "--registry", str(registry)]
        )

        assert 2 == code
        assert "no migration in progress" in capsys.readouterr().err

    def test_doctor_mixes_keys(self, bybit, capsys, monkeypatch):
        """One key fine, one without credentials: NOT CHECKED and exit 1."""
        code = main(["doctor", "bybit", "okx", "--json", "--no-egress", "--config", bybit[1]])

        data = json.loads(capsys.readouterr().out)
        verdicts = {k["exchange"]: k["verdict"] for k in data["keys"]}
        assert {"bybit": "OK", "okx": "NOT CHECKED"} == verdicts
        assert 1 == code

    def test_paste_needs_one_key(self, tmp_path, capsys):
        """paste with several keys and no label, or without a registry: exit 2."""
        registry = tmp_path / "r.toml"
        registry.write_text(
            '[okx.a]\nips = ["203.0.113.7"]\n[okx.b]\nips = ["203.0.113.8"]\n', "utf-8"
        )

        assert 2 == main(["paste", "okx", "--registry", str(registry)])
        assert "okx has several keys: name one as LABEL (a, b)" in capsys.readouterr().err
        assert 0 == main(["paste", "okx", "b", "--registry", str(registry)])
        assert "203.0.113.8" in capsys.readouterr().out

    def test_paste_picks_the_configured_keys_entry(self, tmp_path, capsys, monkeypatch):
        """paste without a label prints the entry of the configured key, never another key's."""
        from ipwhitelist import fingerprint

        registry = tmp_path / "r.toml"
        registry.write_text(
            f'[okx.a]\nfingerprint = "{fingerprint("key-a" * 8)}"\nips = ["203.0.113.7"]\n'
            f'[okx.b]\nfingerprint = "{fingerprint("key-b" * 8)}"\nips = ["203.0.113.8"]\n',
            "utf-8",
        )
        monkeypatch.setenv("OKX_APIKEY", "key-b" * 8)

        assert 0 == main(["paste", "okx", "--registry", str(registry)])
        assert "203.0.113.8\n" == capsys.readouterr().out
        monkeypatch.setenv("OKX_APIKEY", "key-c" * 8)
        assert 2 == main(["paste", "okx", "--registry", str(registry)])
        assert "no entry documents the configured okx key" in capsys.readouterr().err
        # A label names the entry to print, whatever key is configured.
        assert 0 == main(["paste", "okx", "a", "--registry", str(registry)])
        assert "203.0.113.7\n" == capsys.readouterr().out
        assert 2 == main(["paste", "okx", "zz", "--registry", str(registry)])
        assert "no key okx.zz" in capsys.readouterr().err

    def test_label_of_another_key(self, bybit, tmp_path, capsys):
        """check/audit/doctor with a label whose entry documents another key: a clear error."""
        from ipwhitelist import fingerprint

        registry = tmp_path / "r.toml"
        registry.write_text(
            f'allow_private = true\n[bybit.main]\nfingerprint = "{fingerprint("o" * 30)}"\n'
            'ips = ["127.0.0.1"]\n',
            "utf-8",
        )
        args = ["--no-egress", "--config", bybit[1], "--registry", str(registry)]

        assert 2 == main(["check", "bybit", "--label", "main", *args])
        assert "bybit.main documents another API key" in capsys.readouterr().err
        assert 2 == main(["audit", "bybit", "--label", "main", *args])
        assert "documents another API key" in capsys.readouterr().err
        # Without a label the key is simply undocumented: nothing to compare with.
        assert 0 == main(["check", "bybit", *args])
        assert "no documented whitelist for this key" in capsys.readouterr().out

    def test_doctor_with_a_bad_label_in_the_config(self, bybit, tmp_path, capsys):
        """A configured label missing from the registry: NOT CHECKED with the reason, no traceback."""
        registry = tmp_path / "r.toml"
        registry.write_text('allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n', "utf-8")
        config = Path(bybit[1])
        config.write_text(config.read_text("utf-8") + 'label = "spare"\n', "utf-8")

        code = main(["doctor", "--json", "--no-egress", "--config", bybit[1],
                     "--registry", str(registry)])  # fmt: skip

        data = json.loads(capsys.readouterr().out)
        assert 1 == code
        assert "NOT CHECKED" == data["keys"][0]["verdict"]
        assert "no key bybit.spare" in data["keys"][0]["fix"]
