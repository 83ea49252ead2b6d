"""
The guards written into an SDK's own choke point (`inline.inline_guard`).

python-binance's ``Client._request``, its WebSocket API coroutines,
``AsyncClient._handle_response`` and binance-connector's ``send_request`` are
recompiled from the SDK's source with the guard's try/except around their
body, when that source provably compiles to the running code; otherwise the
guard is a function of its own. Both must type, and pass through, the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys

import httpx
import pytest
from binance.async_client import AsyncClient
from binance.client import Client
from binance.exceptions import BinanceAPIException

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter
from ipwhitelist._client import inline
from ipwhitelist._client.sdk.base import own
from sdks import (  # binance_loop: an autouse fixture
    PACKAGE,
    binance_loop,  # noqa: F401
    own_calls,
)

B2015 = json.dumps({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
B1021 = json.dumps(
    {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
)


class _Answer:
    """What python-binance's AsyncClient reads of an aiohttp response."""

    def __init__(self, status: int, body: str) -> None:
        self.status, self.body, self.headers = status, body, {}

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_exc):
        return False

    async def text(self) -> str:
        return self.body

    async def json(self):
        return json.loads(self.body)


class AiohttpLike:
    """Stands in for AsyncClient's aiohttp session: every request gets one answer."""

    def __init__(self, status: int, body: str) -> None:
        self.answer = (status, body)
        self.closed = False

    def _request(self, *_args, **_kwargs) -> _Answer:
        return _Answer(*self.answer)

    get = post = put = delete = _request

    async def close(self) -> None:
        self.closed = True


def fresh_client(status: int, body: str) -> Client:
    """A client of a new subclass of Client: wrap() guards that class anew."""
    cls = type("Client", (Client,), {})
    client = cls(API_KEY, SECRET, ping=False)
    client.session.mount("https://", CannedAdapter(status, body))
    return client


@pytest.fixture
def unfit(monkeypatch, caplog):
    """Make the SDK's source read differently from its bytecode (a patched SDK)."""
    monkeypatch.setattr(inline, "_inlined", {})
    caplog.set_level(logging.DEBUG, logger="ipwhitelist")
    real = inline._source
    # Another first return value: the same shape, other bytecode.
    monkeypatch.setattr(
        inline, "_source", lambda func: real(func).replace("return ", "return len and ", 1)
    )
    return caplog


def outcome(client: Client):
    try:
        return client.get_account()
    except BinanceAPIException as exc:
        return exc


def test_client_request_is_the_sdks_own_code_with_the_guard():
    client = ipwhitelist.wrap(fresh_client(200, "{}"), egress=False)
    guarded = type(client)._request
    original = own(type(client), "_request")

    assert inline.is_inlined(guarded.__code__)
    assert guarded.__code__.co_filename == original.__code__.co_filename
    assert guarded.__qualname__ == original.__qualname__
    assert 0 == own_calls(client.get_account)


def test_async_handle_response_is_inlined_and_success_runs_no_frame():
    async def main() -> float:
        client = AsyncClient(API_KEY, SECRET)
        await client.session.close()
        client.session = AiohttpLike(200, "{}")
        ipwhitelist.wrap(client, egress=False)
        assert inline.is_inlined(type(client)._handle_response.__code__)
        seen = 0

        def profile(frame, event, _arg):
            nonlocal seen
            if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
                seen += 1

        await client.get_account()
        sys.setprofile(profile)
        try:
            for _ in range(10):
                await client.get_account()
        finally:
            sys.setprofile(None)
        return seen

    assert 0 == asyncio.run(main())


def test_a_patched_sdk_is_guarded_apart(unfit):
    """Source that does not compile to the running bytecode: the separate guard, and why."""
    client = ipwhitelist.wrap(fresh_client(401, B2015), egress=False)

    assert not inline.is_inlined(type(client)._request.__code__)
    assert any("not inlined" in r.message for r in unfit.records)
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as raised:
        client.get_account()
    assert isinstance(raised.value, BinanceAPIException)


