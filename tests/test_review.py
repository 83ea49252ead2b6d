"""Seams between merged features, found by the hostile review (helpers/review.md)."""

from __future__ import annotations

import json
import logging

import pytest

from ipwhitelist._cli.main import main


class TestDoctorWorstOutcome:
    @pytest.fixture
    def refused_and_unreachable(self, tmp_path, monkeypatch):
        """Bybit refuses this host's IP; OKX cannot be reached."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        state = FakeKeyState(allowed_ips=["203.0.113.7"])
        with fake_exchange("bybit", state) as fake:
            config = tmp_path / "config.toml"
            config.write_text(
                f'[exchanges.bybit]\nbase_url = "{fake.url}"\n'
                '[exchanges.okx]\nbase_url = "http://127.0.0.1:9"\n',
                "utf-8",
            )
            monkeypatch.setenv("BYBIT_APIKEY", state.api_key)
            monkeypatch.setenv("BYBIT_SECRET", state.secret)
            monkeypatch.setenv("OKX_APIKEY", "k" * 36)
            monkeypatch.setenv("OKX_SECRET", "s" * 32)
            monkeypatch.setenv("OKX_PASSWORD", "p" * 10)
            yield str(config)

    def test_a_problem_is_not_hidden_by_an_unreachable_exchange(
        self, refused_and_unreachable, capsys
    ):
        """R1: one key refused (problem) + one exchange unreachable: exit 1 and "problem", not 3."""
        args = ["doctor", "--no-egress", "--timeout", "2", "--config", refused_and_unreachable]

        code = main([*args, "--json"])

        data = json.loads(capsys.readouterr().out)
        verdicts = {k["exchange"]: k["verdict"] for k in data["keys"]}
        assert {"bybit": "PROBLEM", "okx": "UNVERIFIED"} == verdicts
        assert (1, "problem", False) == (code, data["verdict"], data["ok"])
        assert 1 == main(args)


class TestPublicExceptionsPickle:
    def test_registry_error_survives_pickling(self):
        """R2: a RegistryError crosses a process boundary (ProcessPoolExecutor) intact."""
        import pickle

        import ipwhitelist

        with pytest.raises(ipwhitelist.RegistryError) as caught:
            ipwhitelist.Registry.loads('[binance.main]\nips = ["nonsense"]\n')

        copy = pickle.loads(pickle.dumps(caught.value))

        assert type(copy) is ipwhitelist.RegistryError
        assert str(caught.value) == str(copy)
        got = (copy.path, copy.line, copy.table, copy.reason)
        want = (caught.value.path, caught.value.line, caught.value.table, caught.value.reason)
        assert want == got


class TestCliUsageErrors:
    @pytest.mark.parametrize("provider", ["ftp://198.51.100.1/ip", "notaurl", "https://"])
    def test_an_invalid_provider_is_a_usage_error(self, provider, capsys):
        """R3: --provider that is no http(s) URL: exit 2 (usage), not 3 (network), no lookup."""
        code = main(["egress", "--json", "--provider", provider])

        data = json.loads(capsys.readouterr().out)
        assert (2, "ipwhitelist.error/1") == (code, data["schema"])
        assert "--provider" in data["error"]["message"]

    def test_an_invalid_provider_is_a_usage_error_for_doctor_too(self, capsys, monkeypatch):
        """R3: the same check where --provider feeds the library's egress= (doctor, check)."""
        monkeypatch.setenv("BYBIT_APIKEY", "k" * 18)
        monkeypatch.setenv("BYBIT_SECRET", "s" * 36)

        code = main(["check", "bybit", "--json", "--provider", "ftp://198.51.100.1/ip"])

        data = json.loads(capsys.readouterr().out)
        assert (2, "ipwhitelist.error/1") == (code, data["schema"])

    def test_the_proxy_usage_message_is_not_mangled_by_redaction(self, capsys):
        """R4: the --proxy message shows the expected form, not 'scheme://***@]host'."""
        code = main(["egress", "--proxy", "notaurl"])

        err = capsys.readouterr().err
        assert 2 == code
        assert "***" not in err
        assert "scheme://host:port" in err


