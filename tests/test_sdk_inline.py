"""
The raised-error guard written into an SDK's own choke point (`inline.inline_guard`).

python-binance's ``Client._request``, its WebSocket API coroutines,
``AsyncClient._handle_response`` and binance-connector's ``send_request`` are
recompiled from the SDK's source with the guard's try/except around their
body, when that source provably compiles to the running code; otherwise the
guard is a function of its own. Both must type, and pass through, the same.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

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


def test_a_non_ip_error_passes_through_as_the_same_object(monkeypatch):
    """The inlined handler re-raises the SDK's own exception object, untouched."""
    client = ipwhitelist.wrap(fresh_client(400, B1021), egress=False)
    raised = []
    real = client._handle_response

    def handle(response):
        try:
            return real(response)
        except BinanceAPIException as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(client, "_handle_response", handle)
    with pytest.raises(BinanceAPIException) as caught:
        client.get_account()
    assert caught.value is raised[0]


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
