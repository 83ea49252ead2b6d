"""
The guards written into ccxt's async fetch (src/ipwhitelist/_client/inline.py).

An async ccxt class gets ccxt's own ``fetch`` recompiled with the ``fetch``
guard and the ``handle_errors`` wrapper inside it, when its source provably
compiles to the running code; otherwise the separate guards. Both paths must
type (and pass through) exactly the same errors.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest

import ipwhitelist
from helpers import B2015, CREDENTIALS, CannedSession, body_of
from ipwhitelist._client import inline

PACKAGE = str(Path(ipwhitelist.__file__).parent)
FETCH = ccxt.async_support.Exchange.fetch
OK = (200, body_of({"balances": []}))
B451 = body_of({"code": 0, "msg": "Service unavailable from a restricted location."})
B1021 = body_of({"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."})
# A line of ccxt's async fetch in every admitted release (4.4.87 to 4.5.90).
ANCHOR = "self.last_request_headers = request_headers"
MODULES = pytest.mark.parametrize("module", [ccxt.async_support, ccxt.pro], ids=["async", "pro"])


def fresh(module: Any = ccxt.async_support) -> type:
    """A new binance subclass: wrap() builds its wrapped class anew."""
    return type("binance", (module.binance,), {})


@pytest.fixture
def unfit(monkeypatch, caplog):
    """Make ccxt's fetch source read differently from its bytecode (a patched ccxt)."""
    monkeypatch.setattr(inline, "_inlined", {})
    caplog.set_level(logging.DEBUG, logger="ipwhitelist")

    def source(func: Any) -> str:
        return real(func).replace(ANCHOR, "self.last_request_headers = None")

    real = inline._source
    monkeypatch.setattr(inline, "_source", source)
    return caplog


async def outcome(cls: type, answer: tuple[int, str], *, wrapped: bool = True) -> Any:
    """(the client's class, what ``private_get_account`` returns or raises) for *answer*."""
    client = cls({**CREDENTIALS, "enableRateLimit": False, "timeout_on_exit": 0})
    client.session = CannedSession(*answer)
    if wrapped:
        ipwhitelist.wrap(client, egress=False)
    # Before the call: a rejection arms the client with a subclass (watch.py).
    wrapped_class = type(client)
    try:
        return wrapped_class, await client.private_get_account()
    except ccxt.BaseError as exc:
        return wrapped_class, exc
    finally:
        await client.close()


def own_calls(client: Any, n: int = 10) -> float:
    """Python calls made in ipwhitelist's files per successful request (after a warm-up)."""
    seen = 0

    def profile(frame, event, _arg):
        nonlocal seen
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            seen += 1

    async def main() -> None:
        await client.private_get_account()
        sys.setprofile(profile)
        try:
            for _ in range(n):
                await client.private_get_account()
        finally:
            sys.setprofile(None)
            await client.close()

    asyncio.run(main())
    return seen / n


class TestInlined:
    @MODULES
    def test_async_fetch_is_ccxts_own_code_with_the_guards(self, module):
        """An async or pro class gets the inlined fetch, and no separate handle_errors wrapper."""
        client = ipwhitelist.wrap(fresh(module)(), egress=False)
        fetch = type(client).fetch

        assert inline.is_inlined(fetch.__code__)
        assert FETCH.__code__.co_filename == fetch.__code__.co_filename
        assert FETCH.__qualname__ == fetch.__qualname__
        assert inspect.signature(FETCH) == inspect.signature(fetch)
        assert "handle_errors" not in type(client).__dict__

    @MODULES
    def test_every_exchange_of_the_installed_ccxt_is_inlined(self, module, caplog):
        """Every async (and pro) exchange class ccxt ships gets the inlined fetch."""
        caplog.set_level(logging.DEBUG, logger="ipwhitelist")
        classes = [getattr(module, i) for i in ccxt.exchanges if hasattr(module, i)]

        inlined = {
            inline.inline_fetch(cls, cls.fetch, classify=lambda *_: None, typed_http=None)
            for cls in classes
        }

        assert len(classes) > 70
        assert None not in inlined
        assert [] == [r.message for r in caplog.records if "not inlined" in r.message]

    def test_success_runs_no_frame_of_ipwhitelist(self):
        """A successful async request passes through no ipwhitelist function at all."""
        client = fresh()({**CREDENTIALS, "enableRateLimit": False})
        client.session = CannedSession(*OK)

        assert 0 == own_calls(ipwhitelist.wrap(client, egress=False))

    def test_the_copy_is_built_once_per_ccxt_function(self):
        """Every exchange class sharing ccxt's fetch shares one inlined copy."""
        first = ipwhitelist.wrap(fresh()(), egress=False)
        second = ipwhitelist.wrap(fresh(ccxt.pro)(), egress=False)

        assert type(first).fetch is type(second).fetch

    def test_unwrap_restores_ccxts_fetch(self):
        """unwrap() gives the client ccxt's own fetch back."""
        client = ipwhitelist.wrap(fresh()(), egress=False)

        ipwhitelist.unwrap(client)

        assert FETCH is type(client).fetch

    def test_sync_clients_keep_the_guards(self):
        """Only async fetch is inlined: a sync class keeps its guard and wrapper."""
        client = ipwhitelist.wrap(ccxt.binance(), egress=False)

        assert not inline.is_inlined(type(client).fetch.__code__)
        assert "handle_errors" in type(client).__dict__


