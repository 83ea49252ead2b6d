"""
The docs samples marked ``# doc: no-run`` run too: offline, each in a prepared environment.

`test_docs.py` runs the self-contained samples as they are. The others need
a real API key, the network, a notification service or a proxy, or take a name such
as ``exchange`` from the text around them. Here each runs unchanged, in a
world that stands in for those:

* every ccxt class the sample builds (``ccxt.binance(...)``,
  ``ccxt.pro.bybit(...)``) is aimed at a loopback fake that checks the key,
  the client's real source address and ccxt's signature
  (`ipwhitelist._testing.exchanges`, `ipwhitelist._testing.ws`, `ipwhitelist._cli.demo`);
* egress lookups ask a loopback what-is-my-IP service, which answers with the
  address the request came from;
* any other httpx request goes to an `httpx.MockTransport` that refuses it,
  and no name but loopback resolves (so a notification to a real service
  fails, as it must without the network: its hook counts the failure);
* the names and files the page assumes (``KEY``, ``exchange``,
  ``whitelists.toml``) are provided.

Each setup is keyed by the page and a line of the sample (not its line
number), runs the sample, then checks what the page says it does. A sample
that cannot run offline at all is at least compiled, and every ``ipwhitelist``
and ``ccxt`` name it uses (and the keywords it passes to ``ipwhitelist``) must
exist: `COMPILE_ONLY` says which, and why.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import ipaddress
import logging
import re
import socket
import time
from typing import TYPE_CHECKING, Any

import ccxt
import ccxt.pro
import httpx
import pytest

import ipwhitelist
from ipwhitelist._cli.demo import DEMO_KEY, DEMO_SECRET, fake_binance_futures
from ipwhitelist._egress import detector as _egress
from ipwhitelist._testing.exchanges import (
    FAKE_API_KEY,
    FAKE_SECRET,
    FakeExchange,
    FakeKeyState,
    binance_routes,
    fake_exchange,
)
from ipwhitelist._testing.fake import FakeServer, Reply, Request, point_at
from ipwhitelist._testing.routes import _binance_signed
from ipwhitelist._testing.ws import (
    BYBIT_UNMATCHED_IP,
    FakeWsServer,
    Message,
    bybit_private_auth,
    point_ws_at,
)
from test_docs import BLOCKS, DOCS, NO_RUN

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

NO_RUN_BLOCKS = [(name, code) for name, code in BLOCKS if code.startswith(NO_RUN)]

#: Samples that cannot run offline, by (page, anchor): why, for the report.
COMPILE_ONLY = {
    ("how-to/integrations.md", "from freqtrade.exchange import Exchange"): (
        "patches freqtrade's Exchange._init_ccxt; freqtrade is not installed"
    ),
    ("how-to/sdks.md", "from binance.spot import Spot"): (
        "binance-connector cannot share a virtualenv with python-binance; "
        "tests/sdk_connector runs the same calls (make sdk)"
    ),
    ("how-to/egress-monitor.md", "signal.signal(signal.SIGTERM"): (
        "watches until systemd stops it with SIGTERM"
    ),
}

Setup = "Callable[[Doc], None]"
SETUPS: dict[tuple[str, str], Setup] = {}


def setup(page: str, *anchors: str) -> Callable[[Setup], Setup]:
    """Register *func* for the no-run sample(s) on *page* containing each anchor."""

    def register(func: Setup) -> Setup:
        for anchor in anchors:
            SETUPS[page, anchor] = func
        return func

    return register


def key_of(name: str, code: str) -> tuple[str, str] | None:
    """The (page, anchor) key of SETUPS or COMPILE_ONLY that names this sample."""
    page = name.rsplit(":", 1)[0]
    keys = [key for key in (*SETUPS, *COMPILE_ONLY) if key[0] == page and key[1] in code]
    return keys[0] if len(keys) == 1 else None


# -- the offline world -----------------------------------------------------------

PROXY = "127.0.0.3"  # the address a sample's proxy leaves from


def is_loopback(host: str | bytes | None) -> bool:
    """Whether *host* (a name or an address, as sockets and httpx give it) is this machine."""
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text.strip("[]")).is_loopback
    except ValueError:
        return False


def echo_ip(request: Request) -> Reply:
    """A what-is-my-IP service: the address the request came from."""
    return Reply(body=request.client_ip, headers={"Content-Type": "text/plain"})


def forward(request: Request) -> Reply:
    """A plain HTTP forward proxy: resend the request to its target, from `PROXY`."""
    target = f"http://{request.headers['host']}{request.path}"
    if request.raw_query:
        target += f"?{request.raw_query}"
    hop = {"host", "connection", "proxy-connection", "content-length", "accept-encoding"}
    headers = {k: v for k, v in request.headers.items() if k not in hop}
    transport = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(transport=transport) as client:
        answer = client.request(request.method, target, headers=headers, content=request.body)
    content_type = answer.headers.get("content-type", "text/plain")
    return Reply(
        status=answer.status_code, body=answer.content, headers={"Content-Type": content_type}
    )


class Doc:
    """One sample, the names it gets and the fakes it talks to."""

    def __init__(self, name: str, code: str, request: pytest.FixtureRequest) -> None:
        self.name = name
        self.code = code
        self.monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        self.tmp_path: Path = request.getfixturevalue("tmp_path")
        self.caplog: pytest.LogCaptureFixture = request.getfixturevalue("caplog")
        self.capsys: pytest.CaptureFixture[str] = request.getfixturevalue("capsys")
        self.stack = contextlib.ExitStack()
        #: Requests that went to the httpx mock (anything not on loopback).
        self.mocked: list[httpx.Request] = []
        #: Proxy URLs a sample sets, and the loopback proxies standing in for them.
        self.proxies: dict[str, str] = {}
        self.alerts: list[Any] = []
        self.namespace: dict[str, Any] = {
            "__name__": "__docs__",
            "KEY": FAKE_API_KEY,
            "SECRET": FAKE_SECRET,
            "ccxt": ccxt,
            "ipwhitelist": ipwhitelist,
            "log": logging.getLogger("bot"),
            "alert": self.alerts.append,
        }

    def run(self, **names: Any) -> dict[str, Any]:
        """Run the sample, as written, with *names* defined; return its namespace."""
        self.namespace.update(names)
        exec(compile(self.code, self.name, "exec"), self.namespace)  # noqa: S102 - our own docs
        return self.namespace

    def aim(
        self,
        exchange_id: str,
        rest_url: str,
        *,
        module: Any = ccxt,
        ws_url: str | None = None,
    ) -> None:
        """Make ``module.<exchange_id>(config)`` build real clients that talk to the fakes."""
        real = getattr(module, exchange_id)
        proxies = self.proxies

        def __init__(client: Any, config: Any = None) -> None:  # noqa: N807
            real.__init__(client, {} if config is None else config)
            client.enableRateLimit = False  # the fakes have no limits; keeps the suite fast
            point_at(client, rest_url)
            if ws_url is not None:
                point_ws_at(client, ws_url)
            if client.httpsProxy in proxies:
                # The fakes speak plain HTTP: the sample's HTTPS proxy carries HTTP here.
                client.httpProxy, client.httpsProxy = proxies[client.httpsProxy], None

        aimed = type(
            real.__name__,
            (real,),
            {
                "__init__": __init__,
                "__module__": real.__module__,
                "__qualname__": real.__qualname__,
            },
        )
        self.monkeypatch.setattr(module, exchange_id, aimed)

    def fake(self, exchange_id: str, state: FakeKeyState | None = None) -> FakeExchange:
        """Start a fake *exchange_id* that checks key, IP and signature; aim ``ccxt.<id>`` at it."""
        fake = self.stack.enter_context(fake_exchange(exchange_id, state))
        self.aim(exchange_id, fake.url)
        return fake

    def server(self, server: FakeServer) -> FakeServer:
        """Start *server* for the rest of the test."""
        return self.stack.enter_context(server)

    def proxy(self, url: str) -> FakeServer:
        """Stand in a loopback forward proxy, leaving from `PROXY`, for the sample's *url*."""
        proxy = self.server(FakeServer(PROXY, default=forward))
        self.proxies[url] = proxy.url
        return proxy

    def whitelists(self, text: str) -> Path:
        """Write ``whitelists.toml`` in the directory the sample runs in."""
        self.monkeypatch.chdir(self.tmp_path)
        path = self.tmp_path / "whitelists.toml"
        path.write_text(text, encoding="utf-8")
        return path


