"""Rule tables and user rules."""

from __future__ import annotations

import re

import ccxt
import pytest

import ipwhitelist
from ccxt_versions import ADDED_AFTER_OLDEST, REMOVED_BY_RECORDED
from helpers import body_of, canned
from ipwhitelist import Rule
from ipwhitelist._core.rules import check_sources


@pytest.fixture
def user_rule():
    rule = Rule(
        name="test-weex-ip",
        exchange="binance",
        code="-1056",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/enarjord/passivbot/pull/1397",
    )
    ipwhitelist.register_rule(rule)
    yield rule
    ipwhitelist.unregister_rule(rule.name)


class TestBuiltins:
    def test_every_rule_has_a_source_url(self):
        """No rule without a source."""
        assert [] == check_sources(ipwhitelist.rules())

    def test_names_are_unique(self):
        """Rule names identify rules."""
        names = [r.name for r in ipwhitelist.rules()]

        assert len(names) == len(set(names))

    def test_exchange_ids_exist_in_ccxt(self):
        """Every rule is written for a ccxt id (or all exchanges) of a supported ccxt release."""
        documented = ADDED_AFTER_OLDEST | REMOVED_BY_RECORDED
        assert {r.exchange for r in ipwhitelist.rules()} <= {*ccxt.exchanges, *documented, "*"}

    def test_rules_for_a_family(self):
        """rules('binanceusdm') includes the binance table and the generic rules."""
        names = {r.name for r in ipwhitelist.rules("binanceusdm")}

        assert {"binance-2015", "http-451"} <= names
        assert "okx-50110-ip-not-whitelisted" not in names

    def test_most_specific_first(self):
        """Rules with more conditions are tried first."""
        order = [r.specificity for r in ipwhitelist.rules("bybit")]

        assert sorted(order, reverse=True) == order


class TestRuleValidation:
    def test_needs_a_condition(self):
        """A rule with no code, status or message is refused."""
        with pytest.raises(ValueError, match="needs a code"):
            Rule(
                name="x",
                exchange="binance",
                kind="ip_banned",
                confidence="likely",
                source="https://x",
            )

    @pytest.mark.parametrize("field", ["name", "source", "exchange"])
    def test_non_empty(self, field):
        """name, exchange and source must not be empty."""
        kw = {"name": "x", "exchange": "binance", "source": "https://x", field: " "}
        with pytest.raises(ValueError, match=field):
            Rule(kind="ip_banned", confidence="likely", code="1", **kw)

    def test_bad_kind(self):
        """kind must be one of the three kinds."""
        with pytest.raises(ValueError):
            Rule(
                name="x", exchange="b", kind="nope", confidence="likely", source="https://x", code=1
            )

    def test_pattern_compiled_case_insensitive(self):
        """String patterns are compiled case-insensitively; codes become strings."""
        rule = Rule(
            name="x",
            exchange="b",
            kind="ip_banned",
            confidence="likely",
            source="s",
            message="ip X",
            code=7,
        )

        assert (re.IGNORECASE & rule.message.flags, "7") == (re.IGNORECASE, rule.code)


class TestUserRules:
    def test_user_rule_is_used_end_to_end(self, server, sync_client, user_rule):
        """A registered rule types a response the built-ins do not know."""
        server.default = canned(401, body_of({"code": -1056, "msg": "ILLEGAL_IP"}))
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        assert user_rule.source == info.value.diagnosis.source

    def test_user_rules_come_first(self, user_rule):
        """User rules are listed (and tried) before built-in ones."""
        assert user_rule == ipwhitelist.rules("binance")[0]

    def test_duplicate_name_refused(self, user_rule):
        """Registering the same name twice is an error."""
        with pytest.raises(ValueError, match="already registered"):
            ipwhitelist.register_rule(user_rule)

    @pytest.mark.parametrize(
        ("exchange", "hint"),
        [
            ("binanceusd", "did you mean 'binanceusdm'"),
            ("Bybit", "did you mean 'bybit'"),
            ("nowhere-at-all", "is not a ccxt id"),
        ],
    )
    def test_unknown_exchange_refused(self, exchange, hint):
        """A misspelt exchange id would never match: registering it is an error that says so."""
        rule = Rule(
            name="typo",
            exchange=exchange,
            kind="ip_banned",
            confidence="likely",
            source="https://x",
            code=1,
        )

        with pytest.raises(ValueError, match=hint):
            ipwhitelist.register_rule(rule)
        assert "typo" not in {r.name for r in ipwhitelist.rules()}

    def test_every_exchange_rule_accepted(self):
        """'*' is not a ccxt id but means every exchange."""
        rule = Rule(
            name="any",
            exchange="*",
            kind="geo_restricted",
            confidence="likely",
            source="https://x",
            http_status=499,
        )
        ipwhitelist.register_rule(rule)
        try:
            assert rule in ipwhitelist.rules("okx")
        finally:
            ipwhitelist.unregister_rule("any")

    def test_unregister_unknown(self):
        """Unregistering an unknown rule raises KeyError."""
        with pytest.raises(KeyError):
            ipwhitelist.unregister_rule("never-registered")

    def test_broken_user_rule_does_not_break_the_bot(self, server, sync_client, caplog):
        """A rule that raises while matching is logged and the original error passes through."""

        class Exploding:
            def search(self, _text):
                raise RuntimeError("boom")

        rule = Rule(
            name="exploding",
            exchange="binance",
            kind="ip_banned",
            confidence="likely",
            source="https://x",
            message="x",
        )
        object.__setattr__(rule, "message", Exploding())
        ipwhitelist.register_rule(rule)
        try:
            server.default = canned(
                400, body_of({"code": -1022, "msg": "Signature for this request is not valid."})
            )
            client = ipwhitelist.wrap(sync_client("binance"), egress=False)

            with pytest.raises(ccxt.AuthenticationError) as info:
                client.private_get_account()
        finally:
            ipwhitelist.unregister_rule("exploding")

        assert not isinstance(info.value, ipwhitelist.IPRejection)
        assert "classification failed" in caplog.text
