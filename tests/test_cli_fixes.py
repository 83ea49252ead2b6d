"""The command line's fixes for issue 15, item by item (the contract matrix covers the rest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import ipwhitelist
from helpers import bybit_with_config
from ipwhitelist._cli.common import clean
from ipwhitelist._cli.main import main
from ipwhitelist._core.keyfacts import from_iso
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange
from ipwhitelist._testing.fake import FakeServer, Reply
from test_cli_contract import refused_port


def _run(*args, env=None, stdin=None, encoding="utf-8"):
    base = {k: v for k, v in os.environ.items() if not k.endswith(("_APIKEY", "_SECRET"))}
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "ipwhitelist", *args],
        capture_output=True,
        encoding=encoding,
        timeout=60,
        env={**base, "NO_COLOR": "1", **(env or {})},
        input=stdin,
        check=False,
    )


@pytest.fixture
def bybit(tmp_path, monkeypatch):
    """A fake Bybit, its config file, and its credentials in the environment."""
    with bybit_with_config(tmp_path, monkeypatch) as (fake, _, config):
        yield fake, config


@pytest.fixture
def down(tmp_path, monkeypatch):
    """Credentials for a Bybit on a loopback port that refuses connections."""
    config = tmp_path / "down.toml"
    config.write_text(f'[exchanges.bybit]\nbase_url = "http://127.0.0.1:{refused_port()}"\n')
    monkeypatch.setenv("BYBIT_APIKEY", "k" * 18)
    monkeypatch.setenv("BYBIT_SECRET", "s" * 36)
    return str(config)


class TestNoTraceback:
    def test_far_expiry_does_not_crash_audit(self, bybit, capsys):
        """Bybit's expiredAt 9999-12-31T23:59:59-23:59 (past datetime's range in UTC): no crash."""
        fake, config = bybit
        route = fake.server.routes[("GET", "/v5/user/query-api")]

        def far(request):
            reply = route(request)
            body = json.loads(reply.body)
            if isinstance(body.get("result"), dict):
                body["result"]["expiredAt"] = "9999-12-31T23:59:59-23:59"
            return Reply.json(body, reply.status)

        fake.server.routes[("GET", "/v5/user/query-api")] = far

        code = main(["audit", "bybit", "--json", "--no-egress", "--config", config])

        data = json.loads(capsys.readouterr().out)
        assert 0 == code
        assert data["expires_at"] is None

    @given(st.text(max_size=40))
    def test_from_iso_never_raises(self, text):
        """Any text is a time in UTC or None, never an exception."""
        found = from_iso(text)

        assert found is None or found.utcoffset() is not None

    def test_from_iso_out_of_range_is_unknown(self):
        """A valid ISO time that overflows in UTC is unknown."""
        assert from_iso("9999-12-31T23:59:59-23:59") is None
        assert from_iso("0001-01-01T00:00:00+23:59") is None

    def test_doctor_checks_the_others_when_one_breaks(self, bybit, monkeypatch, capsys):
        """An unexpected error on one exchange is that key's verdict; doctor goes on."""
        from ipwhitelist._keys import check as check_module

        real = check_module.check

        def flaky(client, **kwargs):
            if client.id == "okx":
                raise OverflowError("date value out of range")
            return real(client, **kwargs)

        monkeypatch.setattr(check_module, "check", flaky)
        monkeypatch.setenv("OKX_APIKEY", "k" * 20)
        monkeypatch.setenv("OKX_SECRET", "s" * 20)
        monkeypatch.setenv("OKX_PASSWORD", "p" * 9)

        code = main(["doctor", "bybit", "okx", "--json", "--no-egress", "--config", bybit[1]])

        data = json.loads(capsys.readouterr().out)
        verdicts = {k["exchange"]: (k["verdict"], k["fix"]) for k in data["keys"]}
        assert 1 == code
        assert "OK" == verdicts["bybit"][0]
        assert "NOT CHECKED" == verdicts["okx"][0]
        assert "OverflowError" in verdicts["okx"][1]

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
    def test_report_refuses_a_fifo_without_hanging(self, tmp_path):
        """report --log <fifo>: exit 2 at once (it used to block forever on open)."""
        fifo = tmp_path / "log.fifo"
        os.mkfifo(fifo)

        done = _run("report", "--no-egress", "--log", str(fifo))

        assert 2 == done.returncode
        assert "not a regular file" in done.stderr
        assert "Traceback" not in done.stderr

    def test_report_reads_only_the_tail(self, tmp_path, capsys):
        """A log larger than the tail read: the incidents of its last MiB, bounded."""
        log = tmp_path / "big.log"
        line = "binance: the exchange has banned this IP address (confidence: confirmed)\n"
        log.write_text("x" * (3 << 20) + "\n" + line * 30, "utf-8")

        code = main(["report", "--json", "--no-egress", "--log", str(log)])

        data = json.loads(capsys.readouterr().out)
        assert 0 == code
        assert 20 == len(data["incidents"])