def mock_internet(doc: Doc) -> Callable[[httpx.Request], httpx.Response]:
    """Answer what a sample sends beyond loopback with httpx: it is unreachable."""

    def handler(request: httpx.Request) -> httpx.Response:
        doc.mocked.append(request)
        raise httpx.ConnectError(f"offline test: {request.url.host} is unreachable")

    return handler


@pytest.fixture
def offline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Doc]:
    """The world the samples run in; see the module docstring."""
    name, code = request.node.callspec.params["block"]
    doc = Doc(name, code, request)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no DNS for {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    mock = httpx.MockTransport(mock_internet(doc))
    real_sync = httpx.HTTPTransport.handle_request
    real_async = httpx.AsyncHTTPTransport.handle_async_request

    def handle(self: httpx.HTTPTransport, req: httpx.Request) -> httpx.Response:
        return real_sync(self, req) if is_loopback(req.url.host) else mock.handle_request(req)

    async def ahandle(self: httpx.AsyncHTTPTransport, req: httpx.Request) -> httpx.Response:
        if is_loopback(req.url.host):
            return await real_async(self, req)
        return await mock.handle_async_request(req)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", ahandle)

    with doc.stack:
        echo = doc.server(FakeServer(routes={("GET", "/ip"): echo_ip}))
        # Every egress lookup (wrap(), detect_egress(), EgressMonitor) asks the
        # loopback echo, whose answer is a loopback address.
        monkeypatch.delenv("IPWHITELIST_EGRESS", raising=False)
        provider = _egress.Provider(url=f"{echo.url}/ip", family=4)
        monkeypatch.setattr(_egress, "DEFAULT_PROVIDERS", (provider,))
        monkeypatch.setattr(_egress, "_default", None)
        defaults = _egress.EgressDetector.__init__.__kwdefaults__
        monkeypatch.setitem(defaults, "allow_private", value=True)
        yield doc


def rejection(call: Callable[[], Any]) -> ipwhitelist.IPRejection:
    """The IP rejection *call* raises."""
    with pytest.raises(ipwhitelist.IPRejection) as info:
        call()
    return info.value


LOCAL = ipaddress.ip_address("127.0.0.1")


# -- the samples -----------------------------------------------------------------


@setup("index.md", "exchange.create_order(")
def index(doc: Doc) -> None:
    """The key allows another IP: create_order raises IPNotWhitelisted, logged and alerted."""
    fake = doc.fake("binance", FakeKeyState(allowed_ips=["203.0.113.7"]))

    doc.run()

    (alert,) = doc.alerts
    assert ("binance", "ip_not_whitelisted", False) == (
        alert["exchange"],
        alert["kind"],
        alert["whitelisted"],
    )
    assert ["127.0.0.1"] == alert["egress_ips"]
    assert "IP rejection from binance" in doc.caplog.text
    assert FAKE_SECRET not in doc.caplog.text
    assert {"127.0.0.1"} == {r.client_ip for r in fake.server.requests}


@setup("tutorial.md", "ccxt.binanceusdm({")
def tutorial(doc: Doc) -> None:
    """The wrapped client: a typed, confirmed rejection, then the same call works once allowed."""
    key_whitelist = {"203.0.113.7"}
    futures = doc.server(fake_binance_futures(key_whitelist))
    doc.aim("binanceusdm", futures.url)

    exchange = doc.run(KEY=DEMO_KEY, SECRET=DEMO_SECRET)["exchange"]
    exc = rejection(exchange.fapiPrivateV2GetAccount)
    key_whitelist.add("127.0.0.1")
    account = exchange.fapiPrivateV2GetAccount()

    assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
    assert isinstance(exc, ccxt.AuthenticationError)
    assert (LOCAL, False, "confirmed") == (
        exc.diagnosis.reported_ip,
        exc.diagnosis.whitelisted,
        exc.diagnosis.confidence,
    )
    assert "1000.00000000" == account["totalWalletBalance"]


@setup("explanation/ipv4-ipv6.md", "family=4")
@setup("how-to/pin-address-family.md", "family=4")
@setup("how-to/static-egress.md", "family=4")
def pinned_ipv4(doc: Doc) -> None:
    """A client pinned to IPv4 reaches the exchange over IPv4, and a rejection says so."""
    fake = doc.fake("binance", FakeKeyState(allowed_ips=["127.0.0.1"]))

    exchange = doc.run()["exchange"]
    balance = exchange.fetch_balance()
    fake.state.allowed_ips = ["203.0.113.7"]
    exc = rejection(exchange.fetch_balance)

    assert 1000 == balance["USDT"]["free"]
    assert {"127.0.0.1"} == {r.client_ip for r in fake.server.requests}
    assert (4, (LOCAL,), False) == (
        exc.diagnosis.address_family,
        exc.diagnosis.egress_ips,
        exc.diagnosis.whitelisted,
    )


@setup("how-to/runbook.md", 'whitelist=["203.0.113.7", "203.0.113.9"]')
def runbook_new_ip(doc: Doc) -> None:
    """With the old and new IPs documented, a rejection from a third one is confirmed as such."""
    fake = doc.fake("binance", FakeKeyState(allowed_ips=["127.0.0.1"]))

    exchange = doc.run()["exchange"]
    balance = exchange.fetch_balance()
    fake.state.allowed_ips = ["203.0.113.7", "203.0.113.9"]
    exc = rejection(exchange.fetch_balance)

    assert 1000 == balance["USDT"]["free"]
    assert "127.0.0.1 is not on the documented whitelist" in exc.diagnosis.evidence


@setup("how-to/static-egress.md", "def handler(event, context)")
def serverless_handler(doc: Doc) -> None:
    """The function returns this host's egress as JSON-safe data."""
    handler = doc.run()["handler"]

    assert {"egress": ["127.0.0.1"], "errors": []} == handler({}, None)


@setup("how-to/static-egress.md", '"httpsProxy": "http://proxy.example.net:3128"')
def through_a_proxy(doc: Doc) -> None:
    """Calls leave through the proxy, and a rejection's egress is looked up through it too."""
    doc.proxy("http://proxy.example.net:3128")
    fake = doc.fake("binance", FakeKeyState(allowed_ips=[PROXY]))

    exchange = doc.run()["exchange"]
    balance = exchange.fetch_balance()
    fake.state.allowed_ips = ["203.0.113.7"]
    exc = rejection(exchange.fetch_balance)

    assert 1000 == balance["USDT"]["free"]
    assert {PROXY} == {r.client_ip for r in fake.server.requests}
    assert ((ipaddress.ip_address(PROXY),), False) == (
        exc.diagnosis.egress_ips,
        exc.diagnosis.whitelisted,
    )


@setup("how-to/alerting.md", "ntfys://my-bot-alerts")
def notify_hook(doc: Doc) -> None:
    """Two rejections of one incident: one message per service (undeliverable offline, not raised)."""
    doc.fake("binance", FakeKeyState(allowed_ips=["203.0.113.7"]))

    doc.run()
    exchange = ipwhitelist.wrap(ccxt.binance({"apiKey": FAKE_API_KEY, "secret": FAKE_SECRET}))
    for _ in range(2):
        rejection(exchange.fetch_balance)

    log, notify = ipwhitelist.get_on_rejection_hooks()
    assert isinstance(log, ipwhitelist.IncidentLog)
    assert notify.flush(30)
    assert (0, 2, 0) == (notify.delivered, notify.failed, notify.dropped)  # two services
    assert "AAE-your-bot-token" not in doc.caplog.text
    notify.close()


@setup("how-to/async-and-pro.md", "async def follow_balance(")
def follow_balance(doc: Doc) -> None:
    """The private stream refuses the login: alerted, raised typed, and the client is closed."""
    fake = doc.fake("bybit", FakeKeyState(allowed_ips=["127.0.0.1"]))
    balances: list[Any] = []
    follow = doc.run(handle=balances.append)["follow_balance"]

    def respond(message: Message) -> list[dict[str, Any]]:
        if isinstance(message.data, dict) and message.data.get("op") == "auth":
            return [bybit_private_auth(success=False, ret_msg=BYBIT_UNMATCHED_IP)]
        return []

    async def main() -> BaseException:
        async with FakeWsServer(respond) as ws:
            doc.aim("bybit", fake.url, module=ccxt.pro, ws_url=ws.url)
            try:
                await asyncio.wait_for(follow(), 10)
            except ipwhitelist.IPRejection as exc:
                return exc
        raise AssertionError("follow_balance() returned")

    exc = asyncio.run(main())

    assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
    assert [] == balances
    (alert,) = doc.alerts
    assert ("bybit", "ip_not_whitelisted") == (alert["exchange"], alert["kind"])


REGISTRY_TOML = re.search(
    r"```toml\n(# whitelists.toml\n.*?)```",
    (DOCS / "how-to" / "registry.md").read_text(encoding="utf-8"),
    re.DOTALL,
)


@setup("how-to/registry.md", 'whitelist="whitelists.toml"')
def registry_file(doc: Doc) -> None:
    """With the page's own whitelists.toml, a rejection is checked against the key's entry."""
    assert REGISTRY_TOML is not None, "the whitelists.toml example moved"
    # The page's fingerprint is an example: the entry must name the key in use,
    # or it documents another key and never counts.
    page = REGISTRY_TOML.group(1)
    assert 'fingerprint = "sha256:3f9a0c1e"' in page
    doc.whitelists(page.replace("sha256:3f9a0c1e", ipwhitelist.fingerprint(DEMO_KEY)))
    futures = doc.server(fake_binance_futures({"203.0.113.7"}))
    doc.aim("binanceusdm", futures.url)

    exchange = doc.run(config={"apiKey": DEMO_KEY, "secret": DEMO_SECRET})["exchange"]
    exc = rejection(exchange.fapiPrivateV2GetAccount)

    assert (LOCAL, False, "confirmed") == (
        exc.diagnosis.reported_ip,
        exc.diagnosis.whitelisted,
        exc.diagnosis.confidence,
    )


LAB_REGISTRY = """\
allow_private = true

[{exchange}.main]
ips = [{ips}]
"""


@setup("how-to/audit.md", "ipwhitelist.audit(")
def audit(doc: Doc) -> None:
    """The audit of a key that may withdraw, on a list that drifted, prints both findings."""
    doc.whitelists(LAB_REGISTRY.format(exchange="bybit", ips='"127.0.0.1", "127.0.0.2"'))
    state = FakeKeyState(allowed_ips=["127.0.0.1"], can_withdraw=True)
    fake = doc.fake("bybit", state)
    exchange = ipwhitelist.wrap(fake.client())

    doc.run(exchange=exchange)

    printed = doc.capsys.readouterr().out.splitlines()
    assert 2 == len(printed)
    assert printed[0].startswith("warning The key can withdraw funds")
    assert "documented but not on the exchange: 127.0.0.2" in printed[1]
    assert all(" -> " in line for line in printed)


@setup("how-to/go-live.md", "ipwhitelist.check(")
def go_live(doc: Doc) -> None:
    """The check passes while the key allows this host only, and stops the bot once it does not."""
    doc.whitelists(LAB_REGISTRY.format(exchange="binanceusdm", ips='"127.0.0.1"'))
    fake = doc.fake("binanceusdm", FakeKeyState(allowed_ips=["127.0.0.1"]))
    exchange = fake.client()

    doc.run(exchange=exchange)
    fake.state.allowed_ips = ["203.0.113.7"]
    with pytest.raises(SystemExit) as stopped:
        doc.run()

    assert "Pre-live check of binanceusdm.main: PROBLEM" in str(stopped.value)
    assert "FAIL    positive:" in str(stopped.value)
    # Nothing verified (the exchange unreachable) must stop the bot too.
    unreachable = ccxt.binanceusdm({"apiKey": FAKE_API_KEY, "secret": FAKE_SECRET})
    point_at(unreachable, "http://127.0.0.1:9")
    with pytest.raises(SystemExit) as unverified:
        doc.run(exchange=unreachable)

    assert "Pre-live check of binanceusdm.main: UNVERIFIED" in str(unverified.value)


@setup("how-to/egress-monitor.md", "notify.on_egress_change, mark")
def egress_monitor_notify(doc: Doc) -> None:
    """The monitor's first detection is off the whitelist: warned, notified, no health file."""
    doc.caplog.set_level(logging.INFO, logger="ipwhitelist")
    doc.monkeypatch.chdir(doc.tmp_path)

    def run_bot() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not changes():
            time.sleep(0.01)

    def changes() -> list[Any]:
        return [
            r.ipwhitelist_whitelisted
            for r in doc.caplog.records
            if hasattr(r, "ipwhitelist_whitelisted")
        ]

    namespace = doc.run(run_bot=run_bot)

    assert [False] == changes()
    assert 1 == namespace["notify"].failed  # the Telegram message, undeliverable offline
    assert not (doc.tmp_path / "egress-ok").exists()


@setup("reference/api.md", "ipwhitelist.EgressMonitor(")
def egress_monitor(doc: Doc) -> None:
    """While the bot runs, the monitor finds an egress that is not on the whitelist and warns."""
    doc.caplog.set_level(logging.INFO, logger="ipwhitelist")

    def run_bot() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not warnings():
            time.sleep(0.01)

    def warnings() -> list[logging.LogRecord]:
        return [r for r in doc.caplog.records if r.levelno == logging.WARNING]

    doc.run(run_bot=run_bot)

    (warned,) = warnings()
    assert (["127.0.0.1"], False) == (warned.ipwhitelist_egress_new, warned.ipwhitelist_whitelisted)  # type: ignore[attr-defined]


# A Binance USDⓈ-M account with one long BTC position and no stop order, in the
# shapes of GET /fapi/v3/positionRisk, /fapi/v1/leverageBracket and /fapi/v1/openOrders.
POSITION_RISK = [
    {
        "symbol": "BTCUSDT",
        "positionSide": "BOTH",
        "positionAmt": "0.010",
        "entryPrice": "50000",
        "markPrice": "50100",
        "unRealizedProfit": "1",
        "liquidationPrice": "0",
        "notional": "501",
        "marginAsset": "USDT",
        "initialMargin": "50",
        "maintMargin": "2",
        "updateTime": 1700000000000,
    }
]
BRACKETS = [
    {
        "symbol": "BTCUSDT",
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 125,
                "notionalCap": 50000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.004,
                "cum": 0,
            }
        ],
    }
]
BTC_PERP = {
    "id": "BTCUSDT",
    "symbol": "BTC/USDT:USDT",
    "base": "BTC",
    "quote": "USDT",
    "settle": "USDT",
    "baseId": "BTC",
    "quoteId": "USDT",
    "settleId": "USDT",
    "type": "swap",
    "spot": False,
    "margin": False,
    "swap": True,
    "future": False,
    "option": False,
    "contract": True,
    "linear": True,
    "inverse": False,
    "contractSize": 1,
    "active": True,
    "precision": {"amount": 0.001, "price": 0.1},
    "limits": {
        side: {"min": None, "max": None} for side in ("amount", "price", "cost", "leverage")
    },
    "info": {},
}


