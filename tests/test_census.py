"""
The census of ccxt: every exceptions entry that names an IP rejection is typed or waived.

`census.census` reads the installed ccxt (see ``tests/census.py``). Each entry
it selects is replayed through the real ccxt class in that exchange's own
envelope (``tests/data/census_envelopes.toml``), sync with the real URLs and
async over loopback, and must be exactly one of:

* typed: the wrapped client raises an `ipwhitelist.IPRejection`;
* waived: ``tests/data/census_waivers.toml`` says why it is not an IP
  rejection, and the wrapped client raises what ccxt raises, unchanged.

So a ccxt release that adds an IP code fails here until someone decides, and a
waiver also guards against a rule that starts typing what is not an IP
rejection. Waivers and envelopes for entries or exchanges the installed ccxt
lacks are harmless: the census is of whatever ccxt is installed.
"""

from __future__ import annotations

import collections
import json
import re
import string

import ccxt
import pytest

import census
import ipwhitelist
import replay
from ccxt_versions import needs_ccxt
from census import WAIVERS, lineage, waiver_of
from ipwhitelist._core.lineage import lineage_of_id

ENTRIES = census.census()


def _id(entry: census.Entry) -> str:
    return f"{entry.exchange}:{entry.map}:{entry.key[:40]}"


def case_of(entry: census.Entry) -> replay.Case:
    """The response that reaches this entry in ccxt's handle_errors."""
    envelope = census.envelope_of(entry.exchange)
    code, message = census.code_and_text(entry)
    urls = envelope.get("urls", {})
    url = urls.get(entry.path[0] if entry.path else "exact", envelope["url"])
    body = string.Template(envelope["body"]).substitute(code=code, message=json.dumps(message))
    return replay.Case(exchange=entry.exchange, url=url, http_status=envelope["status"], body=body)


class TestVocabulary:
    @pytest.mark.parametrize(
        "text",
        [
            "IP does not match IP whitelist",
            "Invalid IP",
            "the current clientIp is:1.2.3.4",
            "ip_blocked_for_api_key",
            "IPv6 is not supported",
            "No such IP has been white listed",
            "Please set IP whitelist before using API",
            "IP address not on the allow-list",
            "isn't on the trusted list for this API key",
            "Service unavailable from a restricted location",
            "not available in your country",
            "Feature not available in your region",
            "Way too many requests; banned until 1659761931230",
            "GEO_IP_BLOCK",
        ],
    )
    def test_names_an_ip_rejection(self, text):
        """IP words, whitelists, trusted lists, places and bans with a deadline are selected."""
        assert census.names_ip(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Order does not exist; check the ship date",
            "zip file",
            "Invalid description",
            "multiple orders",
            "VIP level too low",
            "The query direction is not the direction entrusted by the plan",
            "Borrow is banned for this asset.",
            "Account is banned",
            "Invalid signature",
        ],
    )
    def test_does_not_name_an_ip_rejection(self, text):
        """'IP' inside another word, 'entrusted' and bans without an IP or a deadline are not."""
        assert not census.names_ip(text)