class TestFallback:
    def test_other_bytecode_keeps_the_separate_guards(self, unfit):
        """A source that does not compile to the running fetch: guards, and a debug line why."""
        client = ipwhitelist.wrap(fresh()(), egress=False)

        assert not inline.is_inlined(type(client).fetch.__code__)
        assert "handle_errors" in type(client).__dict__
        assert any("does not compile to the running bytecode" in r.message for r in unfit.records)

    @pytest.mark.parametrize(
        ("source", "why"),
        [
            (OSError("could not get source code"), "cannot be read"),
            ("async def fetch(self, url):\n    pass\n", "does not compile"),
            ("def fetch(self, url):\n    pass\n", "not one undecorated async def"),
            ("@staticmethod\nasync def fetch(self, url):\n    pass\n", "not one undecorated"),
        ],
    )
    def test_an_unexpected_source_keeps_the_separate_guards(self, monkeypatch, unfit, source, why):
        """No source, or not the running function's: the separate guards, never a half copy."""

        def read(_func: Any) -> str:
            if isinstance(source, Exception):
                raise source
            return source

        monkeypatch.setattr(inline, "_source", read)
        client = ipwhitelist.wrap(fresh()(), egress=False)

        assert not inline.is_inlined(type(client).fetch.__code__)
        assert any(why in r.message for r in unfit.records)

    def test_a_closure_or_a_non_function_is_not_inlined(self, unfit):
        """Only a plain coroutine function without free variables is recompiled."""
        value = 1

        async def closure(self, url, method="GET", headers=None, body=None):
            return value

        found = [
            inline.inline_fetch(ccxt.async_support.binance, f, classify=None, typed_http=None)
            for f in (closure, FETCH.__get__(ccxt.async_support.binance()), selfless)
        ]

        assert [None, None, None] == found
        assert any("is a closure" in r.message for r in unfit.records)
        assert any("not a plain coroutine function" in r.message for r in unfit.records)
        assert any("takes no self" in r.message for r in unfit.records)


async def selfless():
    """A coroutine function with readable source, but no client to guard."""


class TestSame:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("def f(): return 1", "def f(): return 2"),
            # Equal, but not the same constant: True == 1.
            ("def f(): return 1", "def f(): return True"),
            ("def f(): return lambda: 1", "def f(): return lambda: 2"),
            ("def f(): return 1", "def f(): return g"),
        ],
    )
    def test_other_constants_or_names_are_other_code(self, a, b):
        """The drift check tells apart code that differs only in a constant, a nested one or a name."""
        functions = [compile(s, "f", "exec").co_consts[0] for s in (a, b)]

        assert inline._same(functions[0], functions[0])
        assert not inline._same(*functions)

    @pytest.mark.parametrize(
        ("old", "new", "why"),
        [
            # A second call (and a reference) to handle_errors.
            (ANCHOR, f"{ANCHOR}; self.handle_errors", "exactly one"),
            # The call passes an expression, which the handler would evaluate again.
            (
                "self.handle_errors(http_status_code,",
                "self.handle_errors(http_status_code + 0,",
                "exactly one",
            ),
            (ANCHOR, f"{ANCHOR}; (lambda: None)()", "nested functions"),
        ],
    )
    def test_an_unexpected_shape_keeps_the_separate_guards(self, monkeypatch, unfit, old, new, why):
        """A fetch whose handle_errors call cannot be guarded in place is left alone."""
        drifted, source = patched_fetch(old, new)
        monkeypatch.setattr(inline, "_source", lambda _func: source)
        cls = type("binance", (ccxt.async_support.binance,), {"fetch": drifted})

        client = ipwhitelist.wrap(cls(), egress=False)

        assert not inline.is_inlined(type(client).fetch.__code__)
        assert any(why in r.message for r in unfit.records), [r.message for r in unfit.records]


