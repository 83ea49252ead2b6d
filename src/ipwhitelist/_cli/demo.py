"""
``ipwhitelist demo``: the whole story offline, against a loopback fake exchange.

A fake Binance USDⓈ-M endpoint enforces an API key's IP whitelist by the
client's real source address. The loopback network has all of 127.0.0.0/8, so
binding the client to 127.0.0.2 plays "the server's egress IP changed".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

import ccxt

from .._client.ipversion import source_adapter
from .._client.urls import point_at
from .._client.wrap import wrap
from .._core.hooks import get_on_rejection_hooks, set_on_rejection_hooks
from .._egress.detector import EgressDetector
from .._testing.fake import FakeServer, Reply, Request
from ..errors import IPNotWhitelisted

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEMO_KEY",
    "DEMO_SECRET",
    "NEW_IP",
    "OLD_IP",
    "fake_binance_futures",
    "run",
    "use_color",
]

DEMO_KEY = "demo-api-key-not-a-secret-0000000000000000000000000000000000000000"
DEMO_SECRET = "demo-secret-not-a-secret-00000000000000000000000000000000000000000"
OLD_IP = "127.0.0.1"
NEW_IP = "127.0.0.2"


class _Egress:
    """Which loopback address the 'server' currently leaves from."""

    def __init__(self, ip: str) -> None:
        self.ip = ip


def _signed(request: Request) -> bool:
    query = request.query
    raw = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "signature")
    expected = hmac.new(DEMO_SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
    got = query.get("signature", [""])[0]
    return request.headers.get("x-mbx-apikey") == DEMO_KEY and hmac.compare_digest(expected, got)


def fake_binance_futures(whitelist: set[str]) -> FakeServer:
    """A fake fapi.binance.com that checks the key, the signature and the key's IP whitelist."""

    def account(request: Request) -> Reply:
        if request.client_ip not in whitelist:
            return Reply.json(
                {
                    "code": -2015,
                    "msg": "Invalid API-key, IP, or permissions for action, request ip: "
                    + request.client_ip,
                },
                401,
            )
        if not _signed(request):
            return Reply.json(
                {"code": -1022, "msg": "Signature for this request is not valid."}, 400
            )
        return Reply.json(
            {
                "totalWalletBalance": "1000.00000000",
                "availableBalance": "850.00000000",
                "assets": [{"asset": "USDT", "walletBalance": "1000.00000000"}],
                "positions": [],
            }
        )

    return FakeServer(OLD_IP, routes={("GET", "/fapi/v2/account"): account})


def _echo(request: Request) -> Reply:
    return Reply(body=request.client_ip + "\n", headers={"Content-Type": "text/plain"})


def _wallet(balance: dict[str, Any]) -> str:
    return f"wallet balance {balance['totalWalletBalance']} USDT"


class _Painter:
    def __init__(self, out: TextIO, color: bool) -> None:
        self.out = out
        self.color = color

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def step(self, text: str) -> None:
        print("\n" + self._paint("1;36", f"==> {text}"), file=self.out)

    def ok(self, text: str) -> None:
        print(self._paint("32", f"    ✔ {text}"), file=self.out)

    def bad(self, text: str) -> None:
        print(self._paint("1;31", f"    ✘ {text}"), file=self.out)

    def say(self, text: str) -> None:
        print(f"    {text}", file=self.out)

    def block(self, text: str) -> None:
        for line in text.splitlines():
            print(self._paint("33", f"    │ {line}"), file=self.out)


def use_color(out: TextIO, no_color: bool = False) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    isatty: Callable[[], bool] | None = getattr(out, "isatty", None)
    return bool(isatty and isatty())


_YOUR_TURN = (
    'exchange = ipwhitelist.wrap(ccxt.binance(config), whitelist="whitelists.toml")',
    "ipwhitelist doctor          why did my bot stop trading? (every configured key)",
    "ipwhitelist check binance   before going live (--json: a readiness probe)",
    "ipwhitelist audit binance   the key's real restrictions, from the exchange",
    "ipwhitelist explain binance -2015   what an exchange error means (offline)",
    "ipwhitelist --help          every command; each takes -h",
)


