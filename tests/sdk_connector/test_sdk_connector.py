"""
binance-connector ``Spot`` wrapped (run by ``make sdk``, in a virtualenv of its own).

binance-connector and python-binance both install a top-level ``binance``
package, so this directory is kept out of the main suite (``norecursedirs``)
and runs where only binance-connector is installed. Real connector code runs
with a requests adapter mounted on its own session, keeping Binance's URLs.
"""

from __future__ import annotations

import pickle
from urllib.parse import urlsplit

import pytest
from binance.error import ClientError
from binance.spot import Spot

import ipwhitelist
from helpers import API_KEY, B2015, SECRET, CannedAdapter
from sdks import KINDS, Tally, corpus, ids, no_secret

BINANCE = corpus("binance")


def spot(adapter: CannedAdapter | None = None, base_url: str = "https://api.binance.com") -> Spot:
    made = Spot(API_KEY, SECRET, base_url=base_url)
    if adapter is not None:
        made.session.mount("https://", adapter)
    return made


@pytest.fixture
def raised(monkeypatch):
    """Every exception the connector's own _handle_exception raises, in order."""
    from binance.api import API

    seen: list[BaseException] = []
    real = API._handle_exception

    def recording(self, response):
        try:
            return real(self, response)
        except BaseException as exc:
            seen.append(exc)
            raise

    monkeypatch.setattr(API, "_handle_exception", recording)
    return seen


def call(made: Spot, entry: dict):
    split = urlsplit(entry["url"])
    made.base_url = f"{split.scheme}://{split.netloc}"
    try:
        made.send_request(entry.get("method", "GET"), split.path)
    except Exception as exc:
        return exc
    return None


class TestCorpus:
    @pytest.mark.parametrize("entry", BINANCE, ids=ids(BINANCE))
    def test_replay(self, entry, raised):
        """Each Binance corpus response through Spot: typed as expected, else the same object."""
        made = ipwhitelist.wrap(
            spot(CannedAdapter(entry["http_status"], entry["body"])), egress=False
        )

        exc = call(made, entry)

        if entry["expect"] is None:
            assert exc is raised[-1]
            return
        assert isinstance(exc, KINDS[entry["expect"]])
        assert isinstance(exc, type(raised[-1]))
        assert exc.original is raised[-1]
        assert entry["exchange"] == exc.diagnosis.exchange
        assert entry["http_status"] == exc.status_code

    def test_tally(self, raised):
        """Recall is complete, no near-miss is typed, each near-miss is the same object."""
        tally = Tally()
        for entry in BINANCE:
            made = ipwhitelist.wrap(
                spot(CannedAdapter(entry["http_status"], entry["body"])), egress=False
            )
            exc = call(made, entry)
            tally.add(entry, exc, raised[-1])
        print(f"binance-connector: {tally!r}")

        assert (tally.found, tally.false_positives) == (tally.expected, 0)
        assert tally.near_misses == tally.same_object


class TestWrap:
    def test_old_handler_and_secrets(self):
        """`except ClientError` still catches; nothing secret; pickles; unwrap() restores."""
        made = ipwhitelist.wrap(spot(CannedAdapter(401, B2015)), egress=False)

        with pytest.raises(ClientError) as info:
            made.account()
        exc = info.value
        data = pickle.dumps(exc)

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert (401, -2015) == (exc.status_code, exc.error_code)
        assert exc.diagnosis.endpoint.startswith("GET https://api.binance.com/api/v3/account")
        no_secret(str(exc), repr(exc), str(exc.diagnosis), exc.diagnosis.to_dict(), data)
        assert -2015 == pickle.loads(data).error_code
        ipwhitelist.unwrap(made)
        assert Spot is type(made)
        assert [] == made.session.hooks["response"]

    def test_python_binance_is_not_installed_here(self):
        """The reason for this virtualenv: the other `binance` package is absent."""
        with pytest.raises(ImportError):
            __import__("binance.client")


class TestRecovery:
    def test_signed_call_after_a_rejection_reports_recovery(self):
        """A -2015, a public call (nothing), then a signed call: one on_recovery(exchange, key)."""
        events = []

        class Recorder:
            def __call__(self, diagnosis):
                events.append(("rejected", diagnosis.exchange, diagnosis.key_fingerprint))

            def on_recovery(self, exchange, key):
                events.append(("recovered", exchange, key))

        ipwhitelist.set_on_rejection_hooks([Recorder()])
        adapter = CannedAdapter(401, B2015)
        made = ipwhitelist.wrap(spot(adapter), egress=False)
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            made.account()
        adapter.status, adapter.body = 200, '{"balances": []}'

        made.time()  # public: the key header is sent, but nothing is signed
        assert 1 == len(events)
        made.account()
        made.account()

        fingerprint = ipwhitelist.fingerprint(API_KEY)
        assert [
            ("rejected", "binance", fingerprint),
            ("recovered", "binance", fingerprint),
        ] == events
