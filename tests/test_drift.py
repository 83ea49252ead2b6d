"""
A future ccxt that changes an internal wrap() relies on (src/ipwhitelist/_drift.py).

Each drift is simulated by a subclass of the real ``ccxt.binance`` whose
``handle_errors``, ``fetch`` or ``fetch2`` has changed, the callers rewritten
from ccxt's own source where the change is in how ccxt calls it. For each, a
wrapped client must behave exactly as the plain one (the same results, the very
same non-IP exception object, the same requests sent), keep typing IP rejections
from the outer layer, and log one warning naming what degraded.
"""

from __future__ import annotations

import inspect
import logging
import textwrap
from typing import Any

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest

import ipwhitelist
from helpers import B2015, CREDENTIALS, CannedAdapter, CannedSession, body_of, mount
from ipwhitelist._client import drift as _drift

OK = (200, body_of({"balances": []}))
B1021 = body_of({"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."})
B418 = body_of({"code": -1003, "msg": "Way too many requests; IP(198.51.100.7) banned until 1"})
CALL = (
    "self.handle_errors(http_status_code, http_status_text, url, method, headers, "
    "http_response, json_response, request_headers, request_body)"
)
FETCH_CALL = "self.fetch(request['url'], request['method'], request['headers'], request['body']"


def _rewrite(func: Any, old: str, new: str, **extra_globals: Any) -> Any:
    """ccxt's own *func* with *old* replaced by *new* in its source (a future ccxt)."""
    source = textwrap.dedent(inspect.getsource(func))
    assert old in source, f"{old!r} not in {func.__qualname__}"
    namespace = {**func.__globals__, **extra_globals}
    exec(compile(source.replace(old, new), inspect.getsourcefile(func), "exec"), namespace)  # noqa: S102
    return namespace[func.__name__]


class _Recording:
    """Keeps every exception ccxt's handle_errors raised, to check identity."""

    def handle_errors(self, code, reason, url, method, headers, body, response, rh, rb):
        return self.recorded(code, reason, url, method, headers, body, response, rh, rb)

    def recorded(self, *args):
        try:
            return super().handle_errors(*args)
        except ccxt.BaseError as exc:
            self.raised.append(exc)
            raise


def _fetch_drifts(owner: list[type], is_async: bool) -> dict[str, dict[str, Any]]:
    """Drifted fetch/fetch2 methods (of the class in *owner*), as functions or coroutines."""

    def extra_positional(self, url, method="GET", headers=None, body=None, config=None):
        self.seen.append((method, config))
        return super(owner[0], self).fetch(url, method, headers, body)

    def other_default(self, url, method=None, headers=None, body=None):
        self.seen.append((method, None))
        return super(owner[0], self).fetch(url, method or "GET", headers, body)

    def no_retry_loop(self, path, api="public", method="GET", params=None, *_: Any, **__: Any):
        request = self.sign(path, api, method, params or {})
        return self.fetch(request["url"], request["method"], request["headers"], request["body"])

    def fix(func: Any) -> Any:
        if not is_async:
            return func

        async def coroutine(self, *args: Any, **kwargs: Any) -> Any:
            return await func(self, *args, **kwargs)

        coroutine.__signature__ = inspect.signature(func)
        return coroutine

    return {
        "fetch: extra positional": {"fetch": fix(extra_positional)},
        "fetch: other default": {"fetch": fix(other_default)},
        "fetch2: no retry loop": {"fetch2": fix(no_retry_loop)},
    }