def run(out: TextIO | None = None, *, color: bool | None = None) -> int:
    """Run the offline demo; returns 0 when every step behaved as the story says."""
    # The demo prints the diagnosis itself; the incident log would repeat it
    # on stderr, in the middle of the story.
    hooks = get_on_rejection_hooks()
    set_on_rejection_hooks([])
    try:
        return _story(out, color)
    finally:
        set_on_rejection_hooks(hooks)


def _story(out: TextIO | None, color: bool | None) -> int:
    import httpx  # noqa: PLC0415 - lazy: `ipwhitelist demo` alone needs httpx here

    out = out or sys.stdout
    paint = _Painter(out, use_color(out) if color is None else color)
    egress = _Egress(OLD_IP)
    key_whitelist = {OLD_IP}

    class EgressTransport(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            with httpx.HTTPTransport(local_address=egress.ip) as transport:
                response = transport.handle_request(request)
                return httpx.Response(
                    response.status_code, headers=response.headers, content=response.read()
                )

    with (
        fake_binance_futures(key_whitelist) as exchange_server,
        FakeServer(OLD_IP, routes={("GET", "/ip"): _echo}) as echo_server,
    ):
        paint.step(
            "A bot trades on 'Binance USDⓈ-M': a loopback fake that enforces the key's IP whitelist"
        )
        paint.say(
            f"fake exchange: {exchange_server.url}   what-is-my-IP service: {echo_server.url}/ip"
        )
        paint.say(f"the key's IP whitelist on the exchange: {sorted(key_whitelist)}")
        client = ccxt.binanceusdm(
            {"apiKey": DEMO_KEY, "secret": DEMO_SECRET, "enableRateLimit": False}
        )
        point_at(client, exchange_server.url)

        def rebind() -> None:
            client.session.mount("http://", source_adapter(egress.ip))

        rebind()
        detector = EgressDetector(
            [f"{echo_server.url}/ip"], allow_private=True, ttl=0, transport=EgressTransport()
        )
        documented = [OLD_IP]
        wrap(client, egress=detector, whitelist=documented)
        paint.say("exchange = ipwhitelist.wrap(ccxt.binanceusdm({...}), whitelist=[...])")

        balance = client.fapiPrivateV2GetAccount()
        paint.ok(f"private call from {egress.ip} works: {_wallet(balance)}")

        paint.step(
            f"The server's egress IP changes: {OLD_IP} -> {NEW_IP} (new VPS, ISP, NAT pool…)"
        )
        egress.ip = NEW_IP
        rebind()
        try:
            client.fapiPrivateV2GetAccount()
        except IPNotWhitelisted as exc:
            paint.bad(
                f"ipwhitelist.{type(exc).__name__} raised (ccxt raised "
                f"{type(exc.original).__name__}); it is a ccxt.PermissionDenied, never a "
                "NetworkError, so retry loops stop"
            )
            paint.say("print(exc.diagnosis):")
            paint.block(str(exc.diagnosis))
            diagnosis = exc.diagnosis
        else:
            paint.bad("expected IPNotWhitelisted, the call succeeded")
            return 1

        paint.step(f"Fix: add {NEW_IP} to the key's whitelist (and to the documented list)")
        key_whitelist.add(NEW_IP)
        documented.append(NEW_IP)
        wrap(client, egress=detector, whitelist=documented)
        balance = client.fapiPrivateV2GetAccount()
        paint.ok(f"private call from {egress.ip} works again: {_wallet(balance)}")
        paint.say(
            f"next: remove {OLD_IP} once nothing uses it, and review open positions and stops"
        )
        paint.step("Your turn, with keys in BINANCE_APIKEY and BINANCE_SECRET (ccxt naming)")
        for line in _YOUR_TURN:
            paint.say(line)
        ok = diagnosis.reported_ip is not None and str(diagnosis.reported_ip) == NEW_IP
        return 0 if ok and diagnosis.whitelisted is False else 1
