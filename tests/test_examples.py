"""The runnable examples under examples/ work offline, as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run(name):
    return subprocess.run(  # noqa: S603 - our own example scripts
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_plain_bot_stops_and_alerts_once():
    """The sync bot trades, loses its IP, stops without retrying, and alerts once."""
    done = run("plain_bot.py")

    assert 0 == done.returncode, done.stderr
    assert "tick 2: balance" in done.stdout
    assert "tick 3: trading stopped" in done.stdout
    assert "tick 4" not in done.stdout
    assert "alerts sent: 1" in done.stdout
    assert 1 == done.stderr.count("ERROR ipwhitelist")


@pytest.mark.parametrize("name", ["async_bot.py"])
def test_async_bot_all_strategies_stop_one_log_record(name):
    """20 concurrent strategies all stop on the typed exception; the incident is logged once."""
    done = run(name)

    assert 0 == done.returncode, done.stderr
    assert "20 of 20 strategies stopped" in done.stdout
    assert 1 == done.stderr.count("ERROR ipwhitelist")
