"""
Replay the corpus of real exchange responses through real ccxt clients and wrap().

Each entry of ``tests/data/corpus/<exchange>.json`` is a response an exchange
sent (or documents), with its source. IP rejections must come out typed with the right
kind; near-misses must come out exactly as unwrapped ccxt raises them.
"""

from __future__ import annotations

import collections
import json
import pkgutil
from pathlib import Path

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from ccxt_versions import VERSION
from helpers import CREDENTIALS, CannedAdapter, mount
from ipwhitelist import _rules
from ipwhitelist._fake import FakeServer, Reply, point_at
from ipwhitelist._families import families_of_id

CORPUS = [
    entry
    for path in sorted((Path(__file__).parent / "data" / "corpus").glob("*.json"))
    for entry in json.loads(path.read_text("utf-8"))
]
# The ccxt release whose exception classes the entries' "ccxt_raises" record.
# On it and newer ones they are asserted, so a ccxt change shows up here. Older
# supported releases (make compat) lack some exchanges and some map codes to
# other classes; there each replay still checks ipwhitelist's own contract, and
# test_ccxt_raises_as_recorded reports ccxt's differences in its skip reason.
CCXT_RAISES_RECORDED_WITH = (4, 5, 90)
RECORDED = VERSION >= CCXT_RAISES_RECORDED_WITH
MISSING_EXCHANGES = sorted({e["exchange"] for e in CORPUS} - set(ccxt.exchanges))
KINDS = {
    "ip_not_whitelisted": ipwhitelist.IPNotWhitelisted,
    "ip_banned": ipwhitelist.IPBanned,
    "geo_restricted": ipwhitelist.GeoRestricted,
}


def _client(module, entry):
    return getattr(module, entry["exchange"])({**CREDENTIALS, "enableRateLimit": False})


def _raise(client, entry):
    return client.fetch(entry["url"], entry.get("method", "GET"), {}, None)


def _params():
    return [
        pytest.param(
            entry,
            id=entry["id"],
            marks=pytest.mark.skipif(
                entry["exchange"] in MISSING_EXCHANGES,
                reason=f"ccxt {ccxt.__version__} has no exchange {entry['exchange']!r}",
            ),
        )
        for entry in CORPUS
    ]


def _ccxt_raises(entry):
    """The name of the class the installed ccxt (unwrapped) raises for *entry*, or None."""
    try:
        _raise(
            mount(_client(ccxt, entry), CannedAdapter(entry["http_status"], entry["body"])), entry
        )
    except ccxt.BaseError as exc:
        return type(exc).__name__
    return None


def test_corpus_is_sourced_and_large_enough():
    """Every entry has a source URL, a known exchange and a valid expectation."""
    for entry in CORPUS:
        assert entry["source"].startswith("http"), entry["id"]
        assert entry["expect"] in (None, *KINDS), entry["id"]
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    assert len(CORPUS) >= 150


def test_every_exchange_with_a_rule_module_is_in_the_corpus():
    """Each rule module's exchange has its IP rejections and at least 3 near-misses replayed."""
    by_family = collections.defaultdict(list)
    for entry in CORPUS:
        for family in families_of_id(entry["exchange"]):
            by_family[family].append(entry)
    modules = [
        name
        for name in (m.name for m in pkgutil.iter_modules(_rules.__path__))
        if name != "generic"
    ]
    beyond_big_three = set(modules) - {"binance", "bybit", "okx"}

    assert len(beyond_big_three) >= 15
    for name in modules:
        rules_here = [
            r
            for r in ipwhitelist.rules()
            if r.exchange != "*" and name in families_of_id(r.exchange)
        ]
        entries = by_family[name]
        near_misses = [e for e in entries if e["expect"] is None]
        assert len(near_misses) >= 3, name
        kinds = {r.kind for r in rules_here}
        assert kinds <= {e["expect"] for e in entries}, name


def test_ccxt_raises_as_recorded():
    """Every entry's exchange exists and ccxt raises the class the entry records."""
    different = [
        f"{e['id']}: {e['ccxt_raises']} -> {raised}"
        for e in CORPUS
        if e["exchange"] not in MISSING_EXCHANGES
        and (raised := _ccxt_raises(e)) != e["ccxt_raises"]
    ]
    if not RECORDED:
        pytest.skip(
            f"ccxt {ccxt.__version__} predates the corpus's ccxt_raises (ccxt "
            f"{'.'.join(map(str, CCXT_RAISES_RECORDED_WITH))}): it lacks "
            f"{len(MISSING_EXCHANGES)} exchange(s) {MISSING_EXCHANGES} and raises another "
            f"class for {len(different)} entr(y/ies): {'; '.join(different)}"
        )

    assert ([], []) == (MISSING_EXCHANGES, different)


@pytest.mark.parametrize("entry", _params())
def test_sync_replay(entry):
    """Real ccxt (sync, real URLs via a session adapter): typed exactly when expected."""
    adapter = CannedAdapter(entry["http_status"], entry["body"])
    plain = mount(_client(ccxt, entry), adapter)
    wrapped = ipwhitelist.wrap(mount(_client(ccxt, entry), adapter), egress=False)

    try:
        _raise(plain, entry)
    except ccxt.BaseError as exc:
        expected = exc
    else:
        expected = None
    try:
        _raise(wrapped, entry)
    except ccxt.BaseError as exc:
        actual = exc
    else:
        actual = None

    # The corpus records what ccxt itself raises, so a ccxt upgrade that changes
    # it shows up here rather than as a silent change in what users catch.
    if RECORDED:
        assert entry["ccxt_raises"] == (type(expected).__name__ if expected else None), entry["id"]
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
    current = {}

    def route(_request):
        entry = current["entry"]
        content_type = (
            "application/json" if entry["body"].lstrip().startswith(("{", "[")) else "text/html"
        )
        return Reply(
            status=entry["http_status"], body=entry["body"], headers={"Content-Type": content_type}
        )

    mismatches = []
    with FakeServer(default=route) as server:
        clients = {}
        try:
            for entry in CORPUS:
                if entry["exchange"] in MISSING_EXCHANGES:
                    continue  # reported by test_ccxt_raises_as_recorded
                current["entry"] = entry
                client = clients.get(entry["exchange"])
                if client is None:
                    client = point_at(_client(ccxt.async_support, entry), server.url)
                    ipwhitelist.wrap(client, egress=False)
                    clients[entry["exchange"]] = client
                path = "/" + entry["url"].split("/", 3)[3]
                try:
                    await client.fetch(server.url + path, entry.get("method", "GET"), {}, None)
                except ipwhitelist.IPRejection as exc:
                    got = exc.diagnosis.kind
                except ccxt.BaseError:
                    got = None
                else:
                    got = None
                if got != entry["expect"]:
                    mismatches.append((entry["id"], entry["expect"], got))
        finally:
            for client in clients.values():
                await client.close()

    assert [] == mismatches


def test_report_counts(capsys):
    """Print the corpus counts by exchange family and kind (for the issue note)."""
    counts = collections.Counter((e["exchange"], e["expect"]) for e in CORPUS)
    with capsys.disabled():
        print("\ncorpus:", len(CORPUS), "responses")
        for (exchange, kind), n in sorted(counts.items(), key=str):
            print(f"  {exchange:14} {kind!s:20} {n}")
