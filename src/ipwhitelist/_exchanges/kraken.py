"""
Kraken: no response is documented for a key's IP restriction.

Covers ccxt ``kraken``. Every response carries an ``error`` array of strings
such as ``"EAPI:Invalid key"``, usually with HTTP 200. Kraken lets a key be
restricted to IP addresses, but no Kraken source names the response a refused
address gets: ``EAPI:Invalid key`` (a bad or revoked key), ``EGeneral:Permission
denied`` (a missing permission) and ``EGeneral:Temporary lockout`` (the account,
not the IP, is locked after failed calls) are left to ccxt, so there are no
rules; the corpus checks that they pass through untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.limits import ExchangeLimits

if TYPE_CHECKING:
    from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Kraken"

# Sourced reasons for having no rules are above; add a rule with its source
# once the exchange documents (or a user quotes) the response.
RULES: tuple[Rule, ...] = ()

LIMITS = ExchangeLimits(
    exchange="kraken",
    ip_whitelist=True,
    sources=("https://docs.kraken.com/home/guides/quickstart",),
)