@pytest.mark.parametrize(("status", "body"), [(401, B2015), (400, B1021), (200, "{}")])
def test_both_paths_give_the_same_outcome(monkeypatch, status, body):
    inlined = outcome(ipwhitelist.wrap(fresh_client(status, body), egress=False))
    monkeypatch.setattr(inline, "_inlined", {})
    monkeypatch.setattr(inline, "_source", lambda _func: "def nothing(): pass\n")
    apart_client = ipwhitelist.wrap(fresh_client(status, body), egress=False)
    assert not inline.is_inlined(type(apart_client)._request.__code__)
    apart = outcome(apart_client)

    assert type(inlined) is type(apart)
    if isinstance(inlined, ipwhitelist.IPRejection):
        assert inlined.diagnosis.code == apart.diagnosis.code
        assert inlined.diagnosis.exchange == apart.diagnosis.exchange
    elif isinstance(inlined, BaseException):
        assert inlined.code == apart.code
        assert not isinstance(inlined, ipwhitelist.IPRejection)
    else:
        assert inlined == apart


def test_a_non_ip_error_passes_through_as_the_same_object(binance_raised):
    """The inlined handler re-raises the SDK's own exception object, untouched."""
    client = ipwhitelist.wrap(fresh_client(400, B1021), egress=False)
    assert inline.is_inlined(type(client)._request.__code__)
    with pytest.raises(BinanceAPIException) as caught:
        client.get_account()
    assert caught.value is binance_raised[0]


def _only_documented(self):
    """Nothing but a docstring."""


def _generating(self):
    yield self


class _Calling:
    def method(self):
        return super().__repr__()  # a closure over __class__


@pytest.mark.parametrize("func", [_only_documented, _generating, _Calling.method])
def test_what_cannot_be_inlined_is_guarded_apart(func, caplog):
    """No crash in wrap(): an unusual function is refused, with a reason at debug level."""
    caplog.set_level(logging.DEBUG, logger="ipwhitelist")
    found = inline.inline_guard(Client, func, classify=lambda *_: None, catch=Exception)
    assert found is None
    assert any("not inlined" in r.message for r in caplog.records)


_made_defaults = []


def _counted() -> int:
    _made_defaults.append(1)
    return len(_made_defaults)


class _Defaults:
    TIMEOUT = 10

    def request(self, method, timeout=TIMEOUT, *, count=_counted()):  # noqa: B008 - the test's point
        raise RuntimeError((method, timeout, count))


def test_defaults_are_the_originals_and_not_evaluated_again():
    """A class-scoped default (NameError in the factory) and one with a side effect."""
    made = len(_made_defaults)
    func = _Defaults.__dict__["request"]
    copy_ = inline.inline_guard(_Defaults, func, classify=lambda *_: None, catch=RuntimeError)
    assert copy_ is not None
    assert len(_made_defaults) == made  # not evaluated again
    assert copy_.__defaults__ is func.__defaults__
    with pytest.raises(RuntimeError) as raised:
        copy_(_Defaults(), "GET")
    assert raised.value.args[0] == ("GET", 10, 1)


# -- errors returned as data (python-okx) -----------------------------------------

OKX_OK = {"code": "0", "msg": "", "data": [{"totalEq": "1"}]}
OKX_IP = {
    "code": "50110",
    "msg": "Your IP 203.0.113.7 is not included in your API key's IP whitelist.",
}
OKX_SIGN = {"code": "50113", "msg": "Invalid Sign", "data": []}
OKX_BATCH_IP = {
    "code": "1",
    "msg": "",
    "data": [{"sCode": "50110", "sMsg": OKX_IP["msg"], "ordId": ""}],
}


def okx_client(status: int, body: str):
    """A python-okx client of a new subclass (wrap() guards it anew); one answer to all."""
    from okx.Account import AccountAPI

    cls = type("AccountAPI", (AccountAPI,), {})
    made = cls(API_KEY, SECRET, "passphrase", flag="0")
    made._transport = httpx.MockTransport(
        lambda _request: httpx.Response(status, content=body.encode())
    )
    made._mounts = {}
    return made


def okx_outcome(made, hooks):
    try:
        found = made.get_account_balance()
    except Exception as exc:
        found = exc
    return found, [(d.exchange, d.code, d.http_status) for d in hooks]


