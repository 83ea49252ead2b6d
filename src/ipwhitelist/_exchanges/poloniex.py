"""
Poloniex: ``code``/``message`` bodies; "Illegal of ip" refuses the IP.

Covers ccxt ``poloniex`` (spot and the v3 futures API on ``api.poloniex.com``).
Errors carry a numeric ``code`` and a ``message`` (``msg`` on some futures
endpoints). A key restricted to trusted IPs answers other addresses with code
401 "Illegal of ip", which ccxt raises as a plain ExchangeError. Poloniex
documents no IP ban or region block response.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Poloniex"

_IN_THE_WILD = (
    "https://github.com/GaryOcean428/poloniex-trading-platform/blob/"
    "f057bb2894aa57f8ad29697f8df88035e7f1d650/docs/archive/historical/ISSUE_RESOLUTION.md"
)

RULES = (
    Rule(
        name="poloniex-401-illegal-of-ip",
        exchange="poloniex",
        code="401",
        message=r"\billegal\s+of\s+ip\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_IN_THE_WILD,
        description=(
            "{code: 401, message: 'Illegal of ip'}: the key has IP access restrictions "
            "and the request came from an address that is not among its trusted IPs."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="poloniex",
    ip_whitelist=True,
    sources=("https://support.poloniex.com/hc/en-us/articles/360039541214",),
)
