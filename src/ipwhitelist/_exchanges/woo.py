"""
WOO X: no IP-specific error code.

Covers ccxt ``woo``. Errors are ``{"success": false, "code", "message"}``.
The published error list has no IP-specific code: -1002 covers a wrong,
under-privileged or expired key alike, so no WOO X response is typed and the
corpus only checks that near-misses pass through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "WOO X"

# Sourced reasons for having no rules are above; add a rule with its source
# once the exchange documents (or a user quotes) the response.
RULES: tuple[Rule, ...] = ()
