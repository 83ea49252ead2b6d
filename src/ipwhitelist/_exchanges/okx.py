"""
OKX: top-level and per-order error codes.

Covers ccxt ``okx`` and its derivatives (``myokx``, ``okxus``), including
per-order ``sCode``/``sMsg`` in batch responses. 50110 quotes the IP OKX saw.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "OKX"

_ERRORS = "https://www.okx.com/docs-v5/en/#error-code-rest-api-general-class"

RULES = (
    Rule(
        name="okx-50110-ip-not-whitelisted",
        exchange="okx",
        code="50110",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="Your IP {ip} is not included in your API key's IP whitelist.",
    ),
    Rule(
        name="okx-50121-ip-refused",
        exchange="okx",
        code="50121",
        kind="geo_restricted",
        # The text refuses the IP itself, not the key's list; OKX answers this
        # for addresses in regions it does not serve.
        confidence="likely",
        source=_ERRORS,
        description="You can't access our services through the IP address ({ip}).",
    ),
    Rule(
        name="okx-ip-whitelist-message",
        exchange="okx",
        message=r"not included in your API key'?s IP whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="The 50110 message without its code (e.g. in a batch order's sMsg).",
    ),
)
