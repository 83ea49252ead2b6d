"""
Run freqtrade with ipwhitelist: use ``python freqtrade_launcher.py`` where you type ``freqtrade``.

    python freqtrade_launcher.py trade --config config.json --strategy MyStrategy

freqtrade (2026.9) creates its ccxt clients in ``Exchange._init_ccxt()`` and
only then loads the strategy, so a patch in a strategy file comes too late.
This launcher patches ``_init_ccxt`` first and then hands the command line to
freqtrade's own entry point: every ccxt client freqtrade creates (the sync
one, the async one and the websocket one) is wrapped, from the first market
load on. Each IP incident is also sent through freqtrade's own RPC layer as a
warning, so it arrives in the Telegram chat (or Discord, or webhook) that
already receives your trades: once per incident, a follow-up with the count
if it goes on, and a message when signed calls work again. Edit `WHITELIST`
(and `FAMILY`) below; needs freqtrade installed.
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


def forward_to(rpc: Any) -> ipwhitelist.NotifyHook:
    """
    A hook that sends one freqtrade WARNING message per IP incident through *rpc*.

    *rpc* is freqtrade's ``RPCManager``. Its ``send_msg`` can block (the
    webhook module posts in the caller's thread), so the hook calls it from
    its own worker thread, never from the failing call.
    """
    from freqtrade.enums import RPCMessageType

    def send(title: str, body: str) -> None:
        # Telegram shows a warning's status in a Markdown code span: no backticks inside.
        status = f"{title}\n{body}".replace("`", "'")
        rpc.send_msg({"type": RPCMessageType.WARNING, "status": status})

    return ipwhitelist.NotifyHook(send=send)


def install_notifications() -> None:
    """Forward IP incidents to every ``RPCManager`` freqtrade creates from now on."""
    from freqtrade.rpc import RPCManager

    init = getattr(RPCManager.__init__, "__wrapped__", RPCManager.__init__)

    @functools.wraps(init)
    def _init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        # Replace the hook of an earlier RPCManager (freqtrade rebuilds it on /reload_config).
        old = _forwarding.get("hook")
        hooks = [h for h in ipwhitelist.get_on_rejection_hooks() if h is not old]
        _forwarding["hook"] = hook = forward_to(self)
        ipwhitelist.set_on_rejection_hooks([*hooks, hook])
        if old is not None:
            old.close(timeout=0)  # its worker stops once its queue is delivered

    RPCManager.__init__ = _init


_forwarding: dict[str, ipwhitelist.NotifyHook] = {}


def main(argv: list[str] | None = None) -> None:
    """Install the wrapper and the forwarding, then run freqtrade's command line (which exits)."""
    install(whitelist=WHITELIST or None, family=FAMILY)
    install_notifications()

    from freqtrade.main import main as freqtrade_main

    freqtrade_main(argv)


if __name__ == "__main__":
    main()
