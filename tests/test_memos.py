"""The rejection path's memos: bounded, keyed by everything they depend on, never for bans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipwhitelist
from helpers import body_of, canned
from ipwhitelist._client import mapping as _mapping
from ipwhitelist._core import bans as _bans
from ipwhitelist._core import classify as _classify
from ipwhitelist._whitelist.whitelist import Whitelist

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
URL = "https://api.binance.com/api/v3/account"
B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
# Two credentials that no pattern would catch: only knowing them removes them.
KEY_A = "alpha-key-Zq7Wm2Kp"
KEY_B = "bravo-key-Xc4Vb8Nt"
# The exchange echoes key A (as some do in "invalid key" messages).
ECHO_A = body_of({"code": -2015, "msg": f"Invalid API-key {KEY_A}, IP, or permissions."})


@pytest.fixture(autouse=True)
def _fresh_memos():
    _mapping.clear_memos()
    yield
    _mapping.clear_memos()


def _response(exchange="binance", status=401, body=B2015, url=URL, method="GET", headers=None):
    return _classify.response_from_http(
        exchange,
        (exchange,),
        http_status=status,
        body=body,
        url=url,
        method=method,
        headers=headers,
    )


def _pending(response, **changes):
    fields = {
        "match": _classify.match(response),
        "settings": _mapping.Settings(),
        "secrets": (KEY_A,),
        "proxy": None,
        "already_authenticated": False,
        "ccxt_error": "AuthenticationError",
    }
    return _mapping._Pending(**{**fields, **changes})


def _settled(diagnosis):
    """The diagnosis with every field read, at a fixed time (for comparisons)."""
    return attrs.evolve(diagnosis, at=AT)


_statuses = st.sampled_from([None, 400, 401, 403])
_bodies = st.sampled_from([B2015, ECHO_A, '{"code":-2015,"msg":"IP 203.0.113.7 not allowed"}'])
_urls = st.sampled_from([None, URL, URL + "?timestamp=1&signature=ab", "https://api.binance.us/x"])
_methods = st.sampled_from([None, "GET", "POST"])
_exchanges = st.sampled_from(["binance", "binanceusdm"])
_responses = st.fixed_dictionaries(
    {
        "exchange": _exchanges,
        "status": _statuses,
        "body": _bodies,
        "url": _urls,
        "method": _methods,
    }
)

_PENDING_FIELDS = {
    "secrets": st.sampled_from([(KEY_A,), (KEY_B,), (KEY_A, KEY_B), ()]),
    "proxy": st.sampled_from([None, "http://u:pw-1@proxy.example:3128", "http://proxy.example"]),
    "url_prefix": st.sampled_from([None, "http://prefix.example/"]),
    "proxy_from_environment": st.booleans(),
    "already_authenticated": st.booleans(),
    "ccxt_error": st.sampled_from(["AuthenticationError", "DDoSProtection"]),
    "key_fingerprint": st.sampled_from([None, "sha256:3f9a0c1e", "sha256:0123abcd"]),
    "settings": st.sampled_from(
        [
            _mapping.Settings(),
            _mapping.Settings(family=4),
            _mapping.Settings(whitelist=Whitelist(["203.0.113.0/24"])),
            _mapping.Settings(whitelist=Whitelist(["198.51.100.7"]), family=6),
        ]
    ),
}
_pendings = st.fixed_dictionaries(_PENDING_FIELDS)
_egress = st.sampled_from(
    [None, ipwhitelist.EgressReport(ipv4="203.0.113.9"), ipwhitelist.EgressReport(ipv4="192.0.2.1")]
)


@st.composite
def _neighbours(draw):
    """Two clients' rejections that differ in one field, or in several."""
    first = draw(_pendings)
    if draw(st.booleans()):
        return first, draw(_pendings)
    name = draw(st.sampled_from(sorted(_PENDING_FIELDS)))
    return first, {**first, name: draw(_PENDING_FIELDS[name])}


