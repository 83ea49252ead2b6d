"""
wrap() on every exchange ccxt ships: ``ccxt``, ``ccxt.async_support`` and ``ccxt.pro``.

One test per exchange id and module runs every step on real ccxt classes: wrap,
rewrap, unwrap, then ``fetch()`` of the exchange's own API URL through a canned
transport (a requests adapter or an aiohttp-like session, never the network)
answering a success, a non-IP server error and an HTTP 451. Nothing is signed:
``fetch()`` takes a prepared request.
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest
import pytest_asyncio

import ipwhitelist
from helpers import CREDENTIALS, CannedAdapter, CannedSession, mount

SUCCESS = (200, "{}")
SERVER_ERROR = (
    500,
    (
        "<html><head><title>500 Internal Server Error</title></head>"
        "<body><h1>Internal Server Error</h1></body></html>"
    ),
)
LEGAL = (
    451,
    (
        "<html><head><title>451 Unavailable For Legal Reasons</title></head>"
        "<body><h1>Unavailable For Legal Reasons</h1></body></html>"
    ),
)

# Exchanges the steps below cannot exercise, each with its reason. Reviewed:
# keep it empty unless an exchange really cannot be driven through fetch().
CANNOT_EXERCISE: dict[tuple[str, str], str] = {}

# Where ccxt raises a class GeoRestricted is not, for a reason other than the
# documented NetworkError one. Reviewed; an entry that stops holding fails.
GEO_NOT_CCXT_CLASS: dict[str, tuple[type[Exception], str]] = {
    "cex": (
        ccxt.NullResponse,
        "cex.handle_errors raises NullResponse for any body that is not JSON, whatever the status",
    ),
    "lbank": (
        ccxt.NullResponse,
        "lbank.handle_errors raises NullResponse for any body that is not JSON, whatever the status",
    ),
}

# "timeout_on_exit": close() of an async client otherwise sleeps 250 ms.
CONFIG = {**CREDENTIALS, "enableRateLimit": False, "timeout_on_exit": 0}

SYNC_IDS = list(ccxt.exchanges)
ASYNC_IDS = [i for i in ccxt.exchanges if hasattr(ccxt.async_support, i)]
PRO_IDS = [i for i in ccxt.exchanges if hasattr(ccxt.pro, i)]


def _params(module_name: str, ids: list[str]) -> list[Any]:
    return [
        pytest.param(
            i,
            marks=pytest.mark.skip(reason=CANNOT_EXERCISE[module_name, i])
            if (module_name, i) in CANNOT_EXERCISE
            else (),
        )
        for i in ids
    ]


def _urls(value: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        return [(path, value)] if value.startswith(("https://", "http://")) else []
    if isinstance(value, dict):
        return [found for key, v in value.items() for found in _urls(v, (*path, str(key)))]
    if isinstance(value, list):
        return [found for v in value for found in _urls(v, path)]
    return []


def api_url(client: Any) -> str:
    """The exchange's real REST URL, its private one where ccxt names one."""
    found = _urls(client.urls.get("api"))
    private = [url for path, url in found if any("private" in key.lower() for key in path)]
    return str(client.implode_hostname((private or [url for _, url in found])[0]))


# Exception, not ccxt.BaseError: ccxt's own bugs (zebpay's handle_errors raises
# TypeError on "{}") must pass through the wrapper unchanged too.
def outcome(call: Any) -> tuple[Any, ...]:
    """What a call did: ("ok", result) or ("raised", exception)."""
    try:
        return ("ok", call())
    except Exception as exc:
        return ("raised", exc)


async def outcome_async(call: Any) -> tuple[Any, ...]:
    """Async twin of `outcome`."""
    try:
        return ("ok", await call())
    except Exception as exc:
        return ("raised", exc)


def same(expected: tuple[Any, ...], actual: tuple[Any, ...]) -> None:
    """Both calls returned equal results or raised the same class with the same message."""
    if expected[0] == "ok" or actual[0] == "ok":
        assert expected == actual
        return
    assert not isinstance(actual[1], ipwhitelist.IPRejection), actual[1]
    assert (type(expected[1]), str(expected[1])) == (type(actual[1]), str(actual[1]))