@setup("reference/api.md", "ipwhitelist.review_positions(")
def review_positions(doc: Doc) -> None:
    """The review lists the unprotected position and the sample alerts about it."""
    state = FakeKeyState()
    routes = binance_routes(state)
    answers = {
        "/fapi/v3/positionRisk": POSITION_RISK,
        "/fapi/v1/leverageBracket": BRACKETS,
        "/fapi/v1/openOrders": [],
    }
    for path, answer in answers.items():
        routes["GET", path] = _binance_signed(state, lambda _r, answer=answer: answer)
    fake = doc.server(FakeServer(routes=routes))
    exchange = point_at(
        ccxt.binanceusdm({"apiKey": FAKE_API_KEY, "secret": FAKE_SECRET, "enableRateLimit": False}),
        fake.url,
    )
    exchange.set_markets([BTC_PERP])

    doc.run(exchange=ipwhitelist.wrap(exchange))

    assert ["BTC/USDT:USDT: no stop-loss on the exchange"] == doc.alerts
    assert "NO exchange-side stop-loss" in doc.capsys.readouterr().out


# -- the exchanges' own SDKs (how-to/sdks.md) -------------------------------------

SDK_2015 = (
    '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7"}'
)
SDK_10010 = '{"retCode":10010,"retMsg":"Unmatched IP, please check your API key\'s bound IP addresses.","result":{}}'
SDK_50110 = (
    '{"msg":"Your IP 203.0.113.7 is not included in your API key\'s IP whitelist.","code":"50110"}'
)
SDK_451 = (
    '{"code":0,"msg":"Service unavailable from a restricted location according to b. Eligibility"}'
)