def _handle_errors_drifts(fetch: Any, drift: str) -> dict[str, Any]:
    """ccxt's *fetch* calling handle_errors another way, and a handle_errors to match."""

    def extra_positional(self, code, reason, url, method, headers, body, response, rh, rb, extra):
        return self.recorded(code, reason, url, method, headers, body, response, rh, rb)

    def missing_positional(self, code, reason, url, method, headers, body, response, rh):
        return self.recorded(code, reason, url, method, headers, body, response, rh, None)

    def keyword_only(self, code, reason, url, method, headers, body, response, rh, *, rb):
        return self.recorded(code, reason, url, method, headers, body, response, rh, rb)

    calls = {
        "handle_errors: extra positional": (extra_positional, CALL[:-1] + ", 'extra')"),
        "handle_errors: missing positional": (
            missing_positional,
            CALL.replace(", request_body)", ")"),
        ),
        "handle_errors: keyword-only": (
            keyword_only,
            CALL.replace(", request_body)", ", rb=request_body)"),
        ),
    }
    if drift not in calls:
        return {}
    handle_errors, call = calls[drift]
    return {"handle_errors": handle_errors, "fetch": _rewrite(fetch, CALL, call)}


def _fetch2_drifts(fetch2: Any, drift: str) -> dict[str, Any]:
    """ccxt's own *fetch2*, rewritten as a future ccxt might have it."""
    rewrites = {
        "fetch: extra positional": (FETCH_CALL, FETCH_CALL + ", config", {}),
        "fetch2: renamed global": (
            "OperationFailed",
            "Retryable",
            {"Retryable": ccxt.OperationFailed},
        ),
        "fetch2: rebound global": (
            "def fetch2",
            "def fetch2",
            {"OperationFailed": ccxt.NetworkError},
        ),
        "fetch2: mutable global": (
            "if isinstance(e, OperationFailed):",
            "if STATE['retry'] and isinstance(e, OperationFailed):",
            {"STATE": {"retry": True}},
        ),
    }
    if drift not in rewrites:
        return {}
    old, new, extra_globals = rewrites[drift]
    return {"fetch2": _rewrite(fetch2, old, new, **extra_globals)}


def _drifted(module: Any, drift: str) -> type:
    """A new subclass of *module*.binance (fresh functions: warnings are per function)."""
    owner: list[type] = []
    body = {
        **_fetch_drifts(owner, module is not ccxt).get(drift, {}),
        **_handle_errors_drifts(module.Exchange.fetch, drift),
        **_fetch2_drifts(module.Exchange.fetch2, drift),
    }
    owner.append(type("binance", (_Recording, module.binance), body))
    return owner[0]


SYNC_DRIFTS = [
    "handle_errors: extra positional",
    "handle_errors: missing positional",
    "handle_errors: keyword-only",
    "fetch: extra positional",
    "fetch: other default",
    "fetch2: no retry loop",
    "fetch2: renamed global",
    "fetch2: rebound global",
    "fetch2: mutable global",
]


def _client(cls: type, answer: tuple[int, str], *, wrapped: bool, retries: int = 0) -> Any:
    adapter = CannedAdapter(*answer)
    client = mount(cls({**CREDENTIALS, "enableRateLimit": False}), adapter)
    client.raised, client.seen, client.adapter = [], [], adapter
    client.options["maxRetriesOnFailure"] = retries
    client.sleep = lambda _ms: None
    return ipwhitelist.wrap(client, egress=False) if wrapped else client


def _outcome(client: Any, call: Any) -> tuple[Any, BaseException | None]:
    try:
        return call(client), None
    except ccxt.BaseError as exc:
        return None, exc


@pytest.fixture
def warnings_seen(caplog):
    _drift.forget_warnings()
    caplog.set_level(logging.WARNING, logger="ipwhitelist")
    return lambda: [
        r for r in caplog.records if "works as it does without ipwhitelist" in r.message
    ]


