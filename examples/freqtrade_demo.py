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
from ipwhitelist.testing import FakeExchange, fake_exchange, point_at

BOT_IP = "127.0.0.1"  # the address the bot's requests come from
OTHER_IP = "127.0.0.2"
ATTEMPTS = 5  # freqtrade's @retrier: the call and 4 retries


def freqtrade_config(fake: FakeExchange) -> dict[str, Any]:
    """A dry-run freqtrade config whose Binance clients talk to *fake*."""
    return {
        "dry_run": True,
        "runmode": RunMode.DRY_RUN,
        "stake_currency": "USDT",
        "exchange": {
            "name": "binance",
            "key": fake.credentials["apiKey"],
            "secret": fake.credentials["secret"],
            "enable_ws": False,
            # Dry-run drops the keys by default; keep them so that the signed
            # calls a live bot makes happen here too (against the fake only).
            "_ft_has_params": {"always_require_api_keys": True},
            "ccxt_config": {
                "urls": {"api": point_at(ccxt.binance(), fake.url).urls["api"]},
                "enableRateLimit": False,
            },
        },
    }


def balance_calls(fake: FakeExchange) -> int:
    """How many balance requests reached the fake."""
    return sum(request.path == "/api/v3/account" for request in fake.requests)


def main() -> int:
    """Run the story; exit 0 when freqtrade saw the typed exception and it was logged once."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    alerts: list[ipwhitelist.Diagnosis] = []
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), alerts.append])
    with fake_exchange("binance", allowed_ips=[BOT_IP]) as fake:
        # The fake also answers the egress lookup, with the address it sees.
        install(whitelist=[OTHER_IP], egress=fake.egress)
        exchange = ExchangeResolver.load_exchange(freqtrade_config(fake), validate=False)
        try:
            clients = (exchange._api, exchange._api_async)
            print(f"freqtrade's ccxt clients wrapped: {all(map(ipwhitelist.is_wrapped, clients))}")
            exchange.reload_markets(force=True)
            print(f"markets: {sorted(exchange.markets)}")
            print(f"balance: {exchange.get_balances()['USDT']}")

            fake.allowed_ips = [OTHER_IP]  # someone edits the key, or the bot's IP changes
            before = balance_calls(fake)
            cause = None
            try:
                exchange.get_balances()
            except TemporaryError as exc:
                cause = exc.__cause__
                print(f"freqtrade raised TemporaryError from {type(cause).__name__}")
            requests = balance_calls(fake) - before
            print(f"balance requests: {requests} (the call and {ATTEMPTS - 1} retries)")
        finally:
            exchange.close()

    print(f"rejections seen by the hook: {len(alerts)}")
    if alerts:
        print(alerts[0])
    typed = isinstance(cause, ipwhitelist.IPNotWhitelisted)
    return 0 if typed and len(alerts) == ATTEMPTS and requests == ATTEMPTS else 1


if __name__ == "__main__":
    sys.exit(main())
