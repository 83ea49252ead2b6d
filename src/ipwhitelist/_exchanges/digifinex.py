"""
DigiFinex: 10007 refuses the address.

Covers ccxt ``digifinex``, which answers ``{"code": <int>, ...}`` and raises
ccxt's own text for the code, without the exchange's body. 10007 "IP address
Unauthorized" refuses an address the key does not allow. The rule matches the
code in the response that ccxt's ``handle_errors`` sees; a websocket or a
decorator that sees only the exception text has no code to go on.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "DigiFinex"

RULES = (
    Rule(
        name="digifinex-10007-ip-unauthorized",
        exchange="digifinex",
        code="10007",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/digifinex.py",
        description=(
            "10007 IP address Unauthorized (ccxt: `'10007': [PermissionDenied, 'IP address "
            "Unauthorized']`)."
        ),
    ),
)
