"""
Kraken Futures: keys have no documented IP restriction.

Covers ccxt ``krakenfutures``, a lineage of its own in ccxt. Errors are
``{"result": "error", "error": "<camelCase>"}`` or an ``errors`` list of
``{code, message}``. Key creation offers only access levels, no IP list, so
there are no rules; ``authenticationError``, ``apiLimitExceeded`` and nonce
errors pass through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Kraken Futures"

# Sourced reasons for having no rules are above; add a rule with its source
# once the exchange documents (or a user quotes) the response.
RULES: tuple[Rule, ...] = ()
