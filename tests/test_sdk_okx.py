"""
python-okx API clients wrapped: errors it returns as data, raised only on request.

Real python-okx code runs with an ``httpx.MockTransport`` as its transport
(each API class *is* an ``httpx.Client``), keeping OKX's real paths.
"""

from __future__ import annotations

import json
import pickle
from urllib.parse import urlsplit

import httpx
import pytest
from httpx._utils import URLPattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from okx.Account import AccountAPI
from okx.exceptions import OkxAPIException
from okx.Trade import TradeAPI

import ipwhitelist
from helpers import API_KEY, SECRET, body_of
from ipwhitelist._testing.fake import FakeServer, Reply
from sdks import KINDS, PASSPHRASE, Tally, corpus, ids, no_secret

OKX = corpus("okx")
NOT_INCLUDED = {
    "msg": "Your IP 203.0.113.7 is not included in your API key's IP whitelist.",
    "code": "50110",
}


def client(status: int, body: str, cls=AccountAPI, **kwargs):
    """A python-okx client whose every request gets this answer."""
    made = cls(API_KEY, SECRET, PASSPHRASE, flag="0", **kwargs)
    content_type = "application/json" if body.lstrip().startswith("{") else "text/html"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body.encode(), headers={"Content-Type": content_type})

    made._transport = httpx.MockTransport(answer)
    made._mounts_kept, made._mounts = made._mounts, {}
    return made


def call(made, entry):
    split = urlsplit(entry["url"])
    path = split.path + (f"?{split.query}" if split.query else "")
    try:
        return made._request(entry.get("method", "GET"), path, {})
    except Exception as exc:
        return exc


class TestCorpus:
    @pytest.mark.parametrize("entry", OKX, ids=ids(OKX))
    def test_replay(self, entry):
        """Each OKX corpus response: raised typed when expected (opt-in), else returned unchanged."""
        plain = call(client(entry["http_status"], entry["body"]), entry)
        made = ipwhitelist.wrap(
            client(entry["http_status"], entry["body"]), egress=False, raise_returned=True
        )

        got = call(made, entry)

        if entry["expect"] is None:
            assert plain == got
            return
        assert isinstance(got, KINDS[entry["expect"]])
        assert isinstance(got, OkxAPIException)
        assert (json.loads(entry["body"])["code"], entry["http_status"]) == (
            got.code,
            got.status_code,
        )

    def test_tally(self):
        """Recall is complete, no near-miss raises, each near-miss result comes back as is."""
        tally = Tally()
        for entry in OKX:
            made = ipwhitelist.wrap(
                client(entry["http_status"], entry["body"]), egress=False, raise_returned=True
            )
            got = call(made, entry)
            returned = got if not isinstance(got, BaseException) else None
            # Near-misses are returned, never raised: "the same object" is the result itself.
            tally.add(entry, got if isinstance(got, BaseException) else returned, returned)

        print(f"python-okx: {tally!r}")

        assert (tally.found, tally.false_positives) == (tally.expected, 0)
        assert tally.near_misses == tally.same_object


