"""
freqtrade with ipwhitelist, runnable offline: ``python examples/freqtrade_demo.py``.

Needs freqtrade installed (``pip install freqtrade``). It applies the launcher's
patch (``freqtrade_launcher.py``), builds freqtrade's own Binance exchange in
dry-run as ``FreqtradeBot`` does, aimed at the loopback fake exchange, and then:

1. loads markets and the balance through freqtrade, both ccxt clients wrapped;
2. has the key's IP whitelist stop allowing the bot's address: freqtrade's
   balance call raises its ``TemporaryError``, caused by
   `ipwhitelist.IPNotWhitelisted` with a diagnosis;
3. freqtrade retries that call 4 times (5 requests); the incident log records
   the incident once.

With a real exchange, drop the fake: run freqtrade through the launcher.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import ccxt
from freqtrade.enums import RunMode
from freqtrade.exceptions import TemporaryError
from freqtrade.resolvers import ExchangeResolver
from freqtrade_launcher import install

import ipwhitelist
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange
from ipwhitelist._testing.fake import Reply, Request, point_at

BOT_IP = "127.0.0.1"  # the address the bot's requests come from
OTHER_IP = "127.0.0.2"
ATTEMPTS = 5  # freqtrade's @retrier: the call and 4 retries

BTC_USDT = {
    "symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "baseAssetPrecision": 8,
    "quoteAsset": "USDT", "quotePrecision": 8, "quoteAssetPrecision": 8,
    "orderTypes": ["LIMIT", "MARKET"], "isSpotTradingAllowed": True,
    "isMarginTradingAllowed": False, "permissions": ["SPOT"],
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000",
         "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
    ],
}  # fmt: skip


def _exchange_info(_request: Request) -> Reply:
    return Reply.json({"timezone": "UTC", "serverTime": 0, "symbols": [BTC_USDT]})


def _echo(request: Request) -> Reply:
    # The fake also plays the "what is my IP" service the egress lookup asks.
    return Reply(body=request.client_ip, headers={"Content-Type": "text/plain"})


def freqtrade_config(url: str, state: FakeKeyState) -> dict[str, Any]:
    """A dry-run freqtrade config whose Binance clients talk to the fake at *url*."""
    return {
        "dry_run": True,
        "runmode": RunMode.DRY_RUN,
        "stake_currency": "USDT",
        "exchange": {
            "name": "binance",
            "key": state.api_key,
            "secret": state.secret,
            "enable_ws": False,
            # Dry-run drops the keys by default; keep them so that the signed
            # calls a live bot makes happen here too (against the fake only).
            "_ft_has_params": {"always_require_api_keys": True},
            "ccxt_config": {
                "urls": {"api": point_at(ccxt.binance(), url).urls["api"]},
                "enableRateLimit": False,
            },
        },
    }


def main() -> int:
    """Run the story; exit 0 when freqtrade saw the typed exception and it was logged once."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    alerts: list[ipwhitelist.Diagnosis] = []
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), alerts.append])
    state = FakeKeyState(allowed_ips=[BOT_IP])

    with fake_exchange("binance", state) as fake:
        fake.server.routes["GET", "/api/v3/exchangeInfo"] = _exchange_info
        fake.server.routes["GET", "/ip"] = _echo
        detector = ipwhitelist.EgressDetector([f"{fake.url}/ip"], allow_private=True)
        install(whitelist=[OTHER_IP], egress=detector)
        exchange = ExchangeResolver.load_exchange(freqtrade_config(fake.url, state), validate=False)
        try:
            clients = (exchange._api, exchange._api_async)
            print(f"freqtrade's ccxt clients wrapped: {all(map(ipwhitelist.is_wrapped, clients))}")
            exchange.reload_markets(force=True)
            print(f"markets: {sorted(exchange.markets)}")
            print(f"balance: {exchange.get_balances()['USDT']}")

            state.allowed_ips = [OTHER_IP]  # someone edits the key, or the bot's IP changes
            before = len(fake.server.requests)
            cause = None
            try:
                exchange.get_balances()
            except TemporaryError as exc:
                cause = exc.__cause__
                print(f"freqtrade raised TemporaryError from {type(cause).__name__}")
            requests = len(fake.server.requests) - before
            print(f"requests: {requests} (1 egress lookup, {ATTEMPTS} balance calls)")
        finally:
            exchange.close()

    print(f"rejections seen by the hook: {len(alerts)}")
    if alerts:
        print(alerts[0])
    typed = isinstance(cause, ipwhitelist.IPNotWhitelisted)
    return 0 if typed and len(alerts) == ATTEMPTS and requests == 1 + ATTEMPTS else 1


if __name__ == "__main__":
    sys.exit(main())