def sdk_exchange(doc: Doc, status: int, body: str) -> FakeServer:
    """A loopback exchange answering every request with this error."""
    reply = Reply(status=status, body=body, headers={"Content-Type": "application/json"})
    return doc.server(FakeServer(default=lambda _request: reply))


def binance_loop(doc: Doc) -> None:
    """python-binance's constructor takes (or makes) the thread's event loop: give it one."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    doc.stack.callback(loop.close)
    doc.stack.callback(asyncio.set_event_loop, None)


def logged(doc: Doc, text: str) -> bool:
    """Whether the sample's `log` (the "bot" logger) logged *text*."""
    return any(text in r.getMessage() for r in doc.caplog.records if r.name == "bot")


@setup("how-to/sdks.md", "Client(KEY, SECRET, ping=False)")
def sdk_python_binance(doc: Doc) -> None:
    """python-binance: the -2015 with the IP Binance saw is logged with its diagnosis."""
    from binance.base_client import BaseClient

    binance_loop(doc)
    fake = sdk_exchange(doc, 401, SDK_2015)
    doc.monkeypatch.setattr(BaseClient, "API_URL", f"{fake.url}/api")

    names = doc.run()
    names["client"].session.close()

    assert logged(doc, "IP rejection from binance")
    assert logged(doc, "203.0.113.7")