class TestExitCodesAndQuiet:
    def test_check_quiet_unreachable_prints_nothing(self, down):
        """check -q against an unreachable exchange: exit 3, both streams empty."""
        runner = CliRunner()
        with runner.isolation() as (out, err, _):
            code = main(["check", "bybit", "-q", "--no-egress", "--timeout", "1", "--config", down])

        assert 3 == code
        assert (b"", b"") == (out.getvalue(), err.getvalue())


class TestWordsPeopleCanActOn:
    def test_the_library_s_texts_pass_unmangled(self):
        """Every finding and result text is printed as the library wrote it; only secrets go."""
        texts = []
        for state in (
            FakeKeyState(allowed_ips=[], can_withdraw=True),
            FakeKeyState(allowed_ips=["127.0.0.1"], can_withdraw=True),
            FakeKeyState(allowed_ips=["203.0.113.0/24", "127.0.0.1"]),
        ):
            for exchange in ("binance", "bybit", "okx"):
                with fake_exchange(exchange, state) as fake:
                    client = fake.client()
                    audit = ipwhitelist.audit(client, documented=["198.51.100.7"], egress=False)
                    report = ipwhitelist.check(client, egress=["127.0.0.1"])
                texts += [str(audit), str(report)]
                secrets = (state.api_key, state.secret, state.password)
                for text in texts:
                    assert text == clean(text, secrets)
        assert any("Turn withdrawals off for this key: " in t for t in texts)

    @pytest.mark.parametrize(
        "text",
        [
            "a signed call through http://proxy.internal:3128 was refused",
            "  failed: http://127.0.0.1:8777/a: 203.0.113.9 is not a public address",
            "Fix: Turn withdrawals off for this key: a trading bot needs read and trade only.",
        ],
    )
    def test_urls_and_words_stay(self, text):
        """Proxy URLs and ordinary words are not secrets."""
        assert text == clean(text, ("not-in-the-text-secret",))

    def test_url_passwords_and_configured_values_go(self):
        """A URL's userinfo and a configured value are removed wherever they appear."""
        text = "through http://bot:hunter2-pw@proxy:3128 with key ABCDEFGHIJKLMNOP"

        assert "through http://***@proxy:3128 with key ***" == clean(text, ("ABCDEFGHIJKLMNOP",))

    def test_unreachable_says_what_to_do(self, down, capsys):
        """UNREACHABLE names DNS, firewall, proxy and status page; bybit has a key audit."""
        code = main(["check", "bybit", "--no-egress", "--timeout", "1", "--config", down])

        out = capsys.readouterr().out
        assert 3 == code
        assert "firewall" in out
        assert "status page" in out
        assert "no key audit for it" not in out
        assert "the exchange could not be reached" in out

    def test_missing_passphrase_is_named(self, monkeypatch, capsys):
        """OKX with key and secret but no passphrase: set OKX_PASSWORD, exit 2; doctor: NOT CHECKED."""
        monkeypatch.setenv("OKX_APIKEY", "k" * 20)
        monkeypatch.setenv("OKX_SECRET", "s" * 20)
        monkeypatch.delenv("OKX_PASSWORD", raising=False)

        code = main(["check", "okx", "--no-egress"])
        err = capsys.readouterr().err
        doctor = main(["doctor", "okx", "--json", "--no-egress"])
        data = json.loads(capsys.readouterr().out)

        assert 2 == code
        assert "set OKX_PASSWORD (the API passphrase)" in err
        assert 1 == doctor
        assert "NOT CHECKED" == data["keys"][0]["verdict"]
        assert "OKX_PASSWORD" in data["keys"][0]["fix"]

    def test_doctor_json_uses_null(self, monkeypatch, capsys):
        """Missing values are null in doctor --json (the table still shows '-')."""
        monkeypatch.delenv("OKX_APIKEY", raising=False)
        monkeypatch.setenv("OKX_SECRET", "s" * 20)

        main(["doctor", "okx", "--json", "--no-egress"])

        key = json.loads(capsys.readouterr().out)["keys"][0]
        assert (None, None) == (key["label"], key["egress"])


