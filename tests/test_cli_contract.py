"""
The command line keeps its contract, for every command and every kind of input.

One table drives every command x {valid, missing, malformed, hostile,
unreachable exchange} x {text, --json} through click's CliRunner (the same
`main()` the console script runs), and a few cases again as a real
subprocess. Every run must: exit with the documented code, print exactly one
JSON object on stdout with ``--json`` (the error object on errors), never a
traceback, never a secret, never a control character.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from click.testing import CliRunner

from ipwhitelist._cli.main import cli, main
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange
from ipwhitelist._testing.fake import FakeServer, Reply
from test_cli import documented_keys

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

PROXY_PASSWORD = "hunter2-proxy-pw"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HOSTILE = "\x1b[2J\x1b]0;owned\x07\r\x08"
_ERROR_KINDS = {"usage", "config", "network", "exchange", "internal"}


def refused_port() -> int:
    """A loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@attrs.frozen
class World:
    """The files, fakes and credentials the table's rows refer to by placeholder."""

    paths: Mapping[str, str]
    env: Mapping[str, str]
    secrets: tuple[str, ...]

    def fill(self, args: tuple[str, ...], *, as_json: bool = False) -> list[str]:
        """The row's arguments with the placeholders filled, and --json after the command."""
        filled = [a.format(**self.paths) for a in args]
        if as_json:
            filled.insert(1 if filled and not filled[0].startswith("-") else len(filled), "--json")
        return filled

    def environ(self, row_env: Mapping[str, str]) -> dict[str, str]:
        return {**self.env, **{k: v.format(**self.paths) for k, v in row_env.items()}}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("contract")
    state = FakeKeyState(allowed_ips=["127.0.0.1"])
    secrets = (state.api_key, state.secret, state.password, PROXY_PASSWORD)

    def echo_secrets(_request: Any) -> Reply:
        # An exchange that echoes the key and the secret back, with terminal escapes.
        message = f"invalid key {state.api_key}{_HOSTILE} secret {state.secret}"
        return Reply.json({"retCode": 10003, "retMsg": message, "result": {}})

    with (
        fake_exchange("bybit", state) as fake,
        FakeServer(default=echo_secrets) as hostile,
        FakeServer(default=lambda _r: Reply(body="8.8.8.8")) as provider,
    ):
        files = {
            "config": f'[exchanges.bybit]\nbase_url = "{fake.url}"\n',
            "hostile_config": f'[exchanges.bybit]\nbase_url = "{hostile.url}"\n',
            "down_config": f'[exchanges.bybit]\nbase_url = "http://127.0.0.1:{refused_port()}"\n',
            "registry": 'allow_private = true\n[bybit.main]\nips = ["127.0.0.1"]\n',
            "public_registry": '[bybit.main]\nips = ["203.0.113.7"]\n',
            "nested": "a = " + "[" * 5000 + "]" * 5000 + "\n",
            "bad_toml": "[exchanges.bybit\n",
            "log": f"2026-12-01 ERROR {state.api_key} rejected{_HOSTILE}\n",
        }
        paths = {}
        for name, text in files.items():
            path = tmp / f"{name}.toml"
            path.write_text(text, "utf-8")
            paths[name] = str(path)
        paths["provider"] = f"{provider.url}/ip"
        paths["down"] = f"http://127.0.0.1:{refused_port()}"
        paths["proxy_pw"] = PROXY_PASSWORD
        env = {"BYBIT_APIKEY": state.api_key, "BYBIT_SECRET": state.secret}
        yield World(paths=paths, env=env, secrets=secrets)


@attrs.frozen
class Row:
    """One command with one kind of input, and the exit code the reference promises."""

    command: str
    case: str
    args: tuple[str, ...]
    exit_code: int
    env: Mapping[str, str] = attrs.field(factory=dict)
    stdin: str | None = None
    json: bool = True  # whether the --json run applies (not to --help)

    @property
    def id(self) -> str:
        return f"{self.command}-{self.case}"


_C = "--config={config}"
_R = "--registry={registry}"
_NO = "--no-egress"
_DOWN = "--config={down_config}"
_HOST = "--config={hostile_config}"

