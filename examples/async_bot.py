"""
An asyncio ccxt bot with ipwhitelist, runnable offline: ``python examples/async_bot.py``.

Several strategy tasks share one wrapped ``ccxt.async_support`` client (the
same code works with ``ccxt.pro``). When the fake exchange stops accepting the
bot's address, every task gets a typed exception, the incident log reports it
once, and the tasks stop instead of retrying.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import ccxt.async_support as ccxt

import ipwhitelist
from ipwhitelist._cli.demo import DEMO_KEY, DEMO_SECRET, OLD_IP, fake_binance_futures
from ipwhitelist._testing.fake import point_at


async def strategy(name: str, exchange: ccxt.Exchange, rounds: int) -> str:
    for _ in range(rounds):
        try:
            await exchange.fapiPrivateV2GetAccount()
        except ipwhitelist.IPRejection as exc:
            return f"{name}: stopped ({exc.diagnosis.kind}, confidence {exc.diagnosis.confidence})"
        await asyncio.sleep(0)
    return f"{name}: finished"


async def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = ipwhitelist.IncidentLog()
    ipwhitelist.set_on_rejection_hooks([log])
    whitelist = {OLD_IP}
    with fake_binance_futures(whitelist) as exchange_server:
        exchange = point_at(
            ccxt.binanceusdm({"apiKey": DEMO_KEY, "secret": DEMO_SECRET, "enableRateLimit": False}),
            exchange_server.url,
        )
        ipwhitelist.wrap(exchange, egress=False, whitelist=["203.0.113.7"])
        try:
            print(await strategy("warm-up", exchange, 1))
            whitelist.clear()  # the key's whitelist no longer holds this host's IP
            results = await asyncio.gather(*(strategy(f"s{i}", exchange, 3) for i in range(20)))
        finally:
            await exchange.close()
    for line in results[:3]:
        print(line)
    stopped = sum("stopped" in r for r in results)
    print(f"{stopped} of {len(results)} strategies stopped")
    return 0 if stopped == len(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
