"""The pytest plugin: `def test_bot(fake_exchange): ...` works after `pip install ipwhitelist`."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from test_docs import python_blocks

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(pytester):
    def run(code, *args):
        # A bot's project, with pytest-asyncio installed beside us.
        pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
        pytester.makepyfile(test_bot=code)
        return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", *args)

    return run


def test_entry_point_is_declared_and_installed():
    """pyproject declares pytest11 = _ipwhitelist_pytest, the wheel ships it, and it is installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]

    assert {"ipwhitelist": "_ipwhitelist_pytest"} == project["project"]["entry-points"]["pytest11"]
    assert "_ipwhitelist_pytest.py" == wheel["force-include"]["src/_ipwhitelist_pytest.py"]
    assert ["_ipwhitelist_pytest"] == [
        e.value for e in entry_points(group="pytest11", name="ipwhitelist")
    ]


def test_bot_stops_on_ip_change(run):
    """The issue's example: the fixture is a running fake Binance, the egress lookup is off."""
    result = run(
        """
        import os

        import ipwhitelist
        import pytest


        def test_bot_stops_on_ip_change(fake_exchange, capture_rejections):
            exchange = ipwhitelist.wrap(fake_exchange.client())
            assert "off" == os.environ["IPWHITELIST_EGRESS"]
            assert fake_exchange.exchange_id == "binance"
            exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 40000)
            fake_exchange.change_ip()
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                exchange.fetch_balance()
            assert ["ip_not_whitelisted"] == capture_rejections.kinds
        """
    )

    result.assert_outcomes(passed=1)


def test_marker_and_indirect_parametrization_choose_the_exchange(run):
    result = run(
        """
        import pytest


        @pytest.mark.fake_exchange("okx", allowed_ips=["10.0.0.0/8"], balance={"USDT": "5"})
        def test_marker(fake_exchange):
            assert "okx" == fake_exchange.exchange_id
            assert ["10.0.0.0/8"] == fake_exchange.allowed_ips


        @pytest.mark.parametrize(
            "fake_exchange", ["bybit", {"exchange_id": "gate", "allowed_ips": []}], indirect=True
        )
        def test_indirect(fake_exchange):
            assert fake_exchange.exchange_id in {"bybit", "gate"}
        """,
        "--strict-markers",
    )

    result.assert_outcomes(passed=3)


def test_capture_rejections_restores_the_hooks(run):
    """The fixture leaves the hooks as it found them for the next test."""
    result = run(
        """
        import ipwhitelist

        BEFORE = ipwhitelist.get_on_rejection_hooks()


        def test_capture(capture_rejections):
            assert capture_rejections in ipwhitelist.get_on_rejection_hooks()


        def test_after():
            assert BEFORE == ipwhitelist.get_on_rejection_hooks()
        """
    )

    result.assert_outcomes(passed=2)


def test_plugin_can_be_turned_off(run):
    result = run("def test_x(fake_exchange):\n    pass\n", "-p", "no:ipwhitelist")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_exchange' not found*"])


HOW_TO = "how-to/test-your-bot.md"
#: An import of a private module: `from ipwhitelist._x import`, `import ipwhitelist._x`.
PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+ipwhitelist\._", re.MULTILINE)


def test_how_to_pytest_samples_pass(pytester):
    """The how-to's pytest samples pass under pytest, with the installed plugin's fixtures."""
    samples = [
        code for name, code in python_blocks() if name.startswith(HOW_TO) and "def test_" in code
    ]
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    for number, code in enumerate(samples):
        pytester.makepyfile(**{f"test_sample_{number}": code})

    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "--strict-markers")

    assert 2 == len(samples)
    result.assert_outcomes(passed=6)


def test_docs_and_examples_import_only_public_modules():
    """The tutorial, the how-tos and examples/ show what users may import: no ipwhitelist._*."""
    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
        for folder in ("docs", "examples")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".md", ".py"}
        for text in [path.read_text(encoding="utf-8")]
        for match in PRIVATE_IMPORT.finditer(text)
    ]

    assert [] == found


def test_the_scan_finds_a_private_import():
    assert PRIVATE_IMPORT.search("x = 1\n    from ipwhitelist._testing.fake import Reply\n")
    assert PRIVATE_IMPORT.search("import ipwhitelist._core")
    assert not PRIVATE_IMPORT.search("from ipwhitelist.testing import fake_exchange")