class TestScanner:
    def test_reads_the_comment_of_the_entry_line(self):
        """Each entry carries the comment of its own line in the ccxt module."""
        by_key = {(e.exchange, e.map, e.key): e for e in ENTRIES}

        assert "Invalid IP" == by_key["okx", "exact", "50110"].comment
        assert by_key["okx", "exact", "50110"].line.startswith("ccxt.okx:")

    def test_nested_market_type_maps(self):
        """Binance's per-market-type maps are walked and found with their paths."""
        maps = {e.map for e in ENTRIES if e.exchange == "binance"}

        assert {"linear/exact", "exact"} <= maps

    def test_a_new_ip_code_in_ccxt_is_found_and_unexplained(self, monkeypatch):
        """An IP code a ccxt release adds is selected, has no waiver and no rule: the census fails."""
        original = ccxt.latoken.describe

        def describe(self):
            described = original(self)
            described["exceptions"]["exact"]["IP_NOT_WHITELISTED"] = ccxt.PermissionDenied
            return described

        monkeypatch.setattr(ccxt.latoken, "describe", describe)
        found = [e for e in census.census() if e.key == "IP_NOT_WHITELISTED"]

        assert ["latoken"] == [e.exchange for e in found]
        assert waiver_of(found[0]) is None
        _plain, wrapped = replay.sync(case_of(found[0]))
        assert not isinstance(wrapped, ipwhitelist.IPRejection)

    @needs_ccxt("RestrictedLocation")
    def test_restricted_location_is_selected_whatever_its_text(self):
        """An entry ccxt maps to RestrictedLocation counts even when neither key nor comment says why."""
        by_key = {(e.exchange, e.key): e for e in ENTRIES}

        assert not census.names_ip(by_key["nado", "1002"].text)
        assert "RestrictedLocation" == by_key["nado", "1002"].ccxt_class

    def test_every_entry_of_every_exchange_has_its_line(self):
        """The scanner finds the source line of every exceptions entry, not only selected ones."""
        missing = [
            (exchange, entry.map, entry.key)
            for exchange in ccxt.exchanges
            for entry in census.entries_of(getattr(ccxt, exchange), exchange)
            if not entry.line
        ]

        assert [] == missing


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_entry_is_typed_or_waived(entry):
    """The census entry reaches its map entry in ccxt; it is typed, or waived and untouched."""
    case = case_of(entry)
    expected, actual = replay.sync(case)
    waiver = waiver_of(entry)

    # The envelope really reaches this entry: ccxt raises the class it maps to.
    assert entry.ccxt_class == type(expected).__name__, (case.body, expected)
    if waiver is None:
        assert isinstance(actual, ipwhitelist.IPRejection), (
            f"{entry.exchange} {entry.map} {entry.key!r} ({entry.comment}) names an IP "
            "rejection and no rule types it: add a rule, or a waiver with the reason to "
            "tests/data/census_waivers.toml"
        )
    else:
        assert not isinstance(actual, ipwhitelist.IPRejection), (
            f"waived ({waiver}) but typed as {getattr(actual, 'diagnosis', None)}"
        )
        assert (type(expected), str(expected)) == (type(actual), str(actual))


@pytest.mark.asyncio
async def test_async_agrees_with_the_waivers():
    """Over loopback with ccxt.async_support, typed exactly the entries that are not waived."""
    # One entry per family: the sync test replays every ccxt id; a subclass
    # (binanceusdm, bybiteu, myokx ...) shares its ancestor's async code path.
    distinct = list(
        {(lineage_of_id(e.exchange)[-1], e.map, e.key): e for e in reversed(ENTRIES)}.values()
    )
    kinds = await replay.kinds_async([case_of(e) for e in distinct])
    wrong = [
        (_id(entry), kind)
        for entry, kind in zip(distinct, kinds, strict=True)
        if (kind is None) != (waiver_of(entry) is not None)
    ]

    assert [] == wrong


def test_waivers_are_reasons():
    """Every waiver is a sentence saying why, under an exchange id."""
    for exchange, table in WAIVERS.items():
        assert re.fullmatch(r"[a-z0-9]+", exchange), exchange
        for key, reason in table.items():
            assert isinstance(reason, str), (exchange, key)
            assert len(reason.split()) >= 3, (exchange, key, reason)


def test_report(capsys):
    """Print the census per exchange: entries found, typed and waived (for the issue note)."""
    found = collections.Counter(e.exchange for e in ENTRIES)
    waived = collections.Counter(e.exchange for e in ENTRIES if waiver_of(e) is not None)
    stale = [
        f"{exchange}:{key}"
        for exchange, table in WAIVERS.items()
        for key in table
        if not any(e.key == key and exchange in lineage(e.exchange) for e in ENTRIES)
    ]
    with capsys.disabled():
        print(f"\nccxt {ccxt.__version__} census: {len(ENTRIES)} entries name an IP rejection")
        print(f"  {'exchange':22} found typed waived")
        for exchange in sorted(found):
            typed = found[exchange] - waived[exchange]
            print(f"  {exchange:22} {found[exchange]:5} {typed:5} {waived[exchange]:6}")
        total_waived = sum(waived.values())
        print(f"  {'total':22} {len(ENTRIES):5} {len(ENTRIES) - total_waived:5} {total_waived:6}")
        if stale:
            print(f"  waivers this ccxt does not need: {', '.join(stale)}")

    assert found