class TestPaste:
    @pytest.fixture
    def registry(self, tmp_path):
        path = tmp_path / "r.toml"
        path.write_text(
            '[okx.a]\nips = ["203.0.113.7"]\n[okx.b]\nips = ["203.0.113.8"]\n'
            "[bybit.empty]\nips = []\n",
            "utf-8",
        )
        return str(path)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["okx", "zz"], "no key okx.zz"),
            (["binance"], "the registry documents no key of binance"),
            (["okxx"], "did you mean 'okx'?"),
            (["okx"], "okx has several keys: name one as LABEL (a, b)"),
            (["bybit", "empty"], "bybit.empty documents no IP (ips = [])"),
        ],
    )
    def test_each_miss_has_its_own_message(self, registry, capsys, monkeypatch, args, message):
        """Unknown label, exchange without entry, misspelt exchange, several keys, empty list."""
        monkeypatch.delenv("OKX_APIKEY", raising=False)

        code = main(["paste", *args, "--registry", registry])

        assert 2 == code
        assert message in capsys.readouterr().err


class TestExplain:
    def test_okx_rule_shows_no_template(self, capsys):
        """The rule's description is labelled as such, with the IP in place of {ip}."""
        body = '{"code":"50110","msg":"Your IP 203.0.113.9 is not included in your whitelist"}'

        assert 0 == main(["explain", "okx", body])

        out = capsys.readouterr().out
        assert "{ip}" not in out
        assert "  exchange:" not in out
        assert "rule says:" in out

    def test_ids_are_case_insensitive(self, capsys):
        """BINANCE is binance."""
        assert 0 == main(["explain", "BINANCE", "-2015", "--json"])
        assert "binance" == json.loads(capsys.readouterr().out)["exchange"]

    def test_code_without_the_minus_gets_a_hint(self, capsys):
        """binance 2015: not an IP rejection, and a hint at -2015."""
        assert 1 == main(["explain", "binance", "2015"])
        assert "did you mean -2015?" in capsys.readouterr().out

    def test_help_names_exit_code_2(self, capsys):
        """explain -h documents every exit code."""
        assert 0 == main(["explain", "-h"])
        assert "2 for an unknown exchange" in " ".join(capsys.readouterr().out.split())


class TestFingerprint:
    def test_unset_variable_is_named(self, monkeypatch, capsys):
        """--env UNSET says which variable is unset."""
        monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)

        assert 2 == main(["fingerprint", "--env", "NO_SUCH_KEY_VAR"])
        assert "NO_SUCH_KEY_VAR is not set" in capsys.readouterr().err

    def test_terminal_prompt_does_not_echo(self, monkeypatch):
        """On a terminal the key is asked for without echo: it is never printed."""
        key = "interactive-key-" * 3
        runner = CliRunner()
        with runner.isolation(input=key + "\n") as (out, err, _):
            monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
            code = main(["fingerprint"])

        printed = out.getvalue().decode() + err.getvalue().decode()
        assert 0 == code
        assert ipwhitelist.fingerprint(key) in printed
        assert key not in printed


class TestMigrate:
    def test_unreachable_keeps_the_step_pending_and_prints_the_plan(self, down, tmp_path, capsys):
        """Exit 3; the plan and the list to paste are printed; nothing past 'add' is recorded."""
        registry = tmp_path / "r.toml"
        registry.write_text('allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n', "utf-8")

        code = main(
            ["migrate", "bybit", "--to", "127.0.0.2", "--no-egress", "--timeout", "1",
             "--config", down, "--registry", str(registry)]
        )  # fmt: skip

        out = capsys.readouterr().out
        assert 3 == code
        assert "Paste into the key's IP whitelist: 127.0.0.1,127.0.0.2" in out
        assert "[>] 1." in out
        assert 'step = "add"' in registry.read_text("utf-8")

    def test_done_line(self):
        """A finished migration ends with a line saying so."""
        status = ipwhitelist.MigrationStatus(
            exchange="bybit", label="main", old=("127.0.0.1",), new="127.0.0.2", step="done"
        )

        assert str(status).splitlines()[-1].startswith("Done:")


class TestProviders:
    @pytest.mark.parametrize("from_env", [False, True])
    def test_check_uses_the_given_providers(self, bybit, monkeypatch, capsys, from_env):
        """check --provider URL (or IPWHITELIST_PROVIDERS) asks that provider for the egress."""
        with FakeServer(default=lambda _r: Reply(body="8.8.8.8")) as provider:
            url = f"{provider.url}/ip"
            if from_env:
                monkeypatch.setenv("IPWHITELIST_PROVIDERS", url)
            args = [] if from_env else ["--provider", url]
            main(["check", "bybit", "--json", "--config", bybit[1], *args])

        assert ["8.8.8.8"] == json.loads(capsys.readouterr().out)["egress_ips"]