class TestTestingPerKey:
    def test_two_fakes_are_two_keys_and_the_capture_says_which_recovered(self, caplog):
        """R5: two fakes of one exchange hold two keys; key A's recovery names A, B stays open."""
        import ipwhitelist
        from ipwhitelist.testing import capture_rejections, fake_exchange

        caplog.set_level(logging.INFO, logger="ipwhitelist")
        with (
            fake_exchange("binance") as fake_a,
            fake_exchange("binance") as fake_b,
            capture_rejections(keep_hooks=False) as rejections,
        ):
            ipwhitelist.set_on_rejection_hooks(
                [*ipwhitelist.get_on_rejection_hooks(), ipwhitelist.IncidentLog()]
            )
            a = ipwhitelist.wrap(fake_a.client(), egress=fake_a.egress)
            b = ipwhitelist.wrap(fake_b.client(), egress=fake_b.egress)
            for fake in (fake_a, fake_b):
                fake.change_ip("198.51.100.23")
            for client in (a, b):
                with pytest.raises(ipwhitelist.IPNotWhitelisted):
                    client.fetch_balance()
            fake_a.restore()
            a.fetch_balance()
            over_after_a = [r for r in caplog.records if "is over" in r.getMessage()]
            fake_b.restore()
            b.fetch_balance()

        keys = [d.key_fingerprint for d in rejections]
        assert keys[0] != keys[1]
        assert [ipwhitelist.fingerprint(fake_a.credentials["apiKey"])] == [keys[0]]
        assert ["binance", "binance"] == rejections.recoveries
        assert keys == rejections.recovered_keys
        # Key A working again closed A's incident only; B's closed when B worked.
        assert [keys[0]] == [r.ipwhitelist_incident[4] for r in over_after_a]
        over = [r for r in caplog.records if "is over" in r.getMessage()]
        assert keys == [r.ipwhitelist_incident[4] for r in over]


class TestHelpTexts:
    def test_check_help_states_the_exit_codes_check_gives(self, capsys):
        """R6: an undocumented key is no failure (exit 0), and 3 is also "restriction unproven"."""
        assert 0 == main(["check", "--help"])

        text = " ".join(capsys.readouterr().out.split())
        assert "not documented" not in text
        assert "not on the documented whitelist" in text
        assert "nothing proved other IPs are refused" in text


class TestNoContradictoryHints:
    def test_the_demo_does_not_call_the_ip_it_tells_you_to_whitelist_a_proxys(self):
        """R7: where the setup says loopback/private addresses are real sources, no hint says not."""
        import io

        from ipwhitelist._cli.demo import run

        out = io.StringIO()
        assert 0 == run(out, color=False)

        text = out.getvalue()
        assert "Add 127.0.0.2 to the key's whitelist" in text
        assert "no request comes from" not in text

    @pytest.mark.parametrize("documented", [["127.0.0.1"], None])
    def test_private_address_hint_only_when_private_addresses_are_no_sources(self, documented):
        """R7: whitelist holds a loopback address: it is a source, no private_address hint."""
        import ccxt

        import ipwhitelist
        from ipwhitelist.testing import FakeServer, Reply, point_at

        def account(request):
            msg = "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.2"
            return Reply.json({"code": -2015, "msg": msg}, status=401)

        with FakeServer(routes={("GET", "/fapi/v2/account"): account}) as fake:
            client = ccxt.binanceusdm({"apiKey": "k" * 20, "secret": "s" * 20})
            point_at(client, fake.url)
            exchange = ipwhitelist.wrap(client, egress=False, whitelist=documented)
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as caught:
                exchange.fapiPrivateV2GetAccount()

        diagnosis = caught.value.diagnosis
        names = {h.name for h in diagnosis.hints}
        if documented:  # a lab: 127.0.0.2 is what the exchange saw, and the hint would contradict
            assert "127.0.0.2" == str(diagnosis.reported_ip)
            assert "private_address" not in names
        else:  # the internet: a loopback address is a forwarded one
            assert diagnosis.reported_ip is None
            assert "private_address" in names


def test_the_tutorial_shows_what_the_demo_prints():
    """R7: docs/tutorial.md's recorded demo output is the demo's output (ports aside)."""
    import io
    import re
    from pathlib import Path

    from ipwhitelist._cli.demo import run

    out = io.StringIO()
    assert 0 == run(out, color=False)
    tutorial = (Path(__file__).parent.parent / "docs" / "tutorial.md").read_text("utf-8")
    recorded = tutorial.split("ports vary):\n\n```text\n", 1)[1].split("```", 1)[0]

    def ports(text):
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text).strip()

    assert ports(recorded) == ports(out.getvalue())


def test_doctor_says_what_to_do_for_an_unrestricted_key(tmp_path, monkeypatch, capsys):
    """R8: the "what to do" of an unrestricted key is the audit's fix, not the failure restated."""
    from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

    state = FakeKeyState(allowed_ips=[])  # no IP restriction
    with fake_exchange("bybit", state) as fake:
        config = tmp_path / "config.toml"
        config.write_text(f'[exchanges.bybit]\nbase_url = "{fake.url}"\n', "utf-8")
        monkeypatch.setenv("BYBIT_APIKEY", state.api_key)
        monkeypatch.setenv("BYBIT_SECRET", state.secret)
        code = main(["doctor", "--json", "--no-egress", "--config", str(config)])

    key = json.loads(capsys.readouterr().out)["keys"][0]
    assert (1, "PROBLEM") == (code, key["verdict"])
    assert key["fix"].startswith("On Bybit's API management page, restrict the key")