@pytest.mark.parametrize("raise_returned", [False, True])
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, json.dumps(OKX_OK)),
        (401, json.dumps(OKX_IP)),
        (200, json.dumps(OKX_SIGN)),
        (200, json.dumps(OKX_BATCH_IP)),
        (403, "<html>blocked</html>"),
    ],
)
def test_okx_both_paths_give_the_same_outcome(monkeypatch, status, body, raise_returned):
    """python-okx's _request with both guards written in, or guarded apart: the same."""
    outcomes = []
    for written_in in (True, False):
        if not written_in:
            monkeypatch.setattr(inline, "_inlined", {})
            monkeypatch.setattr(inline, "_source", lambda _func: "def nothing(): pass\n")
        made = okx_client(status, body)
        seen: list[ipwhitelist.Diagnosis] = []
        ipwhitelist.set_on_rejection_hooks([seen.append])
        ipwhitelist.wrap(made, egress=False, raise_returned=raise_returned)
        assert inline.is_inlined(type(made)._request.__code__) is written_in
        outcomes.append(okx_outcome(made, seen))
    (inlined, inlined_hooks), (apart, apart_hooks) = outcomes

    assert inlined_hooks == apart_hooks
    assert type(inlined) is type(apart)
    if isinstance(inlined, ipwhitelist.IPRejection):
        assert inlined.diagnosis.code == apart.diagnosis.code
        assert inlined.diagnosis.reported_ip == apart.diagnosis.reported_ip
    elif isinstance(inlined, BaseException):
        assert str(inlined) == str(apart)
    else:
        assert inlined == apart


def test_okx_returned_rejection_is_reported_and_returned_unchanged():
    """Without raise_returned the SDK's own dict comes back; the hooks hear of the rejection."""
    made = okx_client(200, json.dumps(OKX_IP))
    seen: list[ipwhitelist.Diagnosis] = []
    ipwhitelist.set_on_rejection_hooks([seen.append])
    ipwhitelist.wrap(made, egress=False)
    assert inline.is_inlined(type(made)._request.__code__)

    assert made.get_account_balance() == OKX_IP
    assert [(d.exchange, d.code, str(d.reported_ip)) for d in seen] == [
        ("okx", "50110", "203.0.113.7")
    ]


class _Returning:
    """Functions whose returns the inlined guard must look at, or refuse to touch."""

    def branches(self, x):  # noqa: RET503 - falling off the end is the test's point
        if x == 1:
            return "one"
        for _ in range(x):
            if x > 3:
                return ("many", x)

        def inner():
            return "inner's own"  # not looked at: a nested function's return

        if x == 2:
            return inner()
        # x == 0 or 3: falls off the end, returning None

    def in_try(self, x):
        try:
            return {"x": x}
        except KeyError:
            return None

    def in_with(self, x):
        with contextlib.nullcontext():
            return x

    def reassigns(self, x):
        self = x  # noqa: PLW0642 - the test's point
        return self  # noqa: RET504


def _guarded(func, seen):
    def look(client, result):
        seen.append((client, result))
        return result if result == "reject" else None

    return inline.inline_guard(
        _Returning,
        func,
        classify=lambda *_: None,
        catch=RuntimeError,
        look=look,
        inspect=lambda _args, _found: None,
        raises=lambda _args: False,
    )


@pytest.mark.parametrize("x", [0, 1, 2, 3, 4, 5])
def test_every_return_is_looked_at_once(x):
    seen: list[tuple[object, object]] = []
    copy_ = _guarded(_Returning.branches, seen)
    assert copy_ is not None
    client = _Returning()
    expected = _Returning().branches(x)

    assert copy_(client, x) == expected
    assert seen == [(client, expected)]


@pytest.mark.parametrize("name", ["in_try", "in_with", "reassigns"])
def test_returns_the_sdk_could_intercept_are_guarded_apart(name, caplog):
    """A return in the SDK's own try or with block, or a client rebound: not inlined."""
    caplog.set_level(logging.DEBUG, logger="ipwhitelist")
    assert _guarded(_Returning.__dict__[name], []) is None
    assert any("not inlined" in r.message for r in caplog.records)


def test_inline_guard_wants_all_three_returned_handlers():
    with pytest.raises(TypeError, match="together"):
        inline.inline_guard(
            _Returning, _Returning.branches, classify=None, catch=(), look=lambda *_: None
        )


def test_okx_written_in_needs_no_response_hook():
    """python-okx's _request hands its response over on the error path: no hook on success."""
    made = ipwhitelist.wrap(okx_client(200, json.dumps(OKX_OK)), egress=False)
    assert inline.kept(type(made)._request) == "response"
    assert made.event_hooks["response"] == []