@setup("how-to/sdks.md", "client = Client(KEY, SECRET)  # pings Binance")
def sdk_construction(doc: Doc) -> None:
    """The 451 of Client()'s own ping is typed inside diagnosing() and logged."""
    from binance.base_client import BaseClient

    binance_loop(doc)
    fake = sdk_exchange(doc, 451, SDK_451)
    doc.monkeypatch.setattr(BaseClient, "API_URL", f"{fake.url}/api")

    doc.run()

    assert logged(doc, "refuses service to this IP's location")


@setup("how-to/sdks.md", "client.rest_api.get_account()")
def sdk_modular(doc: Doc) -> None:
    """binance-sdk-spot: the -2015 is typed with HTTP 401 although the SDK drops it."""
    import binance_sdk_spot.spot

    fake = sdk_exchange(doc, 401, SDK_2015)
    doc.monkeypatch.setattr(binance_sdk_spot.spot, "SPOT_REST_API_PROD_URL", fake.url)

    names = doc.run()
    names["client"].rest_api._session.close()

    assert logged(doc, "HTTP 401")


@setup("how-to/sdks.md", "except InvalidRequestError as exc:")
def sdk_pybit(doc: Doc) -> None:
    """pybit: Bybit's 10010 is IPNotWhitelisted, logged with its diagnosis."""
    from pybit import _http_manager

    fake = sdk_exchange(doc, 200, SDK_10010)
    doc.monkeypatch.setattr(_http_manager, "HTTP_URL", fake.url)

    names = doc.run()
    names["session"].client.close()

    assert logged(doc, "IP rejection from bybit")


