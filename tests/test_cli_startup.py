"""The command line starts without ccxt for the commands that call no exchange (issue 20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import ccxt
import pytest

from ipwhitelist._core import ccxt_ids
from ipwhitelist._core.lineage import lineage_of_class
from test_cli_contract import refused_port

_PROBE = """
import json, sys
from ipwhitelist._cli.main import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"ccxt", "aiohttp", "requests"})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _modules_after(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> dict[str, object]:
    env = {**os.environ, "NO_COLOR": "1", "IPWHITELIST_EGRESS": "off", **(env or {})}
    done = subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        input=stdin,
        check=False,
    )
    result: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        (("--help",), "", 0),
        (("--version",), "", 0),
        (("explain", "binance", "-2015"), "", 0),
        (("explain", "binanceusdm", "-2015", "--json"), "", 0),
        (("explain", "okx", '{"code":"50110","msg":"Your IP 203.0.113.9 is not included"}'), "", 0),
        (("fingerprint",), "k" * 40 + "\n", 0),
        (("egress", "--provider", "http://127.0.0.1:9/ip", "--timeout", "0.5"), "", 3),
        (("audit", "--help"), "", 0),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) and v else None,
)
def test_commands_without_an_exchange_do_not_import_ccxt(args, stdin, code):
    """--help, --version, explain, fingerprint and egress run without loading ccxt."""
    found = _modules_after(*args, stdin=stdin)

    assert {"code": code, "heavy": []} == found


def test_commands_with_an_exchange_still_load_it(tmp_path):
    """audit loads ccxt when it calls the exchange (here one that refuses connections: exit 3)."""
    config = tmp_path / "c.toml"
    config.write_text(f'[exchanges.bybit]\nbase_url = "http://127.0.0.1:{refused_port()}"\n')
    env = {"BYBIT_APIKEY": "k" * 18, "BYBIT_SECRET": "s" * 36}

    found = _modules_after("audit", "bybit", "--no-egress", f"--config={config}", env=env)

    assert {"code": 3, "heavy": ["ccxt", "requests"]} == found


def test_ids_read_from_source_are_ccxts_own():
    """The ids read from ccxt's source are `ccxt.exchanges`, in order."""
    assert ccxt.exchanges == ccxt_ids._ids_from_source()


def test_lineages_read_from_source_are_the_classes_own():
    """For every ccxt id, the lineage read from source is the one its class's MRO gives."""
    for exchange in ccxt.exchanges:
        assert lineage_of_class(getattr(ccxt, exchange)) == ccxt_ids.source_lineage(exchange)


def test_unknown_ids_have_no_source_lineage():
    """An id ccxt does not have gives an empty lineage (the caller falls back on the id)."""
    assert () == ccxt_ids.source_lineage("nosuchexchange")