def geo(expected: tuple[Any, ...], actual: tuple[Any, ...]) -> None:
    """The wrapped call raised GeoRestricted, kept ccxt's error and fits its handlers."""
    assert "raised" == expected[0], expected
    assert "raised" == actual[0], actual
    original, exc = expected[1], actual[1]
    assert isinstance(exc, ipwhitelist.GeoRestricted), exc
    exchange_id = exc.diagnosis.exchange
    if isinstance(original, ccxt.NetworkError):
        # errors.py: a geo block is never a NetworkError, the class bots retry
        # forever, although ccxt's HTTP map raises 451 as ExchangeNotAvailable.
        assert not isinstance(exc, ccxt.NetworkError)
    elif exchange_id in GEO_NOT_CCXT_CLASS:
        assert GEO_NOT_CCXT_CLASS[exchange_id][0] is type(original)
        assert not isinstance(exc, type(original))
    else:
        assert isinstance(exc, type(original))
    assert (type(original), str(original)) == (type(exc.original), str(exc.original))
    assert 451 == exc.diagnosis.http_status


def check_wrap_cycle(module: Any, client: Any) -> type:
    """wrap(), a second wrap() and unwrap() keep identity, class and state; return the class."""
    cls = type(client)
    assert cls is getattr(module, client.id)
    assert not ipwhitelist.is_wrapped(client)

    assert client is ipwhitelist.wrap(client, egress=False)
    wrapped_cls = type(client)
    assert ipwhitelist.is_wrapped(client)
    assert isinstance(client, cls)
    assert isinstance(client, ccxt.Exchange if module is ccxt else ccxt.async_support.Exchange)
    assert (cls,) == wrapped_cls.__bases__
    # ccxt's fetch2 retry loop was recognised and rebound (see _wrap._fetch2).
    assert "fetch2" in vars(wrapped_cls)

    assert client is ipwhitelist.wrap(client, egress=False)
    assert wrapped_cls is type(client)
    assert ipwhitelist.is_wrapped(client)

    assert client is ipwhitelist.unwrap(client)
    assert cls is type(client)
    assert not ipwhitelist.is_wrapped(client)
    return wrapped_cls


def _sync_client(exchange_id: str, answer: tuple[int, str]) -> Any:
    return mount(getattr(ccxt, exchange_id)(CONFIG), CannedAdapter(*answer))


def _sync_call(client: Any, url: str) -> tuple[Any, ...]:
    return outcome(lambda: client.fetch(url, "GET", {}, None))


@pytest_asyncio.fixture
async def async_clients():
    """Build async clients whose session answers one canned response; close them all."""
    made = []

    def factory(module, exchange_id, answer):
        client = getattr(module, exchange_id)(CONFIG)
        client.session = CannedSession(*answer)
        # Never used (the session is canned); without it open() loads the CA bundle.
        client.ssl_context = False
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.close()


async def _async_exchange(module, exchange_id, async_clients):
    wrapped_cls = check_wrap_cycle(module, async_clients(module, exchange_id, SUCCESS))
    url = api_url(async_clients(module, exchange_id, SUCCESS))

    for answer, check in ((SUCCESS, same), (SERVER_ERROR, same), (LEGAL, geo)):
        plain = async_clients(module, exchange_id, answer)
        wrapped = ipwhitelist.wrap(async_clients(module, exchange_id, answer), egress=False)
        assert wrapped_cls is type(wrapped)

        expected = await outcome_async(lambda c=plain: c.fetch(url, "GET", {}, None))
        check(expected, await outcome_async(lambda c=wrapped: c.fetch(url, "GET", {}, None)))
        ipwhitelist.unwrap(wrapped)
        same(expected, await outcome_async(lambda c=wrapped: c.fetch(url, "GET", {}, None)))