@setup("how-to/sdks.md", "ignore_codes={10010}")
def sdk_pybit_ignore_codes(doc: Doc) -> None:
    """ignore_codes: the 10010 comes back as data and the incident log reports it."""
    from pybit import _http_manager

    fake = sdk_exchange(doc, 200, SDK_10010)
    doc.monkeypatch.setattr(_http_manager, "HTTP_URL", fake.url)

    names = doc.run()

    assert 10010 == names["result"]["retCode"]
    assert any(r.name == "ipwhitelist" for r in doc.caplog.records)
    with pytest.raises(ipwhitelist.IPNotWhitelisted):
        names["session"].get_wallet_balance(accountType="UNIFIED")
    names["session"].client.close()


@setup("how-to/sdks.md", "PASSPHRASE, flag=")
def sdk_okx(doc: Doc) -> None:
    """python-okx with raise_returned=True: the returned 50110 raises, typed, and is logged."""
    from okx import okxclient

    fake = sdk_exchange(doc, 401, SDK_50110)
    real = okxclient.OkxClient.__init__

    def aimed(client: Any, *args: Any, **kwargs: Any) -> None:
        # AccountAPI passes every argument positionally; base_api is the sixth.
        real(client, *args[:5], fake.url, *args[6:], **kwargs)

    doc.monkeypatch.setattr(okxclient.OkxClient, "__init__", aimed)

    names = doc.run(PASSPHRASE="correct-horse-battery-staple")
    names["account"].close()

    assert logged(doc, "IP rejection from okx")


