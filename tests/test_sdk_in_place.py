"""
wrap() guards an SDK client's class in place: what that keeps, and what it must not touch.

The first wrap of an SDK client puts the guards on its class, once, and marks
the client with ``object.__setattr__`` (`_client.sdk.base`), so the client's
attributes stay inline and CPython's specialised attribute reads keep working.
These tests pin the consequences: the object keeps its class, wrapped clients
are freed at once, an unwrapped client of a guarded class sees the SDK's own
results and errors, and a subclass is guarded once, not twice.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import sys
import weakref
from pathlib import Path

import httpx
import pytest
from binance.client import Client
from binance.exceptions import BinanceAPIException
from okx.Account import AccountAPI
from pybit.exceptions import InvalidRequestError
from pybit.unified_trading import HTTP

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter
from ipwhitelist._client.sdk.base import guarded_classes
from sdks import (  # binance_loop: an autouse fixture
    PASSPHRASE,
    binance_loop,  # noqa: F401
    no_secret,
)

PACKAGE = str(Path(ipwhitelist.__file__).parent)
# pybit's guarded methods: their guards carry the same names.
GUARDED = {"_submit_request", "_submit_file_request", "guarded"}
BINANCE_2015 = json.dumps({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
BYBIT_OK = json.dumps({"retCode": 0, "retMsg": "OK", "result": {"list": []}, "time": 1})
BYBIT_10010 = json.dumps({"retCode": 10010, "retMsg": "Unmatched IP, please check your API key's bound IP addresses.", "result": {}, "time": 1})  # fmt: skip


def binance(status: int = 200, body: str = "{}") -> Client:
    client = Client(API_KEY, SECRET, ping=False)
    client.session.mount("https://", CannedAdapter(status, body))
    return client


def bybit(body: str = BYBIT_OK) -> HTTP:
    client = HTTP(api_key=API_KEY, api_secret=SECRET)
    client.client.mount("https://", CannedAdapter(200, body))
    return client


def inline(client: object) -> bool:
    """
    Whether *client*'s attributes are still kept inline (no ``__dict__`` built).

    Reading ``__dict__`` would build it, so this asks the allocator instead: an
    object whose dict was materialised refers to it, one with inline values
    does not (``gc.get_referents`` lists the dict only when it exists).
    """
    return not any(type(r) is dict and API_KEY in r.values() for r in gc.get_referents(client))


def test_the_client_keeps_its_class_and_inline_attributes():
    """wrap() neither swaps the class nor builds the instance dict."""
    client = binance(200, "{}")
    assert inline(client)  # the check can tell: see the next assertion
    ipwhitelist.wrap(client, egress=False)
    assert type(client) is Client
    assert inline(client)
    assert ipwhitelist.is_wrapped(client)
    client.get_account()
    assert inline(client)
    vars(client)  # builds the dict: the helper sees it
    assert not inline(client)


def test_a_wrapped_client_is_freed_at_once_even_armed():
    """No reference cycle: after a rejection (armed for recovery), dropping it frees it, gc off."""
    client = ipwhitelist.wrap(binance(401, BINANCE_2015), egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        client.get_account()
    assert type(client) is not Client  # armed: the recovery watch
    assert isinstance(client, Client)
    ref = weakref.ref(client)
    gc.collect()
    gc.disable()
    try:
        del client
        assert ref() is None
    finally:
        gc.enable()


def test_an_unwrapped_client_of_a_guarded_class_is_untouched():
    """The SDK's own error, the same object, and no hook hears of it."""
    ipwhitelist.wrap(binance(), egress=False)  # the class now carries the guards
    assert Client in guarded_classes()
    heard: list[object] = []
    ipwhitelist.set_on_rejection_hooks([heard.append])  # conftest restores the hooks
    plain = binance(401, BINANCE_2015)
    with pytest.raises(BinanceAPIException) as raised:
        plain.get_account()
    assert not isinstance(raised.value, ipwhitelist.IPRejection)
    assert heard == []
    assert not ipwhitelist.is_wrapped(plain)
    assert type(plain) is Client
    # The same hook hears a wrapped client's rejection: the test can fail.
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        ipwhitelist.wrap(plain, egress=False).get_account()
    assert len(heard) == 1