class TestExplainReadsWhatItIsGiven:
    @pytest.mark.parametrize(
        ("exchange", "body"),
        [
            ("binance", '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'),
            (
                "okx",
                '{"code":"50110","msg":"Your IP 203.0.113.9 is not included in the whitelist"}',
            ),
        ],
    )
    def test_a_json_body_is_not_read_as_an_sdk_text(self, exchange, body, capsys):
        """R9: a raw JSON error body is no "python-okx error" (least of all Binance's)."""
        code = main(["explain", exchange, body, "--json"])

        data = json.loads(capsys.readouterr().out)
        assert (0, True) == (code, data["ip_rejection"])
        assert data["sdk"] is None

    def test_a_python_okx_dict_is_still_read_as_one(self, capsys):
        """R9: what python-okx returns (a dict as Python prints it) keeps its reading."""
        text = "{'code': '50110', 'msg': 'Your IP 203.0.113.9 is not included in the whitelist'}"
        code = main(["explain", "okx", text, "--json"])

        data = json.loads(capsys.readouterr().out)
        assert (0, "python-okx") == (code, data["sdk"])

    def test_a_private_address_is_not_the_ip_the_exchange_saw(self, capsys):
        """R10: explain, like a diagnosis, never calls a private/loopback address the one it saw."""
        body = '{"code":-2015,"msg":"Invalid API-key, IP, or permissions, request ip: 10.0.0.5"}'

        assert 0 == main(["explain", "binanceusdm", body, "--json"])
        assert json.loads(capsys.readouterr().out)["reported_ip"] is None
        assert 0 == main(["explain", "binanceusdm", body])
        text = capsys.readouterr().out
        assert "IP it saw" not in text
        assert "10.0.0.5" in text
        assert "forwarded" in text

    def test_a_public_address_is_the_ip_the_exchange_saw(self, capsys):
        """R10: a public address the exchange names stays the one it saw."""
        body = '{"code":-2015,"msg":"Invalid API-key, IP, or permissions, request ip: 203.0.113.9"}'

        assert 0 == main(["explain", "binanceusdm", body, "--json"])
        assert "203.0.113.9" == json.loads(capsys.readouterr().out)["reported_ip"]


def test_the_incident_log_names_the_key(caplog):
    """R11: two keys on one exchange are two incidents: their log lines say which key."""
    import ipwhitelist
    from ipwhitelist.testing import capture_rejections, fake_exchange

    caplog.set_level(logging.INFO, logger="ipwhitelist")
    with (
        fake_exchange("binance") as fake_a,
        fake_exchange("binance") as fake_b,
        capture_rejections(keep_hooks=False),
    ):
        ipwhitelist.set_on_rejection_hooks(
            [*ipwhitelist.get_on_rejection_hooks(), ipwhitelist.IncidentLog()]
        )
        clients = [ipwhitelist.wrap(f.client(), egress=f.egress) for f in (fake_a, fake_b)]
        for fake, client in zip((fake_a, fake_b), clients, strict=True):
            fake.change_ip("198.51.100.23")
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                client.fetch_balance()
        fake_a.restore()
        clients[0].fetch_balance()

    key_a, key_b = (ipwhitelist.fingerprint(f.credentials["apiKey"]) for f in (fake_a, fake_b))
    messages = [r.getMessage() for r in caplog.records if r.name == "ipwhitelist"]
    assert key_a in messages[0]
    assert key_b in messages[1]
    assert key_a in messages[2]
    assert "is over" in messages[2]
    assert key_b not in messages[2]


@pytest.mark.parametrize("text", ["¹", "²³", " ¹ ", "1²"])
def test_superscript_digits_are_no_time(text):
    """R12: str.isdigit() admits '¹', int() does not: an exchange's '¹' is an unknown time."""
    from ipwhitelist._core.keyfacts import from_iso, from_ms

    assert from_iso(text) is None
    assert from_ms(text) is None


def test_explain_with_superscript_digits_is_no_internal_error(capsys):
    """R12: `explain binance ¹²³` is an unknown code (exit 1), not an internal error (exit 3)."""
    assert 1 == main(["explain", "binance", "¹²³", "--json"])
    assert json.loads(capsys.readouterr().out)["ip_rejection"] is False