TABLE = (
    # The group itself.
    Row("ipwhitelist", "valid", ("--help",), 0, json=False),
    Row("ipwhitelist", "version", ("--version",), 0, json=False),
    Row("ipwhitelist", "missing", (), 2),
    Row("ipwhitelist", "malformed", ("frobnicate",), 2),
    Row("ipwhitelist", "hostile", (f"frob{_HOSTILE}",), 2),
    # demo
    Row("demo", "valid", ("demo", "--no-color"), 0),
    Row("demo", "malformed", ("demo", "--colour"), 2),
    # egress
    Row("egress", "valid", ("egress", "--provider={provider}", "--timeout=2"), 0),
    Row("egress", "missing", ("egress", "--provider"), 2),
    Row("egress", "malformed", ("egress", "--timeout=soon"), 2),
    Row("egress", "hostile", ("egress", "--proxy=http://u:{proxy_pw}@[::1"), 2),
    Row("egress", "unreachable", ("egress", "--provider={down}/ip", "--timeout=1"), 3),
    # explain
    Row("explain", "valid", ("explain", "binance", "-2015"), 0),
    Row("explain", "missing", ("explain", "binance"), 2),
    Row("explain", "malformed", ("explain", "binanse", "-2015"), 2),
    Row("explain", "hostile", ("explain", "binance", f"-1021{_HOSTILE}"), 1),
    Row(
        "explain",
        "unreachable",
        ("explain", "bybit", "10010"),
        0,
        env={"IPWHITELIST_CONFIG": "{down_config}"},
    ),
    # audit
    Row("audit", "valid", ("audit", "bybit", _C, _NO), 0),
    Row("audit", "missing", ("audit",), 2),
    Row("audit", "malformed", ("audit", "bybit", "--config={nested}", _NO), 2),
    Row("audit", "hostile", ("audit", "bybit", _HOST, _NO), 1),
    Row("audit", "unreachable", ("audit", "bybit", _DOWN, _NO, "--timeout=1"), 3),
    # check
    Row("check", "valid", ("check", "bybit", _C, _R, _NO), 0),
    Row("check", "missing", ("check", "bybit", _C, _NO), 2, env={"BYBIT_SECRET": ""}),
    Row("check", "malformed", ("check", "bybit", "--config={bad_toml}", _NO), 2),
    Row("check", "hostile", ("check", "bybit", _HOST, _NO), 1),
    Row("check", "unreachable", ("check", "bybit", _DOWN, _NO, "--timeout=1"), 3),
    # migrate
    Row("migrate", "valid", ("migrate", "bybit", "--to=127.0.0.2", _C, _R, _NO), 1),
    Row("migrate", "missing", ("migrate", "bybit", "--to=127.0.0.2", _C, _NO), 2),
    Row(
        "migrate",
        "malformed",
        ("migrate", "bybit", "--to=10.0.0.1", _C, "--registry={public_registry}", _NO),
        2,
    ),
    Row("migrate", "hostile", ("migrate", "bybit", f"--to=1.2.3.4{_HOSTILE}", _C, _R, _NO), 2),
    Row(
        "migrate",
        "unreachable",
        ("migrate", "bybit", "--to=127.0.0.2", _DOWN, _R, _NO, "--timeout=1"),
        3,
    ),
    # doctor
    Row("doctor", "valid", ("doctor", _C, _NO), 0),
    Row("doctor", "missing", ("doctor", _NO), 2, env={"BYBIT_APIKEY": ""}),
    Row("doctor", "malformed", ("doctor", "--config={nested}", _NO), 2),
    Row("doctor", "hostile", ("doctor", _HOST, _NO), 1),
    Row("doctor", "unreachable", ("doctor", _DOWN, _NO, "--timeout=1"), 3),
    # report
    Row("report", "valid", ("report", _R, _NO, "--log={log}"), 0),
    Row("report", "missing", ("report", "--log"), 2),
    Row("report", "malformed", ("report", "--registry={bad_toml}", _NO), 2),
    Row("report", "hostile", ("report", _NO, "--log=/dev/zero"), 2),
    Row("report", "unreachable", ("report", _DOWN, _NO), 0),
    # paste
    Row("paste", "valid", ("paste", "bybit", "main", _R), 0),
    Row("paste", "missing", ("paste",), 2),
    Row("paste", "malformed", ("paste", "bybitt", _R), 2),
    Row("paste", "hostile", ("paste", "bybit", f"main{_HOSTILE}", _R), 2),
    Row("paste", "unreachable", ("paste", "bybit", "main", _R, _DOWN), 0),
    # fingerprint
    Row("fingerprint", "valid", ("fingerprint",), 0, stdin="k" * 40 + "\n"),
    Row("fingerprint", "missing", ("fingerprint",), 2, stdin=""),
    Row("fingerprint", "malformed", ("fingerprint", "--env"), 2),
    Row("fingerprint", "hostile", ("fingerprint", f"--env=UNSET{_HOSTILE}"), 2),
)