def test_unwrap_gives_back_the_sdk_errors():
    client = ipwhitelist.wrap(binance(401, BINANCE_2015), egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        client.get_account()
    assert ipwhitelist.unwrap(client) is client
    assert type(client) is Client  # disarmed too
    assert not ipwhitelist.is_wrapped(client)
    with pytest.raises(BinanceAPIException) as raised:
        client.get_account()
    assert not isinstance(raised.value, ipwhitelist.IPRejection)
    # Wrapping again works; the class's guards are the ones already there.
    before = guarded_classes()[Client]
    ipwhitelist.wrap(client, egress=False)
    assert guarded_classes()[Client] == before
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        client.get_account()


def test_a_subclass_is_guarded_once():
    """A subclass wraps the SDK's own method, not the base class's guard: one guard per call."""

    class Mine(HTTP):
        pass

    ipwhitelist.wrap(bybit(), egress=False)
    mine = ipwhitelist.wrap(Mine(api_key=API_KEY, api_secret=SECRET), egress=False)
    mine.client.mount("https://", CannedAdapter(200, BYBIT_OK))
    guards = []

    def profile(frame, event, _arg):
        code = frame.f_code
        if event == "call" and code.co_filename.startswith(PACKAGE) and code.co_name in GUARDED:
            guards.append(code)

    sys.setprofile(profile)
    try:
        mine.get_wallet_balance(accountType="UNIFIED")
    finally:
        sys.setprofile(None)
    assert len(guards) == 1, guards


def test_a_subclass_rejection_is_typed_and_sdk_class():
    class Mine(HTTP):
        pass

    mine = ipwhitelist.wrap(Mine(api_key=API_KEY, api_secret=SECRET), egress=False)
    mine.client.mount("https://", CannedAdapter(200, BYBIT_10010))
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as raised:
        mine.get_wallet_balance(accountType="UNIFIED")
    assert isinstance(raised.value, InvalidRequestError)


def test_pybit_repr_is_redacted_only_for_wrapped_clients():
    wrapped = ipwhitelist.wrap(bybit(), egress=False)
    no_secret(repr(wrapped))
    plain = bybit()
    assert SECRET in repr(plain)  # pybit's own repr, untouched
    ipwhitelist.unwrap(wrapped)
    assert SECRET in repr(wrapped)


def test_a_copy_of_a_wrapped_client_is_wrapped():
    client = ipwhitelist.wrap(binance(401, BINANCE_2015), egress=False)
    twin = copy.copy(client)
    assert ipwhitelist.is_wrapped(twin)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        twin.get_account()


def test_okx_unwrapped_client_gets_the_error_dict_unreported():
    """python-okx returns errors as data: an unwrapped client gets the dict, no hook fires."""
    body = {"code": "50110", "msg": "Your IP 203.0.113.7 is not included in your API key's IP whitelist.", "data": []}  # fmt: skip
    wrapped = ipwhitelist.wrap(AccountAPI(API_KEY, SECRET, PASSPHRASE, flag="0"), egress=False)
    assert ipwhitelist.is_wrapped(wrapped)
    plain = AccountAPI(API_KEY, SECRET, PASSPHRASE, flag="0")
    plain._transport = httpx.MockTransport(lambda _r: httpx.Response(200, json=body))
    plain._mounts = {}
    heard: list[object] = []
    ipwhitelist.set_on_rejection_hooks([heard.append])  # conftest restores the hooks
    assert plain.get_account_balance() == body
    assert heard == []
    ipwhitelist.wrap(plain, egress=False)
    assert plain.get_account_balance() == body  # reported, not raised (no opt-in)
    assert len(heard) == 1


def test_an_async_client_near_the_inline_limit_stays_inline():
    """AsyncClient has 28 attributes of CPython's 30 inline: wrap() adds one, not two."""
    from binance.async_client import AsyncClient

    # A class of its own: CPython's inline layout is per class, the union of
    # the attribute names any of its instances ever had (other tests' too).
    fresh = type("AsyncClient", (AsyncClient,), {})

    async def main() -> tuple[bool, bool]:
        client = fresh(API_KEY, SECRET)
        await client.session.close()
        before = inline(client)
        ipwhitelist.wrap(client, egress=False, raise_returned=True)
        return before, inline(client)

    assert asyncio.run(main()) == (True, True)


def test_a_patch_of_the_class_undone_does_not_leave_clients_unguarded():
    """mock.patch on the SDK class at the first wrap, then undone: the next wrap guards again."""
    from unittest import mock

    class Mine(HTTP):  # a class of its own, guarded first here
        pass

    with mock.patch.object(Mine, "__repr__", lambda _self: "patched"):  # noqa: PT008
        ipwhitelist.wrap(Mine(api_key=API_KEY, api_secret=SECRET), egress=False)
    client = ipwhitelist.wrap(Mine(api_key=API_KEY, api_secret=SECRET), egress=False)
    assert "Mine(" in repr(client) or "HTTP(" in repr(client)
    no_secret(repr(client))
    client.client.mount("https://", CannedAdapter(200, BYBIT_10010))
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        client.get_wallet_balance(accountType="UNIFIED")


def test_a_deep_copy_records_its_own_failures():
    """The copied session's hook is replaced: it recorded under the original's session."""
    from pybit.exceptions import FailedRequestError

    made = HTTP(api_key=API_KEY, api_secret=SECRET, retry_delay=0, retry_codes={10002})
    made.client.mount("https://", CannedAdapter(403, "access too frequent"))
    ipwhitelist.wrap(made, egress=False)
    twin = ipwhitelist.wrap(copy.deepcopy(made), egress=False)
    with pytest.raises(FailedRequestError) as raised:
        twin.get_wallet_balance(accountType="UNIFIED")
    assert isinstance(raised.value, ipwhitelist.IPBanned)
