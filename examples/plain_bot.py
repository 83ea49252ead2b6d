"""
A plain ccxt bot with ipwhitelist, runnable offline: ``python examples/plain_bot.py``.

It trades against the loopback fake exchange from ``ipwhitelist demo`` (which
enforces the key's IP whitelist by the client's source address), loses its
whitelisted IP half-way, and shows the three things a bot should do:

1. catch `ipwhitelist.IPNotWhitelisted` and stop trading (no retry loop);
2. alert once (the incident log and a hook), with the diagnosis;
3. once access is restored, review positions before resuming.

With a real exchange, drop the fake: wrap the client you already create.
"""

from __future__ import annotations

import logging
import sys

import ccxt

import ipwhitelist
from ipwhitelist._cli.demo import DEMO_KEY, DEMO_SECRET, NEW_IP, OLD_IP, fake_binance_futures
from ipwhitelist._client.ipversion import source_adapter
from ipwhitelist._testing.fake import point_at

# The tick at which the server's egress IP changes.
EGRESS_CHANGES_AT = 3


def bind(client: ccxt.Exchange, source_ip: str) -> None:
    """Make the client's connections leave from *source_ip* (plays the server's egress)."""
    client.session.mount("http://", source_adapter(source_ip))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    alerts: list[ipwhitelist.Diagnosis] = []
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog(), alerts.append])

    with fake_binance_futures({OLD_IP}) as exchange_server:
        client = ccxt.binanceusdm(
            {"apiKey": DEMO_KEY, "secret": DEMO_SECRET, "enableRateLimit": False}
        )
        point_at(client, exchange_server.url)
        exchange = ipwhitelist.wrap(client, egress=False, whitelist=[OLD_IP])

        stopped = False
        for tick in range(6):
            bind(client, OLD_IP if tick < EGRESS_CHANGES_AT else NEW_IP)
            try:
                balance = exchange.fapiPrivateV2GetAccount()
            except ipwhitelist.IPNotWhitelisted as exc:
                print(f"tick {tick}: trading stopped: {exc.diagnosis.headline}")
                stopped = True
                break  # do not retry: a human must fix the whitelist
            print(f"tick {tick}: balance {balance['availableBalance']} USDT")

    print(f"alerts sent: {len(alerts)}")
    if alerts:
        print(alerts[0])
    return 0 if stopped and len(alerts) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