CASES = [
    pytest.param(row, as_json, id=f"{row.id}-{'json' if as_json else 'text'}")
    for row in TABLE
    for as_json in (False, True)
    if row.json or not as_json
]


def run(world: World, row: Row, *, as_json: bool) -> tuple[int, str, str]:
    """Run one row through CliRunner's isolated streams and environment."""
    args = world.fill(row.args, as_json=as_json)
    env: dict[str, str | None] = {
        "NO_COLOR": "1",
        "IPWHITELIST_CONFIG": None,
        "IPWHITELIST_REGISTRY": None,
        "IPWHITELIST_NOTIFY": None,
        **world.environ(row.env),
    }
    # Credentials of other exchanges in the developer's environment stay out.
    for name in os.environ:
        if name.endswith(("_APIKEY", "_API_KEY", "_SECRET")) and name not in env:
            env[name] = None
    runner = CliRunner()
    with runner.isolation(input=row.stdin, env=env) as (out, err, _mixed):
        code = main(args)
    return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "replace")


def check_contract(world: World, row: Row, code: int, out: str, err: str, *, as_json: bool) -> None:
    both = out + err
    assert row.exit_code == code, both
    assert "Traceback" not in both
    for secret in world.secrets:
        assert secret not in both
    assert not _CONTROL.search(both), both
    if not as_json:
        return
    data = json.loads(out)  # exactly one object: anything else is a decode error
    assert isinstance(data, dict)
    assert re.fullmatch(r"ipwhitelist\.\w+/1", data["schema"])
    if code == 2:
        assert "ipwhitelist.error/1" == data["schema"]
        assert data["ok"] is False
        assert data["error"]["kind"] in {"usage", "config"}
        assert data["error"]["message"]
    if data["schema"] == "ipwhitelist.error/1":
        assert data["error"]["kind"] in _ERROR_KINDS
        assert set(data["error"]) == {"kind", "message"}
    # docs/reference/cli.md names every top-level member of every object printed.
    if "rejection" not in data:
        assert documented_keys(data["schema"].split(".")[1][:-2]) == set(data)


@pytest.mark.parametrize(("row", "as_json"), CASES)
def test_contract(world: World, row: Row, as_json: bool) -> None:
    """Every command x input kind x output mode keeps the documented contract."""
    code, out, err = run(world, row, as_json=as_json)

    check_contract(world, row, code, out, err, as_json=as_json)


def test_every_command_is_in_the_table() -> None:
    """A new command cannot skip the contract: the table has each one, with each input kind."""
    rows = {(r.command, r.case) for r in TABLE}
    for name in cli.commands:
        assert (name, "valid") in rows, name
        assert (name, "malformed") in rows, name


def test_every_command_documents_its_json() -> None:
    """The reference gives each command's JSON object (and the error object) member by member."""
    for name in [*cli.commands, "error"]:
        assert documented_keys(name), name
        assert "schema" in documented_keys(name), name


_SUBPROCESS = ("ipwhitelist-hostile", "explain-valid", "check-unreachable", "paste-malformed")


@pytest.mark.parametrize("row", [r for r in TABLE if r.id in _SUBPROCESS], ids=lambda r: r.id)
def test_contract_in_a_real_process(world: World, row: Row) -> None:
    """The console entry point keeps the same contract, --json included."""
    base = {
        k: v for k, v in os.environ.items() if not k.endswith(("_APIKEY", "_SECRET", "_API_KEY"))
    }
    for as_json in (False, True):
        done = subprocess.run(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "ipwhitelist", *world.fill(row.args, as_json=as_json)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**base, "NO_COLOR": "1", **world.environ(row.env)},
            input=row.stdin,
            check=False,
            cwd=Path(__file__).parent,
        )
        check_contract(world, row, done.returncode, done.stdout, done.stderr, as_json=as_json)