class TestEveryExchange:
    def test_every_exchange_is_covered(self):
        """Every id has a sync and an async class, pro most, and no listed exception is stale."""
        listed = {("ccxt", i) for i in SYNC_IDS}
        listed |= {("ccxt.async_support", i) for i in ASYNC_IDS}
        listed |= {("ccxt.pro", i) for i in PRO_IDS}

        assert SYNC_IDS == ASYNC_IDS
        assert len(SYNC_IDS) >= 100
        assert len(PRO_IDS) >= 70
        assert set(CANNOT_EXERCISE) <= listed
        assert set(GEO_NOT_CCXT_CLASS) <= set(SYNC_IDS)

    @pytest.mark.parametrize("exchange_id", _params("ccxt", SYNC_IDS))
    def test_sync(self, exchange_id):
        """Sync: the wrap cycle holds; 200 and 500 behave as unwrapped, 451 is GeoRestricted."""
        wrapped_cls = check_wrap_cycle(ccxt, _sync_client(exchange_id, SUCCESS))
        url = api_url(getattr(ccxt, exchange_id)(CONFIG))

        for answer, check in ((SUCCESS, same), (SERVER_ERROR, same), (LEGAL, geo)):
            expected = _sync_call(_sync_client(exchange_id, answer), url)
            wrapped = ipwhitelist.wrap(_sync_client(exchange_id, answer), egress=False)
            assert wrapped_cls is type(wrapped)
            check(expected, _sync_call(wrapped, url))
            same(expected, _sync_call(ipwhitelist.unwrap(wrapped), url))

    @pytest.mark.asyncio
    @pytest.mark.parametrize("exchange_id", _params("ccxt.async_support", ASYNC_IDS))
    async def test_async(self, exchange_id, async_clients):
        """Async: the wrap cycle holds; 200 and 500 behave as unwrapped, 451 is GeoRestricted."""
        await _async_exchange(ccxt.async_support, exchange_id, async_clients)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("exchange_id", _params("ccxt.pro", PRO_IDS))
    async def test_pro(self, exchange_id, async_clients):
        """ccxt.pro (REST): the same steps as for ccxt.async_support."""
        await _async_exchange(ccxt.pro, exchange_id, async_clients)


class _Hyperliquid(ccxt.pro.hyperliquid):
    """Replays ccxt.pro's receive loop: handle_errors(0, "", "", ...) on a websocket frame."""

    payload: dict[str, Any]

    async def create_order_ws(self, *args, **kwargs):
        # pro/hyperliquid.py handle_error_message: the url is "" and the status 0.
        self.handle_errors(0, "", "", "", {}, json.dumps(self.payload), self.payload, {}, {})


BANNED_FRAME = {
    "status": "err",
    "response": "Sorry, you have been blocked. This website has banned your IP address.",
}


@pytest_asyncio.fixture
async def hyperliquid():
    client = _Hyperliquid({"timeout_on_exit": 0})
    client.payload = BANNED_FRAME
    yield ipwhitelist.wrap(client, egress=False)
    await client.close()


class TestWebsocketFramesInHandleErrors:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("url", ["", "wss://api.hyperliquid.xyz/ws"])
    async def test_frame_keeps_ccxt_error_in_handle_errors(self, hyperliquid, url):
        """A websocket frame in handle_errors (url "" or wss://) raises ccxt's own error."""
        body = json.dumps(BANNED_FRAME)

        with pytest.raises(ccxt.ExchangeError) as info:
            hyperliquid.handle_errors(0, "", url, "", {}, body, BANNED_FRAME, {}, {})

        assert ccxt.ExchangeError is type(info.value)

    @pytest.mark.asyncio
    async def test_frame_is_typed_at_the_ws_method(self, hyperliquid):
        """The ws method's guard types the frame's error, with no made-up HTTP status."""
        with pytest.raises(ipwhitelist.IPBanned) as info:
            await hyperliquid.create_order_ws("BTC/USDC:USDC", "limit", "buy", 1, 1)

        assert ccxt.ExchangeError is type(info.value.original)
        assert info.value.diagnosis.http_status is None
