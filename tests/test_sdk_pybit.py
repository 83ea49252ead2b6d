"""
pybit ``unified_trading.HTTP`` wrapped: raised errors, bodies pybit drops, ``ignore_codes``.

Real pybit code runs with a requests adapter mounted on its own session
(``client.client``), keeping Bybit's real URLs.
"""

from __future__ import annotations

import pickle
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from pybit import _http_manager
from pybit.exceptions import FailedRequestError, InvalidRequestError
from pybit.unified_trading import HTTP

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter, body_of
from ipwhitelist._client.sdk import adapter_for
from sdks import KINDS, Tally, corpus, ids, no_secret

BYBIT = corpus("bybit")
UNMATCHED = body_of(
    {
        "retCode": 10010,
        "retMsg": "Unmatched IP, please check your API key's bound IP addresses.",
        "result": {},
        "retExtInfo": {},
        "time": 1722154324000,
    }
)


def client(adapter: CannedAdapter | None = None, **kwargs) -> HTTP:
    # pybit sleeps before retrying its retry_codes: 10002 (recv_window) is
    # retried without a delay; 10006 (rate limit) would wait for Bybit's reset.
    kwargs.setdefault("retry_codes", {10002})
    made = HTTP(api_key=API_KEY, api_secret=SECRET, retry_delay=0, **kwargs)
    if adapter is not None:
        made.client.mount("https://", adapter)
    return made


@pytest.fixture
def raised(monkeypatch):
    """Every exception pybit's status and payload checks raise, in order."""
    seen: list[BaseException] = []
    manager = _http_manager._V5HTTPManager
    for name in ("_check_status_code", "_handle_response"):
        real = getattr(manager, name)

        def recording(self, *args, _real=real, **kwargs):
            try:
                return _real(self, *args, **kwargs)
            except (FailedRequestError, InvalidRequestError) as exc:
                seen.append(exc)
                raise

        monkeypatch.setattr(manager, name, recording)
    return seen


def call(made: HTTP, entry: dict):
    split = urlsplit(entry["url"])
    path = f"{split.scheme}://{split.netloc}{split.path}"
    try:
        return made._submit_request(
            method=entry.get("method", "GET"),
            path=path,
            query=dict(parse_qsl(split.query)),
            auth=True,
        )
    except Exception as exc:
        return exc


class TestCorpus:
    @pytest.mark.parametrize("entry", BYBIT, ids=ids(BYBIT))
    def test_replay(self, entry, raised):
        """Each Bybit corpus response through pybit: typed as expected, else the same object."""
        made = ipwhitelist.wrap(
            client(CannedAdapter(entry["http_status"], entry["body"])), egress=False
        )

        exc = call(made, entry)

        if entry["expect"] is None:
            assert not isinstance(exc, ipwhitelist.IPRejection)
            if raised:
                assert exc is raised[-1]
            else:
                # pybit's own "retries exceeded", raised in its loop: as unwrapped.
                plain = call(client(CannedAdapter(entry["http_status"], entry["body"])), entry)
                assert (type(plain), plain.message, plain.status_code) == (
                    type(exc),
                    exc.message,
                    exc.status_code,
                )
            return
        assert isinstance(exc, KINDS[entry["expect"]])
        assert isinstance(exc, FailedRequestError | InvalidRequestError)
        assert exc.original is raised[-1]
        assert exc.status_code == raised[-1].status_code

    def test_tally(self, raised):
        """Recall is complete, no near-miss is typed, near-misses pass as the same object."""
        tally = Tally()
        for entry in BYBIT:
            made = ipwhitelist.wrap(
                client(CannedAdapter(entry["http_status"], entry["body"])), egress=False
            )
            raised.clear()
            exc = call(made, entry)
            tally.add(entry, exc, raised[-1] if raised else None)

        print(f"pybit: {tally!r}")

        assert (tally.found, tally.false_positives) == (tally.expected, 0)
        # Two near-misses are pybit's own "retries exceeded" error, raised in its loop.
        assert tally.near_misses - 2 == tally.same_object