def patched_fetch(old: str, new: str) -> tuple[Any, str]:
    """ccxt's fetch as a ccxt with *old* replaced by *new* in it would run it, and its source."""
    code = FETCH.__code__
    lines = Path(code.co_filename).read_text(encoding="utf-8").splitlines(keepends=True)
    first = code.co_firstlineno - 1
    last = first + len(inspect.getsource(FETCH).splitlines())
    source = "".join(lines[first:last])
    assert old in source
    source = source.replace(old, new)
    # The whole module, compiled as Python compiles ccxt's file.
    text = "".join([*lines[:first], source, *lines[last:]])
    module = compile(text, code.co_filename, "exec", dont_inherit=True)
    pending, found = [module], []
    while pending:
        unit = pending.pop()
        found.extend(c for c in unit.co_consts if isinstance(c, types.CodeType))
        pending.extend(c for c in unit.co_consts if isinstance(c, types.CodeType))
    (fetch,) = (c for c in found if c.co_qualname == code.co_qualname)
    drifted = types.FunctionType(fetch, FETCH.__globals__, "fetch", FETCH.__defaults__)
    return drifted, textwrap.dedent(source)


async def both_paths(answer: tuple[int, str]) -> tuple[Any, Any]:
    """The outcome through the inlined fetch, then through the separate guards."""
    cls, inlined = await outcome(fresh(), answer)
    assert inline.is_inlined(cls.fetch.__code__)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inline, "_inlined", {})
        patch.setattr(inline, "_source", lambda _func: "")
        cls, guarded = await outcome(fresh(), answer)
    assert not inline.is_inlined(cls.fetch.__code__)
    return inlined, guarded


def without_time(diagnosis: Any) -> dict[str, Any]:
    """The diagnosis as a dict, without when it was made."""
    return {k: v for k, v in diagnosis.to_dict().items() if k != "at"}


@pytest.mark.asyncio
class TestSameBehaviour:
    @pytest.mark.parametrize(
        "answer", [(401, B2015), (451, B451)], ids=["handle_errors", "status map"]
    )
    async def test_a_rejection_is_classified_the_same_way(self, answer):
        """-2015 (typed in handle_errors) and 451 (in fetch's guard): the same diagnosis both ways."""
        inlined, guarded = await both_paths(answer)

        assert isinstance(inlined, ipwhitelist.IPRejection)
        assert type(guarded) is type(inlined)
        assert without_time(guarded.diagnosis) == without_time(inlined.diagnosis)
        assert type(guarded.original) is type(inlined.original)
        assert inlined.__cause__ is not None
        assert inlined.original is not inlined.__cause__

    async def test_a_non_ip_error_is_ccxts_own_object_both_ways(self):
        """A -1021 comes out as ccxt's InvalidNonce, as unwrapped, through either path."""
        inlined, guarded = await both_paths((400, B1021))
        _, plain = await outcome(fresh(), (400, B1021), wrapped=False)

        assert (ccxt.InvalidNonce, str(plain)) == (type(inlined), str(inlined))
        assert (ccxt.InvalidNonce, str(plain)) == (type(guarded), str(guarded))

    async def test_success_returns_what_ccxt_returns(self):
        """A success returns what the plain client returns, through either path."""
        inlined, guarded = await both_paths(OK)
        _, plain = await outcome(fresh(), OK, wrapped=False)

        assert plain == inlined == guarded