# -- the tests -------------------------------------------------------------------

RUNNABLE_OFFLINE = [
    (name, code) for name, code in NO_RUN_BLOCKS if key_of(name, code) not in COMPILE_ONLY
]


def test_every_no_run_sample_has_a_setup():
    """Each no-run sample has exactly one setup or compile-only entry, and each entry a sample."""
    keys = [key_of(name, code) for name, code in NO_RUN_BLOCKS]
    used = {key for key in keys if key is not None}

    assert [] == [name for (name, _), key in zip(NO_RUN_BLOCKS, keys, strict=True) if key is None]
    assert set() == {*SETUPS, *COMPILE_ONLY} - used
    assert len(NO_RUN_BLOCKS) == len(RUNNABLE_OFFLINE) + len(COMPILE_ONLY)


@pytest.mark.parametrize("block", NO_RUN_BLOCKS, ids=[name for name, _ in NO_RUN_BLOCKS])
def test_marker_says_why(block):
    """The no-run marker tells the reader what the sample needs, in parentheses."""
    name, code = block

    assert re.match(r"# doc: no-run +\(.+\)\n", code), name


@pytest.mark.parametrize("block", RUNNABLE_OFFLINE, ids=[name for name, _ in RUNNABLE_OFFLINE])
def test_sample_runs_offline(offline, block):
    """A no-run sample runs unchanged against the loopback fakes and does what its page says."""
    name, code = block
    key = key_of(name, code)
    assert key is not None, f"{name}: no setup"

    SETUPS[key](offline)

    assert [] == offline.mocked


