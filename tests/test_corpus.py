"""
Replay the corpus of real exchange responses through real ccxt clients and wrap().

Each entry of ``tests/data/corpus/<exchange>.json`` is a response an exchange
sent (or documents), with its source. IP rejections must come out typed with the right
kind; near-misses must come out exactly as unwrapped ccxt raises them.
"""

from __future__ import annotations

import collections
import importlib
import json
import pkgutil
import re
from pathlib import Path

import ccxt
import pytest

import ipwhitelist
import ipwhitelist._exchanges as _rules
import replay
from ccxt_versions import OLDEST, RECORDED, VERSION, expected_missing, version_text
from helpers import replay_at_ban_time
from ipwhitelist._core.lineage import lineage_of_id

CORPUS = [
    entry
    for path in sorted((Path(__file__).parent / "data" / "corpus").glob("*.json"))
    for entry in json.loads(path.read_text("utf-8"))
]
# An older ccxt (make compat) may lack an exchange added later: its entries
# cannot be replayed there, and must not fail.
REPLAYED = [entry for entry in CORPUS if entry["exchange"] in ccxt.exchanges]
# The ccxt classes an entry records: "ccxt_raises" is what ccxt 4.5.90 (and,
# for an exchange it no longer ships, 4.4.87) raises; "ccxt_raises_with" maps
# an older tested release to what it raises instead, where that differs (an
# exception map that lacked the code, or mapped it to another class). So on
# both releases make compat tests, a ccxt change shows up here rather than as
# a silent change in what users catch. A release between the two is not
# described, and only ipwhitelist's own contract is checked there.
KNOWN = VERSION == OLDEST or VERSION >= RECORDED
MISSING_EXCHANGES = sorted({e["exchange"] for e in CORPUS} - set(ccxt.exchanges))
KINDS = {
    "ip_not_whitelisted": ipwhitelist.IPNotWhitelisted,
    "ip_banned": ipwhitelist.IPBanned,
    "geo_restricted": ipwhitelist.GeoRestricted,
}


def _case(entry):
    return replay.Case(
        exchange=entry["exchange"],
        url=entry["url"],
        method=entry.get("method", "GET"),
        http_status=entry["http_status"],
        body=entry["body"],
    )


def test_corpus_is_sourced_and_large_enough():
    """Every entry has a source URL, a known exchange and a valid expectation."""
    for entry in CORPUS:
        assert entry["source"].startswith("http"), entry["id"]
        assert re.fullmatch(r"[a-z0-9]+", entry["exchange"]), entry["id"]
        assert entry["expect"] in (None, *KINDS), entry["id"]
        for release, raised in entry.get("ccxt_raises_with", {}).items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", release), entry["id"]
            assert raised != entry["ccxt_raises"], entry["id"]
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    assert len(CORPUS) >= 450


def test_every_exchange_with_a_rule_module_is_in_the_corpus():
    """Each rule module's exchange has its IP rejections and at least 3 near-misses replayed."""
    by_family = collections.defaultdict(list)
    for entry in CORPUS:
        for family in lineage_of_id(entry["exchange"]):
            by_family[family].append(entry)
    modules = {
        info.name: importlib.import_module(f"{_rules.__name__}.{info.name}")
        for info in pkgutil.iter_modules(_rules.__path__)
        if info.name != "generic"
    }
    # Exchange modules with whitelist facts only (no RULES) have nothing to replay.
    modules = {name: module for name, module in modules.items() if hasattr(module, "RULES")}
    beyond_big_three = set(modules) - {"binance", "bybit", "okx"}

    assert len(beyond_big_three) >= 40
    for name, module in modules.items():
        rules_here = [
            r
            for r in ipwhitelist.rules()
            if r.exchange != "*" and name in lineage_of_id(r.exchange)
        ]
        entries = by_family[name]
        near_misses = [e for e in entries if e["expect"] is None]
        assert len(near_misses) >= 3, name
        kinds = {r.kind for r in rules_here}
        assert kinds <= {e["expect"] for e in entries}, name
        if getattr(module, "DIALECTS", None):
            # A dialect's rules must be shown to fire on this exchange too.
            assert any(e["expect"] for e in entries), name


def _ccxt_raises(entry):
    """The name of the class the installed ccxt (unwrapped) raises for *entry*, or None."""
    expected, _ = replay.sync(_case(entry))
    return type(expected).__name__ if expected is not None else None


def recorded_raise(entry):
    """The class name the corpus records for *entry* on the installed ccxt release."""
    return entry.get("ccxt_raises_with", {}).get(version_text(), entry["ccxt_raises"])


def test_ccxt_raises_as_recorded():
    """ccxt lacks exactly the documented exchanges and raises the class each entry records."""
    missing = expected_missing({e["exchange"] for e in CORPUS})
    if not KNOWN or missing is None:
        pytest.skip(
            f"the corpus records ccxt {version_text(OLDEST)} and {version_text(RECORDED)} "
            f"and later (the releases make compat tests), not ccxt {ccxt.__version__}"
        )
    different = [
        f"{e['id']}: {recorded_raise(e)} -> {raised}"
        for e in REPLAYED
        if (raised := _ccxt_raises(e)) != recorded_raise(e)
    ]

    assert (sorted(missing), []) == (MISSING_EXCHANGES, different)


@pytest.mark.parametrize("entry", REPLAYED, ids=[e["id"] for e in REPLAYED])
def test_sync_replay(entry, monkeypatch):
    """Real ccxt (sync, real URLs via a session adapter): typed exactly when expected."""
    replay_at_ban_time(monkeypatch, entry.get("banned_until_ms"))
    expected, actual = replay.sync(_case(entry))

    # The corpus records what ccxt itself raises, so a ccxt upgrade that changes
    # it shows up here rather than as a silent change in what users catch.
    if KNOWN:
        assert recorded_raise(entry) == (type(expected).__name__ if expected else None), entry["id"]
    if entry["expect"] is None:
        assert not isinstance(actual, ipwhitelist.IPRejection)
        assert (type(expected), str(expected)) == (type(actual), str(actual))
        return
    assert isinstance(actual, KINDS[entry["expect"]]), (entry["id"], actual)
    assert type(actual.original) is type(expected)
    assert str(actual.original) == str(expected)
    d = actual.diagnosis
    assert (entry.get("reported_ip") or None) == (str(d.reported_ip) if d.reported_ip else None)
    if entry.get("banned_until_ms"):
        assert d.banned_until is not None
        assert entry["banned_until_ms"] == round(d.banned_until.timestamp() * 1000)


@pytest.mark.asyncio
async def test_async_replay_all():
    """Real ccxt.async_support over loopback HTTP: the same kinds for every entry."""
    kinds = await replay.kinds_async([_case(entry) for entry in REPLAYED])
    mismatches = [
        (entry["id"], entry["expect"], got)
        for entry, got in zip(REPLAYED, kinds, strict=True)
        if got != entry["expect"]
    ]

    assert [] == mismatches


def test_report_counts(capsys):
    """Print the corpus counts by exchange family and kind (for the issue note)."""
    counts = collections.Counter((e["exchange"], e["expect"]) for e in CORPUS)
    with capsys.disabled():
        print("\ncorpus:", len(CORPUS), "responses,", len(REPLAYED), "replayed on this ccxt")
        for (exchange, kind), n in sorted(counts.items(), key=str):
            print(f"  {exchange:14} {kind!s:20} {n}")