class TestDroppedBody:
    def test_403_body_recovered(self):
        """pybit raises 'You have breached the IP rate limit…' for any 403: the body decides."""
        made = ipwhitelist.wrap(client(CannedAdapter(403, "access too frequent")), egress=False)

        with pytest.raises(FailedRequestError) as info:
            made.get_wallet_balance(accountType="UNIFIED")

        assert isinstance(info.value, ipwhitelist.IPBanned)
        assert (403, "access too frequent") == (
            info.value.diagnosis.http_status,
            info.value.diagnosis.message,
        )

    def test_unwrapped_loses_it(self):
        """Without wrap(), the body is gone: the message is pybit's, whatever Bybit said."""
        made = client(CannedAdapter(403, "access too frequent"))

        with pytest.raises(FailedRequestError) as info:
            made.get_wallet_balance(accountType="UNIFIED")

        assert "access too frequent" not in str(info.value)

    def test_another_sessions_response_is_not_taken(self):
        """A failed response recorded on one client's session is never read for another's error."""
        first = ipwhitelist.wrap(client(), egress=False)
        second = ipwhitelist.wrap(client(), egress=False)
        # A 403 on the first client's session that nothing classified.
        first.client.hooks["response"][0](_response(403, "access too frequent"))
        error = FailedRequestError("GET x: ", "HTTP status code is not 200.", 403, "t", {})

        response = adapter_for(second).response(second, error, "_submit_request")

        assert (403, "") == (response.http_status, response.body)


def _response(status, body):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.request = requests.Request("GET", "https://api.bybit.com/v5/x").prepare()
    response.url = response.request.url
    return response


class TestIgnoreCodes:
    def test_returned_is_reported_not_raised(self):
        """10010 in ignore_codes: the dict comes back unchanged, and the hooks hear of it."""
        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])
        made = ipwhitelist.wrap(
            client(CannedAdapter(200, UNMATCHED), ignore_codes={10010}), egress=False
        )

        result = made.get_wallet_balance(accountType="UNIFIED")

        assert 10010 == result["retCode"]
        assert {("bybit", "ip_not_whitelisted"): 1} == counter.counts

    def test_raise_returned(self):
        """raise_returned=True: the returned 10010 raises, as pybit's InvalidRequestError would."""
        made = ipwhitelist.wrap(
            client(CannedAdapter(200, UNMATCHED), ignore_codes={10010}),
            egress=False,
            raise_returned=True,
        )

        with pytest.raises(InvalidRequestError) as info:
            made.get_wallet_balance(accountType="UNIFIED")

        assert isinstance(info.value, ipwhitelist.IPNotWhitelisted)
        assert (10010, None) == (info.value.status_code, info.value.original)

    def test_other_returned_codes_untouched(self):
        """A returned code that is not an IP rejection is returned, unreported."""
        counter = ipwhitelist.RejectionCounter()
        ipwhitelist.set_on_rejection_hooks([counter])
        body = body_of({"retCode": 10005, "retMsg": "Permission denied", "result": {}})
        made = ipwhitelist.wrap(
            client(CannedAdapter(200, body), ignore_codes={10005}),
            egress=False,
            raise_returned=True,
        )

        assert 10005 == made.get_wallet_balance(accountType="UNIFIED")["retCode"]
        assert {} == counter.counts


class TestSecrets:
    def test_repr_secret_never_reaches_diagnosis(self):
        """pybit's repr prints api_secret; no secret reaches the exception, diagnosis or pickle."""
        echo = body_of({"retCode": 10010, "retMsg": f"Unmatched IP for {API_KEY} / {SECRET}"})
        made = ipwhitelist.wrap(client(CannedAdapter(200, echo)), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            made.get_wallet_balance(accountType="UNIFIED")
        exc = info.value

        no_secret(
            str(exc), repr(exc), str(exc.diagnosis), exc.diagnosis.to_dict(), pickle.dumps(exc)
        )
        assert isinstance(pickle.loads(pickle.dumps(exc)), InvalidRequestError)

    def test_wrapped_client_repr_shows_no_secret(self):
        """pybit's dataclass repr prints api_secret; a wrapped client's repr never does."""
        made = ipwhitelist.wrap(client(), egress=False)

        shown = repr(made)

        no_secret(shown, str(made), f"{made!r}")
        assert shown.startswith("HTTP(")
        assert "api_secret='***'" in shown

    def test_unwrap_removes_the_hook(self):
        """unwrap() restores the class and takes the response hook off the session."""
        made = ipwhitelist.wrap(client(), egress=False)
        ipwhitelist.wrap(made, egress=False)

        assert 1 == len(made.client.hooks["response"])
        ipwhitelist.unwrap(made)
        assert HTTP is type(made)
        assert [] == made.client.hooks["response"]