def _given(diagnosis):
    return object.__getattribute__(diagnosis, "_given")


class TestKeys:
    """Two inputs that differ in anything a memo entry depends on never share it."""

    @given(first=_responses, second=_responses)
    def test_a_response_is_what_it_would_be_without_the_memo(self, first, second):
        """After any other answer, each answer's Response and match are those a fresh start gives."""
        _mapping.clear_memos()
        _response(**first)
        remembered = _response(**second)
        matched = _classify.match(remembered)
        _mapping.clear_memos()
        fresh = _response(**second)

        assert fresh == remembered
        assert _classify.match(fresh) == matched

    @given(first=_responses, second=_responses)
    def test_responses_that_differ_never_share_an_entry(self, first, second):
        """Inputs that differ in anything but the URL's query string get their own Response."""
        _mapping.clear_memos()

        one, two = _response(**first), _response(**second)

        same = {**first, "url": None} == {**second, "url": None} and (
            (first["url"] or "").split("?")[0] == (second["url"] or "").split("?")[0]
            and (first["url"] is None) == (second["url"] is None)
        )
        assert same == (one is two)

    @settings(max_examples=500)
    @given(
        body=st.just(ECHO_A) | _bodies,
        pair=_neighbours(),
        egress=_egress,
        other=st.none() | _egress,
    )
    def test_a_diagnosis_is_what_it_would_be_without_the_memo(self, body, pair, egress, other):
        """After any other client's rejection, a diagnosis holds what a fresh start gives."""
        first, second = pair
        egress = (egress, egress) if other is None else (other, egress)
        _mapping.clear_memos()
        response = _response(body=body)
        _mapping.diagnose_deferred(_pending(response, **first), egress[0]).to_dict()
        remembered = _mapping.diagnose_deferred(_pending(response, **second), egress[1])
        _mapping.clear_memos()
        fresh = _mapping.diagnose_deferred(_pending(_response(body=body), **second), egress[1])

        assert _settled(fresh) == _settled(remembered)
        assert str(_settled(fresh)) == str(_settled(remembered))

    @given(pair=_neighbours())
    def test_pendings_that_differ_never_share_an_entry(self, pair):
        """Two rejections share a prepared diagnosis only when everything it is made from is equal."""
        first, second = pair
        _mapping.clear_memos()
        response = _response(body=ECHO_A)
        one = _mapping.diagnose_deferred(_pending(response, **first), None)
        two = _mapping.diagnose_deferred(_pending(response, **second), None)

        # Settings compare by identity in the key (each strategy value is one object).
        assert (first == second) == (_given(one) is _given(two))
        assert len(_mapping._prepared) == (1 if first == second else 2)


BAN = body_of(
    {"code": -1003, "msg": "Way too much request weight used; IP banned until 1659761931230."}
)