@pytest.mark.parametrize("drift", SYNC_DRIFTS)
class TestSync:
    def test_success_is_unchanged(self, drift, warnings_seen):
        """A success returns what the plain client returns, sending the same request."""
        cls = _drifted(ccxt, drift)
        plain, wrapped = (_client(cls, OK, wrapped=w) for w in (False, True))

        results = [c.private_get_account() for c in (plain, wrapped)]
        fetched = [c.fetch(c.urls["api"]["public"] + "/ping") for c in (plain, wrapped)]

        assert results[0] == results[1]
        assert fetched[0] == fetched[1]
        assert plain.seen == wrapped.seen
        assert len(plain.adapter.urls) == len(wrapped.adapter.urls)

    def test_non_ip_error_is_the_same_object(self, drift, warnings_seen):
        """A non-IP error is ccxt's own exception object, as without ipwhitelist."""
        cls = _drifted(ccxt, drift)
        plain, wrapped = (_client(cls, (400, B1021), wrapped=w) for w in (False, True))

        _, expected = _outcome(plain, lambda c: c.private_get_account())
        _, actual = _outcome(wrapped, lambda c: c.private_get_account())

        assert type(expected) is ccxt.InvalidNonce
        assert (type(expected), str(expected)) == (type(actual), str(actual))
        assert [actual] == wrapped.raised

    def test_ip_rejection_is_still_typed(self, drift, warnings_seen):
        """-2015 still comes out as IPNotWhitelisted, typed by the outer layer if need be."""
        cls = _drifted(ccxt, drift)
        wrapped = _client(cls, (401, B2015), wrapped=True)

        _, actual = _outcome(wrapped, lambda c: c.private_get_account())

        assert isinstance(actual, ipwhitelist.IPNotWhitelisted), actual
        assert "-2015" == actual.diagnosis.code
        assert wrapped.raised[-1] is actual.original

    def test_warns_once_naming_what_degraded(self, drift, warnings_seen):
        """One warning per drifted function and process, naming the part and the cost."""
        cls = _drifted(ccxt, drift)
        for _ in range(3):
            _client(cls, OK, wrapped=True)
            _client(_drifted_subclass(cls), OK, wrapped=True)

        (record,) = warnings_seen()
        part = drift.split(":")[0]
        assert f"binance.{part} " in record.getMessage()
        assert ccxt.__version__ in record.getMessage()


def _drifted_subclass(cls: type) -> type:
    # Another exchange class inheriting the same drifted function: no second warning.
    return type("binanceus", (cls,), {})


class TestRetryLoop:
    @pytest.mark.parametrize("drift", ["fetch2: renamed global", "fetch2: rebound global"])
    def test_an_unrecognised_loop_retries_as_ccxt_does(self, drift, warnings_seen):
        """The ban is typed, and the loop ipwhitelist cannot see resends it as plain ccxt does."""
        cls = _drifted(ccxt, drift)
        plain, wrapped = (_client(cls, (418, B418), wrapped=w, retries=2) for w in (False, True))

        _, expected = _outcome(plain, lambda c: c.private_get_account())
        _, actual = _outcome(wrapped, lambda c: c.private_get_account())

        assert isinstance(expected, ccxt.DDoSProtection)
        assert isinstance(actual, ipwhitelist.IPBanned)
        assert len(plain.adapter.urls) == len(wrapped.adapter.urls)
        (record,) = warnings_seen()
        assert "IPBanned may be sent again" in record.getMessage()

    def test_a_global_rebound_after_wrap_is_seen(self, warnings_seen):
        """A fetch2 reading a module global is not copied: rebinding it later takes effect."""
        cls = _drifted(ccxt, "fetch2: mutable global")
        plain, wrapped = (_client(cls, (503, "down"), wrapped=w, retries=2) for w in (False, True))
        cls.fetch2.__globals__["STATE"] = {"retry": False}

        for client in (plain, wrapped):
            _outcome(client, lambda c: c.private_get_account())

        assert (1, 1) == (len(plain.adapter.urls), len(wrapped.adapter.urls))

    def test_the_recognised_loop_never_resends_a_ban(self):
        """Without drift, ccxt's loop stops at the ban (the guarantee the warning qualifies)."""
        cls = _drifted(ccxt, "none")
        wrapped = _client(cls, (418, B418), wrapped=True, retries=2)

        _, actual = _outcome(wrapped, lambda c: c.private_get_account())

        assert isinstance(actual, ipwhitelist.IPBanned)
        assert 1 == len(wrapped.adapter.urls)