class TestConfigNames:
    def test_ccxt_names_are_accepted(self, tmp_path, capsys, monkeypatch):
        """passphrase, httpProxy: a bot's ccxt config works as it is."""
        monkeypatch.delenv("OKX_APIKEY", raising=False)
        config = tmp_path / "c.toml"
        config.write_text(
            '[exchanges.okx]\napiKey = "kkkkkkkkkkkkkkkkkkkk"\nsecret = "ssssssssssssssss"\n'
            f'passphrase = "pppppppp"\nhttpProxy = "http://127.0.0.1:{refused_port()}"\n'
            f'base_url = "http://127.0.0.1:{refused_port()}"\n',
            "utf-8",
        )

        code = main(["check", "okx", "--no-egress", "--timeout", "1", "--config", str(config)])

        captured = capsys.readouterr()
        assert 3 == code, captured.err
        assert "pppppppp" not in captured.out + captured.err

    def test_unknown_field_lists_the_known_ones(self, tmp_path, capsys):
        """An unknown field is named with the fields and aliases accepted."""
        config = tmp_path / "c.toml"
        config.write_text('[exchanges.okx]\napi_pass = "x"\n', "utf-8")

        assert 2 == main(["check", "okx", "--config", str(config)])
        err = capsys.readouterr().err
        assert "unknown field(s) api_pass" in err
        assert "passphrase" in err

    def test_registry_environment_spellings(self, tmp_path, capsys):
        """environment = "production" is prod; an unknown one lists what is accepted."""
        registry = tmp_path / "r.toml"
        registry.write_text('[okx.a]\nenvironment = "production"\nips = ["203.0.113.7"]\n', "utf-8")
        assert "prod" == ipwhitelist.Registry.load(registry).get("okx", "a").environment
        registry.write_text('[okx.a]\nenvironment = "qa"\nips = ["203.0.113.7"]\n', "utf-8")

        assert 2 == main(["paste", "okx", "a", "--registry", str(registry)])
        assert "production" in capsys.readouterr().err


class TestConsoles:
    @pytest.mark.parametrize("args", [("explain", "binance", "-2015"), ("demo",)])
    def test_cp1252_console(self, args):
        """On a cp1252 console the output degrades (USD?-M) instead of crashing."""
        done = _run(*args, env={"PYTHONIOENCODING": "cp1252"}, encoding="cp1252")

        assert 0 == done.returncode, done.stderr
        assert "Traceback" not in done.stderr
        assert "UnicodeEncodeError" not in done.stderr

    def test_demo_points_at_what_every_install_has(self, capsys):
        """The demo ends with commands, not a docs path a wheel does not have."""
        assert 0 == main(["demo", "--no-color"])
        out = capsys.readouterr().out
        assert "ipwhitelist explain" in out
        assert "docs/how-to" not in out


class TestReport:
    def test_incidents_by_structure_and_text_output(self, tmp_path, capsys):
        """Incident records are found without a logger name; traceback frames are not taken."""
        log = tmp_path / "bot.log"
        log.write_text(
            '  File "/site-packages/ipwhitelist/_client/guard.py", line 10, in call\n'
            "12:00:01 ERROR okx: the API key's IP whitelist does not allow the IP this request "
            "came from (confidence: confirmed)\n"
            "12:05:00 INFO okx: a signed call succeeded again; the incident (50110) is over\n",
            "utf-8",
        )

        assert 0 == main(["report", "--no-egress", "--log", str(log)])

        out = capsys.readouterr().out
        assert "incidents in the log: 2" in out
        assert "guard.py" not in out
        with pytest.raises(json.JSONDecodeError):
            json.loads(out)


def test_threads_left_running_are_ours_only():
    """No command leaves a thread behind in the caller (the CLI runs in-process in tests)."""
    before = set(threading.enumerate())
    main(["explain", "binance", "-2015"])

    assert set(threading.enumerate()) <= before | {threading.main_thread()}


def test_reference_mentions_every_error_kind():
    """docs/reference/cli.md documents every error kind the CLI emits."""
    text = (Path(__file__).parents[1] / "docs" / "reference" / "cli.md").read_text("utf-8")
    for kind in ("usage", "config", "network", "exchange", "internal"):
        assert f"`{kind}`" in text
