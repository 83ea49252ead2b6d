"""
Run freqtrade with ipwhitelist: use ``python freqtrade_launcher.py`` where you type ``freqtrade``.

    python freqtrade_launcher.py trade --config config.json --strategy MyStrategy

freqtrade (2026.9) creates its ccxt clients in ``Exchange._init_ccxt()`` and
only then loads the strategy, so a patch in a strategy file comes too late.
This launcher patches ``_init_ccxt`` first and then hands the command line to
freqtrade's own entry point: every ccxt client freqtrade creates (the sync
one, the async one and the websocket one) is wrapped, from the first market
load on. Edit `WHITELIST` (and `FAMILY`) below; needs freqtrade installed.
"""

from __future__ import annotations

import functools
from typing import Any

import ipwhitelist

#: What you whitelisted on the key: addresses, networks, or the path of a text
#: file with one per line. Empty: the diagnosis cannot compare against a list.
WHITELIST: list[str] = ["203.0.113.7"]
#: 4 or 6 pins exchange connections to that address family; None leaves it open.
FAMILY: int | None = None


def install(**options: Any) -> None:
    """
    Wrap every ccxt client freqtrade creates from now on with `ipwhitelist.wrap`.

    *options* are `ipwhitelist.wrap`'s keyword arguments. Installing again
    replaces the options rather than wrapping twice.
    """
    from freqtrade.exchange import Exchange

    init_ccxt = getattr(Exchange._init_ccxt, "__wrapped__", Exchange._init_ccxt)

    @functools.wraps(init_ccxt)
    def _init_ccxt(self: Any, *args: Any, **kwargs: Any) -> Any:
        return ipwhitelist.wrap(init_ccxt(self, *args, **kwargs), **options)

    Exchange._init_ccxt = _init_ccxt


def main(argv: list[str] | None = None) -> None:
    """Install the wrapper, then run freqtrade's command line (which exits)."""
    install(whitelist=WHITELIST or None, family=FAMILY)

    from freqtrade.main import main as freqtrade_main

    freqtrade_main(argv)


if __name__ == "__main__":
    main()
