"""
An asyncio ccxt bot with ipwhitelist, runnable offline: ``python examples/async_bot.py``.

Several strategy tasks share one wrapped ``ccxt.async_support`` client (the
same code works with ``ccxt.pro``). When the fake exchange (from
`ipwhitelist.testing`) stops accepting the bot's address, every task gets a
typed exception, the incident log reports it once, and the tasks stop instead
of retrying.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import ipwhitelist
from ipwhitelist.testing import afake_exchange


async def strategy(name: str, exchange: Any, rounds: int) -> str:
    for _ in range(rounds):
        try:
            await exchange.fetch_balance()
        except ipwhitelist.IPRejection as exc:
            return f"{name}: stopped ({exc.diagnosis.kind}, confidence {exc.diagnosis.confidence})"
        await asyncio.sleep(0)
    return f"{name}: finished"


async def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = ipwhitelist.IncidentLog()
    ipwhitelist.set_on_rejection_hooks([log])
    async with afake_exchange("binance") as fake:  # closes the client on exit
        exchange = ipwhitelist.wrap(fake.async_client(), egress=False, whitelist=["203.0.113.7"])
        print(await strategy("warm-up", exchange, 1))
        fake.change_ip()  # the key's whitelist no longer holds this host's IP
        results = await asyncio.gather(*(strategy(f"s{i}", exchange, 3) for i in range(20)))
    for line in results[:3]:
        print(line)
    stopped = sum("stopped" in r for r in results)
    print(f"{stopped} of {len(results)} strategies stopped")
    return 0 if stopped == len(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
