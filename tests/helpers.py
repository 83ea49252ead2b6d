"""Test helpers: canned routes and real ccxt clients aimed at loopback fakes."""

from __future__ import annotations

import json
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from ipwhitelist._testing.fake import Reply, Request, point_at

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
PASSWORD = "correct-horse-battery-staple"
CREDENTIALS = {"apiKey": API_KEY, "secret": SECRET, "password": PASSWORD}
CORPUS = Path(__file__).parent / "data" / "corpus"

# Minimal public answers so that unified methods get past load_markets().
_EMPTY_PUBLIC: dict[str, Any] = {
    "/api/v3/exchangeInfo": {"timezone": "UTC", "serverTime": 0, "symbols": []},
    "/fapi/v1/exchangeInfo": {"timezone": "UTC", "serverTime": 0, "symbols": []},
    "/dapi/v1/exchangeInfo": {"timezone": "UTC", "serverTime": 0, "symbols": []},
    "/sapi/v1/capital/config/getall": [],
}


def canned(
    status: int, body: str, headers: dict[str, str] | None = None
) -> Callable[[Request], Reply]:
    """A route that always answers with this status and body."""
    content_type = "application/json" if body.lstrip().startswith(("{", "[")) else "text/html"
    return lambda _request: Reply(
        status=status, body=body, headers={"Content-Type": content_type, **(headers or {})}
    )


def public_ok(default: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
    """Answer the public market endpoints normally and everything else with *default*."""

    def route(request: Request) -> Reply:
        if request.path in _EMPTY_PUBLIC:
            return Reply.json(_EMPTY_PUBLIC[request.path])
        return default(request)

    return route


def make_client(module: Any, exchange_id: str, url: str, **config: Any) -> Any:
    """A real ccxt client of *module* (ccxt, ccxt.async_support, ccxt.pro) aimed at *url*."""
    client = getattr(module, exchange_id)({**CREDENTIALS, "enableRateLimit": False, **config})
    return point_at(client, url)


def body_of(obj: Any) -> str:
    """Compact JSON, as exchanges send it."""
    return json.dumps(obj, separators=(",", ":"))


class CannedAdapter:
    """
    A requests transport adapter answering every request with one canned response.

    Mounted on ``exchange.session`` it keeps the exchange's real URLs (ccxt picks
    some error maps by host) while nothing leaves the process.
    """

    def __init__(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.urls: list[str] = []

    def send(self, request: Any, **_kwargs: Any) -> Any:
        import requests
        from requests.structures import CaseInsensitiveDict

        self.urls.append(request.url)
        response = requests.Response()
        response.status_code = self.status
        response.reason = {
            200: "OK",
            401: "Unauthorized",
            403: "Forbidden",
            418: "I'm a teapot",
            429: "Too Many Requests",
            451: "Unavailable For Legal Reasons",
        }.get(self.status, "Error")
        content_type = (
            "application/json" if self.body.lstrip().startswith(("{", "[")) else "text/html"
        )
        response.headers = CaseInsensitiveDict(
            {"Content-Type": content_type, **(self.headers or {})}
        )
        response._content = self.body.encode()
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


class _CannedResponse:
    def __init__(self, status: int, body: str) -> None:
        self.status = status
        self.reason = "Unauthorized"
        self.headers = {"Content-Type": "application/json"}
        self._body = body

    async def text(self, errors: str = "strict") -> str:
        return self._body

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class CannedSession:
    """Stands in for the aiohttp session of an async ccxt client: every request gets one answer."""

    def __init__(self, status: int, body: str) -> None:
        self.status, self.body = status, body
        self.closed = False
        self.headers: dict[str, str] = {}

    def _request(self, *_: Any, **__: Any) -> _CannedResponse:
        return _CannedResponse(self.status, self.body)

    get = post = put = delete = _request

    async def close(self) -> None:
        self.closed = True


def mount(client: Any, adapter: CannedAdapter) -> Any:
    """Mount *adapter* on a sync ccxt client's requests session for every URL."""
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})


def spot_market(market_id: str, symbol: str = "BTC/USDT", **info: object) -> dict[str, Any]:
    """A minimal unified spot market: the tests need no REST load_markets()."""
    base, quote = symbol.split("/")
    return {
        "id": market_id,
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "baseId": base,
        "quoteId": quote,
        "settle": None,
        "settleId": None,
        "type": "spot",
        "spot": True,
        "margin": False,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "linear": None,
        "inverse": None,
        "active": True,
        "contractSize": None,
        "precision": {"amount": 0.000001, "price": 0.01},
        "limits": {
            "amount": {"min": None, "max": None},
            "price": {"min": None, "max": None},
            "cost": {"min": None, "max": None},
            "leverage": {"min": None, "max": None},
        },
        "info": info,
    }


def replay_at_ban_time(monkeypatch: Any, banned_until_ms: int | None) -> None:
    """
    Replay a recorded ban as when it was sent: a minute before the end it states.

    A ban end already past is unknown (``banned_until`` None), and the corpus's
    bans ended years ago.
    """
    if banned_until_ms:
        from datetime import UTC, datetime

        from ipwhitelist._core import bans as _bans

        sent = datetime.fromtimestamp(banned_until_ms / 1000 - 60, UTC)
        monkeypatch.setattr(_bans, "_now", lambda: sent)


@contextmanager
def silent_server() -> Iterator[str]:
    """
    The URL of a loopback server that accepts connections and never answers.

    The kernel completes the handshakes (nobody calls accept()), the request
    is sent, and the answer never comes: a provider that hangs.
    """
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"


@contextmanager
def blackhole() -> Iterator[str]:
    """
    The URL of a loopback port whose connects hang, as behind a firewall that drops packets.

    A listener with a backlog of 0 and one connection never accepted has a full
    queue: Linux drops further SYNs, so connect() waits until its own timeout.
    """
    with (
        socket.create_server(("127.0.0.1", 0), backlog=0) as listener,
        socket.create_connection(listener.getsockname()),
    ):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"


def corpus_responses() -> Iterator[Any]:
    """Every corpus entry as the `Response` the HTTP layer builds from it, in file order."""
    from ipwhitelist._core import classify
    from ipwhitelist._core.lineage import lineage_of_id

    for path in sorted(CORPUS.glob("*.json")):
        for entry in json.loads(path.read_text("utf-8")):
            yield classify.response_from_http(
                entry["exchange"],
                lineage_of_id(entry["exchange"]),
                http_status=entry["http_status"],
                body=entry.get("body"),
                url=entry.get("url"),
                method=entry.get("method"),
            )


@contextmanager
def bybit_with_config(
    directory: Path, monkeypatch: Any, allowed_ips: tuple[str, ...] = ("127.0.0.1",)
) -> Iterator[tuple[Any, Any, str]]:
    """A fake Bybit, a CLI config file aimed at it, its credentials in the environment."""
    from ipwhitelist._testing.exchanges import (
        FakeKeyState,
        fake_exchange,
    )

    state = FakeKeyState(allowed_ips=list(allowed_ips))
    with fake_exchange("bybit", state) as fake:
        config = directory / "config.toml"
        config.write_text(f'[exchanges.bybit]\nbase_url = "{fake.url}"\n', "utf-8")
        monkeypatch.setenv("BYBIT_APIKEY", state.api_key)
        monkeypatch.setenv("BYBIT_SECRET", state.secret)
        yield fake, state, str(config)