def test_okx_guarded_apart_keeps_the_response_hook(monkeypatch):
    monkeypatch.setattr(inline, "_inlined", {})
    monkeypatch.setattr(inline, "_source", lambda _func: "def nothing(): pass\n")
    made = ipwhitelist.wrap(okx_client(200, json.dumps(OKX_OK)), egress=False)
    assert inline.kept(type(made)._request) is None
    assert len(made.event_hooks["response"]) == 1


def test_okx_a_kept_response_never_serves_a_later_error(monkeypatch):
    """
    After a rejection, an error raised before any response is not diagnosed from it.

    The rejection passes back through the raised-error handler, which must not
    hand the rejected response over again: a ValueError raised later, before
    python-okx sent anything, would be classified from that response.
    """
    from okx import utils

    made = ipwhitelist.wrap(
        okx_client(401, "<html>403 Forbidden: your IP is blocked</html>"),
        egress=False,
        raise_returned=True,
    )
    made._transport = httpx.MockTransport(
        lambda _request: httpx.Response(401, content=json.dumps(OKX_IP).encode())
    )
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        made.get_account_balance()

    bad = ValueError("a parameter python-okx cannot serialise")

    def sign(*_args):
        raise bad

    monkeypatch.setattr(utils, "sign", sign)
    with pytest.raises(ValueError) as raised:
        made.get_account_balance()
    assert raised.value is bad


def test_okx_an_unwrapped_clients_failure_is_kept_for_no_one(monkeypatch):
    """
    A client of a guarded class that is not wrapped hands nothing over.

    Nothing would take it: a later error of the same client, wrapped by then,
    raised before python-okx sent anything, was diagnosed from that page
    (and the kept request held the signed headers until then).
    """
    made = okx_client(451, "<html>Unavailable For Legal Reasons</html>")
    ipwhitelist.wrap(made, egress=False)
    ipwhitelist.unwrap(made)
    with pytest.raises(ValueError) as first:
        made.get_account_balance()
    assert not isinstance(first.value, ipwhitelist.IPRejection)

    ipwhitelist.wrap(made, egress=False)
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular reference") as raised:
        made._request("POST", "/api/v5/trade/order", loop)
    assert not isinstance(raised.value, ipwhitelist.IPRejection)


def test_okx_a_users_module_named_like_the_sdk_is_not_the_sdk(tmp_path, monkeypatch):
    """An override in ``okx_bot`` is the user's code: its ``response`` is not handed over."""
    (tmp_path / "okx_bot.py").write_text(
        "from okx.Account import AccountAPI\n"
        "\n"
        "\n"
        "class MyAccount(AccountAPI):\n"
        "    def _request(self, method, request_path, params):\n"
        "        response = AccountAPI._request(self, method, request_path, params)\n"
        "        return response\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "okx_bot", raising=False)
    import okx_bot

    made = okx_bot.MyAccount(API_KEY, SECRET, "passphrase", flag="0")
    error = {"code": "51000", "msg": "Parameter instId error", "data": []}
    made._transport = httpx.MockTransport(
        lambda _request: httpx.Response(200, content=json.dumps(error).encode())
    )
    made._mounts = {}
    ipwhitelist.wrap(made, egress=False)

    assert inline.is_inlined(okx_bot.MyAccount._request.__code__)  # the user's, written in
    assert inline.kept(okx_bot.MyAccount._request) is None
    assert made.get_account_balance() == error


def test_okx_a_client_unwrapped_during_a_failed_call_keeps_nothing(monkeypatch):
    """Unwrapped (by another thread) between keep and the classifier: nothing is left kept."""
    from ipwhitelist._client.sdk import transport

    made = ipwhitelist.wrap(
        okx_client(451, "<html>Unavailable For Legal Reasons</html>"), egress=False
    )
    real = transport.keep

    def keep_then_unwrap(session, response):
        real(session, response)
        ipwhitelist.unwrap(made)  # what another thread could do at this moment

    monkeypatch.setattr(transport, "keep", keep_then_unwrap)
    with pytest.raises(ValueError) as raised:
        made.get_account_balance()
    assert not isinstance(raised.value, ipwhitelist.IPRejection)
    assert getattr(transport._local, "kept", None) is None