class TestNeverRemembered:
    """Bans, Retry-After answers, long answers and others' lists are never served from a memo."""

    def test_a_ban_is_matched_against_the_clock_each_time(self, monkeypatch):
        """A stated ban end already past at the second rejection is unknown then, not remembered."""
        sent = datetime(2022, 8, 6, 4, 57, 51, tzinfo=UTC)
        monkeypatch.setattr(_bans, "_now", lambda: sent)
        response = _response(status=418, body=BAN)
        first = _classify.match(response)
        monkeypatch.setattr(_bans, "_now", lambda: sent + timedelta(hours=1))
        second = _classify.match(_response(status=418, body=BAN))

        assert "ip_banned" == first.rule.kind
        assert first.banned_until is not None
        assert second.banned_until is None
        assert not _classify._matches

    def test_a_retry_after_answer_is_never_remembered(self, monkeypatch):
        """Retry-After is read against the clock: each rejection gets its own response and end."""
        now = datetime(2030, 1, 1, tzinfo=UTC)
        monkeypatch.setattr(_bans, "_now", lambda: now)
        body = body_of({"code": -1003, "msg": "Way too much request weight used."})
        first = _classify.match(_response(status=418, body=body, headers={"Retry-After": "120"}))
        now += timedelta(seconds=60)
        second = _classify.match(_response(status=418, body=body, headers={"Retry-After": "120"}))

        assert datetime(2030, 1, 1, 0, 2, tzinfo=UTC) == first.banned_until
        assert datetime(2030, 1, 1, 0, 3, tzinfo=UTC) == second.banned_until
        assert first.response is not second.response
        assert not _classify._responses
        assert not _classify._matches

    def test_a_ban_diagnosis_is_never_prepared_from_a_memo(self):
        """Bans and Retry-After answers make their diagnosis afresh, each time."""
        body = body_of({"code": -1003, "msg": "Way too much request weight used."})
        for headers in (None, {"Retry-After": "120"}):
            response = _response(status=418, body=body, headers=headers)
            _mapping.diagnose_deferred(_pending(response), None)
            _mapping.diagnose_deferred(_pending(response), None)

        assert not _mapping._prepared

    def test_a_list_not_the_librarys_own_is_asked_each_time(self):
        """A documented list of the caller's own may change its answer: never remembered."""
        answers = iter([True, False])

        class Changing:
            def allows(self, exchange, ip):
                return next(answers)

        settings = _mapping.Settings(whitelist=Changing())
        response = _response(body='{"code":-2015,"msg":"IP 203.0.113.7 not allowed"}')
        first = _mapping.diagnose_deferred(_pending(response, settings=settings), None)
        second = _mapping.diagnose_deferred(_pending(response, settings=settings), None)

        assert (True, False) == (first.whitelisted, second.whitelisted)
        assert not _mapping._prepared

    def test_a_long_answer_is_never_remembered(self):
        """Bodies over MEMO_BODY characters are parsed and matched afresh."""
        long_body = body_of(
            {"code": -2015, "msg": "Invalid API-key, IP, or permissions." + " " * 4096}
        )
        first = _response(body=long_body)

        assert first is not _response(body=long_body)
        assert not _classify._bodies
        assert not _classify._responses
        assert not _classify._matches

    def test_a_new_rule_applies_at_once(self):
        """Registering a rule changes what a remembered answer matches."""
        body = body_of({"code": -9999, "msg": "nope"})
        assert _classify.match(_response(body=body)) is None
        rule = ipwhitelist.Rule(
            name="test-memo-9999",
            exchange="binance",
            kind="ip_not_whitelisted",
            confidence="likely",
            code="-9999",
            source="https://example.com/memo",
        )
        ipwhitelist.register_rule(rule)
        try:
            found = _classify.match(_response(body=body))
        finally:
            ipwhitelist.unregister_rule(rule.name)

        assert "test-memo-9999" == found.rule.name
        assert _classify.match(_response(body=body)) is None


class TestBounded:
    """However many distinct rejections arrive, the memos stay small."""

    def test_the_classification_memos_are_bounded(self):
        """However many distinct answers arrive, each memo holds at most MEMO_MAX entries."""
        for n in range(3 * _classify.MEMO_MAX):
            _classify.match(_response(body=body_of({"code": -2015, "msg": f"Invalid API-key {n}"})))

        sizes = [
            len(memo) for memo in (_classify._bodies, _classify._responses, _classify._matches)
        ]
        assert all(0 < size <= _classify.MEMO_MAX for size in sizes)

    def test_the_prepared_memo_is_bounded(self):
        """However many distinct clients are rejected, at most PREPARED_MAX diagnoses are prepared."""
        response = _response()
        for n in range(3 * _mapping.PREPARED_MAX):
            _mapping.diagnose_deferred(_pending(response, secrets=(f"key-number-{n:06d}",)), None)

        assert 0 < len(_mapping._prepared) <= _mapping.PREPARED_MAX