class _CountingSession(CannedSession):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(status, body)
        self.urls: list[str] = []

    def _request(self, *args: Any, **kwargs: Any) -> Any:
        self.urls.append(args[0] if args else kwargs.get("url"))
        return super()._request(*args, **kwargs)

    get = post = put = delete = _request


async def _async_outcomes(cls: type, answer: tuple[int, str], call: Any, retries: int = 0):
    """(plain, wrapped) async clients of *cls*, each with (result, error) of *call*."""
    clients = []
    for wrapped in (False, True):
        client = cls({**CREDENTIALS, "enableRateLimit": False, "timeout_on_exit": 0})
        # close() drops the session: keep it to count what was sent.
        client.session = client.canned = _CountingSession(*answer)
        client.ssl_context = False
        client.raised, client.seen = [], []
        client.options["maxRetriesOnFailure"] = retries

        async def no_sleep(_ms: Any) -> None:
            return None

        client.sleep = no_sleep
        if wrapped:
            ipwhitelist.wrap(client, egress=False)
        try:
            client.outcome = (await call(client), None)
        except ccxt.BaseError as exc:
            client.outcome = (None, exc)
        finally:
            await client.close()
        clients.append(client)
    return clients


@pytest.mark.asyncio
@pytest.mark.parametrize("drift", SYNC_DRIFTS)
class TestAsync:
    async def test_success_and_errors_are_unchanged(self, drift, warnings_seen):
        """Async twin: same success, the same non-IP object, -2015 typed, one warning."""
        cls = _drifted(ccxt.async_support, drift)

        plain, wrapped = await _async_outcomes(cls, OK, lambda c: c.private_get_account())
        assert plain.outcome == wrapped.outcome
        assert (plain.seen, len(plain.canned.urls)) == (wrapped.seen, len(wrapped.canned.urls))
        plain, wrapped = await _async_outcomes(
            cls, OK, lambda c: c.fetch(c.urls["api"]["public"] + "/ping")
        )
        assert (plain.outcome, plain.seen) == (wrapped.outcome, wrapped.seen)
        plain, wrapped = await _async_outcomes(cls, (400, B1021), lambda c: c.private_get_account())
        expected, actual = plain.outcome[1], wrapped.outcome[1]
        assert (ccxt.InvalidNonce, str(expected)) == (type(actual), str(actual))
        assert [actual] == wrapped.raised
        _, wrapped = await _async_outcomes(cls, (401, B2015), lambda c: c.private_get_account())
        assert isinstance(wrapped.outcome[1], ipwhitelist.IPNotWhitelisted)
        assert wrapped.raised[-1] is wrapped.outcome[1].original
        (record,) = warnings_seen()
        assert f"binance.{drift.split(':')[0]} " in record.getMessage()


class TestNoDrift:
    @pytest.mark.parametrize("module", [ccxt, ccxt.async_support, ccxt.pro])
    def test_every_exchange_of_the_installed_ccxt_fits(self, module, warnings_seen):
        """Every exchange class ccxt ships passes every check: no warning at all."""
        classes = [getattr(module, i) for i in ccxt.exchanges if hasattr(module, i)]

        fits = [
            (
                _drift.handle_errors_fits(cls, cls.handle_errors),
                _drift.fetch_fits(cls, cls.fetch),
                _drift.fetch2_problem(cls.fetch2),
            )
            for cls in classes
        ]

        assert len(classes) > 70
        assert {(True, True, None)} == set(fits)
        assert [] == warnings_seen()

    def test_an_unreadable_signature_is_drift(self, warnings_seen):
        """Something whose signature cannot be read is left alone, with a warning each."""
        cls = _drifted(ccxt, "none")

        assert not _drift.handle_errors_fits(cls, None)
        assert not _drift.fetch_fits(cls, 42)
        assert 2 == sum("(unreadable signature)" in r.message for r in warnings_seen())
