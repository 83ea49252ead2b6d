"""
`guard.spelled`: a guard written out with the guarded function's own parameters.

It must bind every call exactly as the function itself would (same values,
same defaults, a TypeError where the function would raise one), and keep the
guards' contract: an error it does not classify passes through as the same
object, a classified one is raised typed.
"""

from __future__ import annotations

import asyncio
import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybit.unified_trading import HTTP

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter
from ipwhitelist._client.guard import spelled

BYBIT_10010 = json.dumps({"retCode": 10010, "retMsg": "Unmatched IP, please check your API key's bound IP addresses.", "result": {}, "time": 1})  # fmt: skip


def a_rejection() -> ipwhitelist.IPRejection:
    """A real rejection, with its diagnosis (a wrapped pybit client refused with 10010)."""
    client = HTTP(api_key=API_KEY, api_secret=SECRET)
    client.client.mount("https://", CannedAdapter(200, BYBIT_10010))
    ipwhitelist.wrap(client, egress=False)
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as raised:
        client.get_wallet_balance(accountType="UNIFIED")
    return raised.value


NAMES = st.lists(
    st.text(string.ascii_lowercase, min_size=1, max_size=3).filter(
        lambda n: n not in {"if", "in", "is", "or", "as", "def", "for", "and", "not", "del", "try"}
    ),
    min_size=1,
    max_size=7,
    unique=True,
)


@st.composite
def signatures(draw):
    """The source of a function with a random signature, returning how it was called."""
    names = draw(NAMES)
    positional = draw(st.integers(1, len(names)))
    posonly = draw(st.integers(0, positional))
    pos, kw = names[:positional], names[positional:]
    defaults = draw(st.integers(0, positional - 1))  # the first stays required (self)
    params = [f"{n}={i}" if i >= positional - defaults else n for i, n in enumerate(pos)]
    if posonly:
        params.insert(posonly, "/")
    star = draw(st.booleans())
    if star:
        params.append("*rest")
    elif kw:
        params.append("*")
    params += [f"{n}='{n}'" if draw(st.booleans()) else n for n in kw]
    stars = draw(st.booleans())
    if stars:
        params.append("**extra")
    return f"def target({', '.join(params)}):\n    return dict(locals())\n"


def calls():
    values = st.integers(0, 3)
    return st.tuples(
        st.lists(values, max_size=6),
        st.dictionaries(st.sampled_from(["a", "b", "c", "ab", "rest", "extra", "zz"]), values),
    )


def outcome(fn, args, kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except TypeError:
        return "TypeError", None


@settings(max_examples=300, deadline=None)
@given(signatures(), st.lists(calls(), min_size=1, max_size=5))
def test_a_spelled_guard_binds_as_the_function(source, attempts):
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - a generated test function
    target = namespace["target"]
    guarded = spelled(target, "raised", classify=lambda _a, _e: None, catch=Exception)
    assert guarded is not None
    assert guarded.__name__ == "target"
    for args, kwargs in attempts:
        assert outcome(guarded, args, kwargs) == outcome(target, args, kwargs), source


def test_unclassified_errors_pass_through_as_the_same_object():
    boom = ValueError("not an IP rejection")

    def target(self, x, *, y=1):
        raise boom

    seen = []
    guarded = spelled(target, "raised", classify=lambda a, e: seen.append((a, e)), catch=ValueError)
    with pytest.raises(ValueError) as raised:
        guarded("client", 1, y=2)
    assert raised.value is boom
    assert seen == [(("client",), boom)]


def test_a_classified_error_is_raised_typed():
    rejection = a_rejection()

    async def target(self, x):
        raise KeyError(x)

    guarded = spelled(target, "raised", classify=lambda _a, _e: rejection, catch=KeyError)
    with pytest.raises(ipwhitelist.IPNotWhitelisted) as raised:
        asyncio.run(guarded("client", 1))
    assert raised.value is rejection


def test_returned_errors_are_looked_at_once_and_raised_when_asked():
    rejection = a_rejection()
    looked = []

    def target(self, path, params=None):
        return {"code": "50110", "path": path}

    guarded = spelled(
        target,
        "returned",
        classify=None,
        catch=(),
        look=lambda client, result: looked.append(result) or result,
        inspect=lambda _args, _found: rejection,
        raises=lambda args: args[0] == "raising",
    )
    assert guarded("quiet", "/a") == {"code": "50110", "path": "/a"}
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        guarded("raising", "/b")
    assert len(looked) == 2


def test_what_cannot_be_spelled_is_refused():
    assert spelled(len, "raised", classify=None, catch=()) is None  # not a Python function
    assert spelled(lambda: 1, "raised", classify=None, catch=()) is None  # no first parameter

    def clash(self, _ipwhitelist_fn):
        return _ipwhitelist_fn

    assert spelled(clash, "raised", classify=None, catch=()) is None


def test_a_keyword_name_is_refused():
    """str.isidentifier() accepts keywords; the template must not be compiled with one."""

    def target(self, a):
        return a

    target.__name__ = "None"
    assert spelled(target, "raised", classify=None, catch=()) is None
