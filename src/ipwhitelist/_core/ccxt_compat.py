"""
The ccxt names ipwhitelist needs that older ccxt releases spell differently.

ipwhitelist supports every ccxt release from 4.4.87 (the floor of freqtrade 2025.6-2025.8).
Two public names it builds on are younger than that:

* ``ccxt.base.exchange.BaseExchange``, the common base of the sync and async
  ``Exchange`` classes, appeared in 4.5.66 (absent from 4.5.65's wheel).
  Before it, the async ``Exchange`` subclassed the sync one, so
  ``ccxt.base.exchange.Exchange`` is the common base there: nothing is lost.
* ``ccxt.RestrictedLocation`` (a ``ccxt.OperationRejected``) appeared in 4.4.98
  (absent from 4.4.97's wheel). Where it is missing, `GeoRestricted`
  derives from its parent ``ccxt.OperationRejected`` instead: ``except
  ccxt.OperationRejected`` and ``except ccxt.ExchangeError`` still catch it, and
  code written for such a ccxt cannot name ``RestrictedLocation``.

`LIMITATIONS` lists, for the installed ccxt, what it lacks; the test suite skips
only the tests that need one of those, naming it.
"""

from __future__ import annotations

from typing import Any

import ccxt
from ccxt.base import exchange as _exchange

__all__ = ["LIMITATIONS", "OLDEST_CCXT", "BaseExchange", "RestrictedLocation"]

#: The oldest ccxt release supported (pyproject.toml's lower bound, `make compat`).
OLDEST_CCXT = "4.4.87"

#: The class every ccxt client (sync, async, ccxt.pro) derives from.
BaseExchange: Any = getattr(_exchange, "BaseExchange", _exchange.Exchange)

#: The ccxt class `GeoRestricted` also is: ``ccxt.RestrictedLocation`` where the
#: installed ccxt has it, else its parent ``ccxt.OperationRejected``.
RestrictedLocation: Any = getattr(ccxt, "RestrictedLocation", ccxt.OperationRejected)

#: What the installed ccxt lacks compared with the newest, as (name, consequence).
LIMITATIONS: tuple[tuple[str, str], ...] = (
    ()
    if hasattr(ccxt, "RestrictedLocation")
    else (
        (
            "ccxt.RestrictedLocation",
            "GeoRestricted is a ccxt.OperationRejected, not a ccxt.RestrictedLocation",
        ),
    )
)
