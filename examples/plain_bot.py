"""
A plain ccxt bot with ipwhitelist, runnable offline: ``python examples/plain_bot.py``.

It trades against a loopback fake Binance from `ipwhitelist.testing` (which
enforces the key's IP whitelist and checks ccxt's signatures), loses its
whitelisted IP half-way, and shows the three things a bot should do:

1. catch `ipwhitelist.IPNotWhitelisted` and stop trading (no retry loop);
2. alert once (the incident log and a hook), with the diagnosis;
3. once access is restored, review positions before resuming.

With a real exchange, drop the fake: wrap the client you already create.
"""

from __future__ import annotations

import logging
import sys

import ipwhitelist
from ipwhitelist.testing import fake_exchange

# The tick at which the server's egress IP changes.
EGRESS_CHANGES_AT = 3


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the egress lookup's request line
    alerts: list[ipwhitelist.Diagnosis] = []
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), alerts.append])

    with fake_exchange("binance") as fake:
        # A real ccxt.binance with the fake's key; a real bot creates its own client.
        exchange = ipwhitelist.wrap(fake.client(), egress=fake.egress, whitelist=fake.allowed_ips)

        stopped = False
        for tick in range(6):
            if tick == EGRESS_CHANGES_AT:
                fake.change_ip("198.51.100.23")  # the provider hands out a new address
            try:
                balance = exchange.fetch_balance()
            except ipwhitelist.IPNotWhitelisted as exc:
                print(f"tick {tick}: trading stopped: {exc.diagnosis.headline}")
                stopped = True
                break  # do not retry: a human must fix the whitelist
            print(f"tick {tick}: balance {balance['USDT']['free']} USDT")

    print(f"alerts sent: {len(alerts)}")
    if alerts:
        print(alerts[0])
    return 0 if stopped and len(alerts) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