def names_used(tree: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """Dotted names rooted at ``ipwhitelist`` or ``ccxt``, with the node that uses each."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"ipwhitelist", "ccxt"}:
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Store):
            parts = []
            value: ast.expr = node
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in {"ipwhitelist", "ccxt"}:
                yield ".".join([value.id, *reversed(parts)]), node


def resolve(dotted: str) -> Any:
    root, _, rest = dotted.partition(".")
    obj: Any = {"ipwhitelist": ipwhitelist, "ccxt": ccxt}[root]
    for part in rest.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("block", NO_RUN_BLOCKS, ids=[name for name, _ in NO_RUN_BLOCKS])
def test_sample_compiles_and_names_exist(block):
    """Every no-run sample compiles; its ipwhitelist/ccxt names exist and take its keywords."""
    name, code = block
    tree = ast.parse(code, name)
    compile(tree, name, "exec")
    missing = []
    for dotted, _node in names_used(tree):
        try:
            resolve(dotted)
        except AttributeError:
            missing.append(dotted)
    bad_calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        dotted = next((d for d, n in names_used(node.func) if n is node.func), None)
        if dotted is None or not dotted.startswith("ipwhitelist.") or dotted in missing:
            continue
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            continue
        try:
            inspect.signature(resolve(dotted)).bind(
                *node.args, **{k.arg: k.value for k in node.keywords if k.arg}
            )
        except TypeError as exc:
            bad_calls.append(f"{dotted}: {exc}")

    assert [] == missing
    assert [] == bad_calls