class TestReturned:
    def test_default_returns_and_reports(self):
        """Without raise_returned, the dict comes back as python-okx returns it; the hooks hear."""
        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])
        made = ipwhitelist.wrap(client(401, body_of(NOT_INCLUDED)), egress=False)

        assert NOT_INCLUDED == made.get_account_balance()
        assert {("okx", "ip_not_whitelisted"): 1} == counter.counts

    def test_place_order_item_code(self):
        """place_order's per-item sCode 50110 under code "1" raises when asked to."""
        body = body_of(
            {"code": "1", "data": [{"sCode": "50110", "sMsg": NOT_INCLUDED["msg"]}], "msg": ""}
        )
        made = ipwhitelist.wrap(client(200, body, TradeAPI), egress=False, raise_returned=True)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            made.place_order(instId="BTC-USDT", tdMode="cash", side="buy", ordType="market", sz="1")

        assert ("50110", 200) == (info.value.diagnosis.code, info.value.diagnosis.http_status)
        assert "203.0.113.7" == str(info.value.diagnosis.reported_ip)

    def test_block_page_raised_by_the_sdk(self):
        """An HTML 403 makes python-okx's json() raise: the recorded response classifies it."""
        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])
        page = "<html><body>403 Forbidden</body></html>"
        made = ipwhitelist.wrap(client(403, page), egress=False)

        with pytest.raises(ValueError) as info:
            made.get_account_balance()

        assert not isinstance(info.value, ipwhitelist.IPRejection)
        assert {} == counter.counts

    def test_egress_through_the_clients_authenticated_proxy(self):
        """The proxy's credentials (httpx keeps them in a header) reach the lookup, never output."""
        seen = []

        def proxy(request):
            seen.append(request.headers.get("proxy-authorization"))
            return Reply(body="198.51.100.77")

        with FakeServer(default=proxy) as fake:
            address = fake.url.split("://", 1)[1]
            made = client(200, json.dumps(NOT_INCLUDED), proxy=f"http://user:hunter2pass@{address}")
            # The API calls go to the mock transport; the proxy stays mounted for the view.
            proxied = next(iter(made._mounts_kept.values()))
            made._mounts = {URLPattern("all://never.invalid"): proxied}
            detector = ipwhitelist.EgressDetector(["http://192.0.2.1/ip"], allow_private=True)
            ipwhitelist.wrap(made, egress=detector, raise_returned=True)
            with pytest.raises(OkxAPIException) as info:
                made.get_account_balance()

        diagnosis = info.value.diagnosis
        assert ["198.51.100.77"] == [str(ip) for ip in diagnosis.egress_ips]
        assert ["Basic dXNlcjpodW50ZXIycGFzcw=="] == seen  # user:hunter2pass
        for text in (str(info.value), str(diagnosis), json.dumps(diagnosis.to_dict())):
            assert "hunter2pass" not in text
            assert "dXNlcjpodW50ZXIycGFzcw" not in text

    def test_block_page_is_still_a_json_decode_error(self):
        """A 451 HTML page: python-okx raises JSONDecodeError; the typed rejection still is one."""
        made = ipwhitelist.wrap(
            client(451, "<html>Unavailable For Legal Reasons</html>"), egress=False
        )

        with pytest.raises(json.JSONDecodeError) as info:
            made.get_account_balance()

        assert isinstance(info.value, ipwhitelist.GeoRestricted)
        copy = pickle.loads(pickle.dumps(info.value))
        assert isinstance(copy, json.JSONDecodeError)
        assert isinstance(copy, ipwhitelist.GeoRestricted)
        assert info.value.pos == copy.pos

    def test_keyless_client_has_no_key_fingerprint(self):
        """python-okx's stand-in key "-1" (no key given) is no key: no fingerprint, no recovery."""
        made = AccountAPI(flag="0")
        made._transport = httpx.MockTransport(
            lambda _request: httpx.Response(200, content=json.dumps(NOT_INCLUDED).encode())
        )
        made._mounts = {}
        ipwhitelist.wrap(made, egress=False, raise_returned=True)

        with pytest.raises(OkxAPIException) as info:
            made.get_account_balance()

        assert info.value.diagnosis.key_fingerprint is None

    def test_no_secret_pickle_unwrap(self):
        """The passphrase, key and secret stay out; the rejection pickles; unwrap restores."""
        echo = body_of({**NOT_INCLUDED, "msg": f"{NOT_INCLUDED['msg']} {PASSPHRASE} {API_KEY}"})
        made = ipwhitelist.wrap(client(401, echo), egress=False, raise_returned=True)

        with pytest.raises(OkxAPIException) as info:
            made.get_account_balance()
        exc = info.value
        data = pickle.dumps(exc)

        no_secret(str(exc), repr(exc), str(exc.diagnosis), exc.diagnosis.to_dict(), data)
        assert "50110" == pickle.loads(data).code
        ipwhitelist.unwrap(made)
        assert AccountAPI is type(made)
        assert [] == made.event_hooks["response"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=_JSON,
    data=st.lists(
        st.dictionaries(st.sampled_from(["sCode", "sMsg"]), _JSON, max_size=2), max_size=2
    )
    | _JSON,
)
def test_any_json_reply_comes_back_as_python_okx_returns_it(code, data):
    """Whatever ``code`` and ``data`` hold (lists, dicts, ...), the wrapped client returns the dict."""
    reply = {"code": code, "msg": "", "data": data}
    made = ipwhitelist.wrap(client(200, json.dumps(reply)), egress=False)
    assert made.get_account_balance() == reply