def _message(client):
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        client.private_get_account()
    return info.value.diagnosis.message


class TestClients:
    """A client whose key or proxy changes gets its text scrubbed afresh."""

    def test_a_client_whose_key_changes_gets_fresh_scrubbing(self, server, sync_client):
        """The same echo, first under another key, then under the key it names: redacted then."""
        server.default = canned(401, ECHO_A)
        client = ipwhitelist.wrap(
            sync_client("binance", apiKey=KEY_B, secret="s" * 32), egress=False
        )

        other = _message(client)
        client.apiKey = KEY_A
        own = _message(client)

        assert KEY_A in other  # not this client's credential: quoted as the exchange said it
        assert KEY_A not in own
        assert "***" in own

    def test_a_client_whose_proxy_changes_gets_fresh_scrubbing(self, server, sync_client):
        """A proxy password the exchange echoes is redacted once it is the client's proxy's."""
        password = "pw-Hq3Lr9Tz"
        server.default = canned(
            401, body_of({"code": -2015, "msg": f"Invalid API-key {password}."})
        )
        client = ipwhitelist.wrap(
            sync_client("binance", apiKey=KEY_B, secret="s" * 32), egress=False
        )
        # ccxt 4.5 passes a bool to this check and so refuses every proxyUrl (see test_leaks).
        client.check_conflicting_proxies = lambda *_args: None

        before = _message(client)
        # The fake exchange is the proxy too: it answers the path-style request alike.
        client.proxyUrl = f"http://bot:{password}@{server.url.removeprefix('http://')}/"
        after = _message(client)

        assert password in before
        assert password not in after

    def test_two_clients_never_share_scrubbed_text(self, server, sync_client):
        """Two clients with different keys, the same echo: each diagnosis is scrubbed for its own."""
        server.default = canned(401, ECHO_A)
        owner = ipwhitelist.wrap(
            sync_client("binance", apiKey=KEY_A, secret="s" * 32), egress=False
        )
        stranger = ipwhitelist.wrap(
            sync_client("binance", apiKey=KEY_B, secret="s" * 32), egress=False
        )

        first = _message(stranger)
        second = _message(owner)
        third = _message(stranger)

        assert (True, False, True) == (KEY_A in first, KEY_A in second, KEY_A in third)


class TestOddInputs:
    """Inputs a memo cannot key on are worked out afresh, with the same result."""

    def test_an_unhashable_lineage_is_classified_without_the_memos(self):
        """A lineage given as a list (no hash) is parsed and matched each time."""
        first = _classify.response_from_http(
            "binance", ["binance"], http_status=401, body=B2015, url=URL
        )
        second = _classify.response_from_http(
            "binance", ["binance"], http_status=401, body=B2015, url=URL
        )

        assert first is not second
        assert _classify.match(first) == _classify.match(second)
        assert not _classify._responses
        assert not _classify._matches

    def test_a_client_class_lacking_a_proxy_attribute_is_read_one_by_one(self):
        """A ccxt class without one of the attributes the route reads: that one is None."""
        import ccxt

        from ipwhitelist._client import introspect as _introspect

        class Older(ccxt.binance):
            @property
            def wsProxy(self):  # noqa: N802 - ccxt's spelling
                raise AttributeError("wsProxy")

            @wsProxy.setter
            def wsProxy(self, value):  # noqa: N802 - ccxt sets it in its constructor
                pass

        client = Older({"apiKey": KEY_A, "secret": "s" * 32})

        assert (KEY_A, "s" * 32) == _introspect.route_of(client)[0]

    def test_a_prepared_diagnosis_shows_nothing(self):
        """Its repr names the class only: it holds the credentials."""
        prepared = _mapping._prepare(_pending(_response(body=ECHO_A)), None, keep=None)

        assert "<Prepared>" == repr(prepared)
