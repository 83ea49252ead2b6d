"""Exchanges that speak another exchange's error dialect without deriving from its ccxt class."""

from __future__ import annotations

import importlib
import pkgutil

import ccxt
import pytest

import ipwhitelist
import ipwhitelist._exchanges as _rules
import replay
from helpers import B2015
from ipwhitelist._core.lineage import lineage_of_id
from ipwhitelist._core.rules import REGISTRY, dialects_of

# Binance's dialect, spoken by exchanges whose ccxt class is not a binance subclass.
BINANCE_SPEAKERS = ("aster", "coinsph", "tokocrypto", "toobit")
URLS = {
    "aster": "https://fapi.asterdex.com/fapi/v2/account",
    "coinsph": "https://api.pro.coins.ph/openapi/v1/account",
    "tokocrypto": "https://www.tokocrypto.com/open/v1/account/spot",
    "toobit": "https://api.toobit.com/api/v1/account",
}


def _modules():
    for info in pkgutil.iter_modules(_rules.__path__):
        yield info.name, importlib.import_module(f"{_rules.__name__}.{info.name}")


class TestDeclarations:
    def test_every_dialect_is_a_rule_module_with_a_source(self):
        """A DIALECTS entry names an exchange that has rules, with a URL saying why."""
        names = {name for name, _ in _modules()}
        declared = {
            (name, spoken, source)
            for name, module in _modules()
            for spoken, source in getattr(module, "DIALECTS", {}).items()
        }

        assert declared
        for name, spoken, source in declared:
            assert spoken in names, (name, spoken)
            assert source.startswith("https://"), (name, spoken)
            assert spoken not in lineage_of_id(name), "a ccxt ancestor needs no dialect"

    @pytest.mark.parametrize("exchange", BINANCE_SPEAKERS)
    def test_binance_speakers_get_binance_rules(self, exchange):
        """Binance's rules apply to exchanges that speak its dialect, never OKX's."""
        names = {r.name for r in ipwhitelist.rules(exchange)}

        assert ("binance",) == dialects_of(exchange)
        assert {"binance-2015", "binance-1003-ip-banned-until", "http-451"} <= names
        assert "okx-50110-ip-not-whitelisted" not in names

    def test_ancestors_are_not_dialects(self):
        """binanceusdm gets Binance's rules through its ccxt lineage, with no dialect."""
        assert () == dialects_of("binanceusdm")
        assert () == dialects_of("binance")

    def test_dialect_rules_come_after_own_rules_of_equal_specificity(self):
        """At one specificity: the exchange's own rules, then the dialect's, then every exchange's."""
        origin = {"coinsph": 0, "binance": 1, "*": 2}
        ranks = [(-r.specificity, origin[r.exchange]) for r in ipwhitelist.rules("coinsph")]

        assert sorted(ranks) == ranks

    def test_dialects_are_transitive_and_stop_at_cycles(self):
        """A dialect of a dialect applies too; a cycle does not loop."""
        saved = REGISTRY._dialects
        REGISTRY._dialects = {"a": ("b",), "b": ("c", "a"), "c": ("a",)}
        try:
            assert ("b", "c") == REGISTRY.dialects(("a",))
        finally:
            REGISTRY._dialects = saved


class TestBinance2015:
    @pytest.mark.parametrize("exchange", BINANCE_SPEAKERS)
    def test_2015_is_possible_without_evidence(self, exchange):
        """-2015 on a Binance speaker is typed with Binance's ambiguity: possible, not confirmed."""
        _plain, wrapped = replay.sync(
            replay.Case(exchange=exchange, url=URLS[exchange], http_status=400, body=B2015)
        )

        assert isinstance(wrapped, ipwhitelist.IPNotWhitelisted)
        assert "possible" == wrapped.diagnosis.confidence

    def test_tokocrypto_ddos_after_success_is_typed(self):
        """Tokocrypto's ccxt code raises -2015 as DDoSProtection once the key has worked: typed, likely."""
        case = replay.Case(
            exchange="tokocrypto",
            url=URLS["tokocrypto"],
            http_status=400,
            body=B2015,
            options={"hasAlreadyAuthenticatedSuccessfully": True},
        )
        plain, wrapped = replay.sync(case)

        assert isinstance(plain, ccxt.DDoSProtection)
        assert isinstance(wrapped, ipwhitelist.IPNotWhitelisted)
        assert not isinstance(wrapped, ccxt.NetworkError)
        assert "likely" == wrapped.diagnosis.confidence
        assert any("DDoSProtection" in e for e in wrapped.diagnosis.evidence)

    def test_toobit_after_success_is_not_said_to_be_ddos(self):
        """Toobit's ccxt code has no DDoSProtection trap: the evidence must not claim one."""
        case = replay.Case(
            exchange="toobit",
            url=URLS["toobit"],
            http_status=400,
            body=B2015,
            options={"hasAlreadyAuthenticatedSuccessfully": True},
        )
        plain, wrapped = replay.sync(case)

        assert isinstance(plain, ccxt.PermissionDenied)
        assert isinstance(wrapped, ipwhitelist.IPNotWhitelisted)
        assert "likely" == wrapped.diagnosis.confidence
        assert not any("DDoSProtection" in e for e in wrapped.diagnosis.evidence)
        assert any("authenticated successfully earlier" in e for e in wrapped.diagnosis.evidence)
