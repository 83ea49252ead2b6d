"""
BingX: one ``code``/``msg`` envelope; 100419 names the refused address.

Covers ccxt ``bingx`` (spot, perpetual swap, wallets and sub-account APIs share
one ``code``/``msg`` envelope, usually with a ``timestamp``). 100419 refuses an
address outside the key's IP whitelist and names the address BingX saw ("your
current request IP is <ip> does not match IP whitelist"). HTTP 418 is BingX's
IP auto-ban after repeated 429s; 100410 throttling ("disabled period") is left
alone because the docs do not say it blocks the IP.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "BingX"

_SWAP_ERRORS = "https://bingx-api.github.io/docs/#/en-us/swapV2/base-info.html"
_HTTP_CODES = "https://bingx-api.github.io/docs/swap/base-info.html"
_IN_THE_WILD = (
    "https://github.com/Drakkar-Software/OctoBot-Tentacles/blob/master/"
    "Trading/Exchange/bingx/bingx_exchange.py"
)

RULES = (
    Rule(
        name="bingx-100419-ip-whitelist",
        exchange="bingx",
        code="100419",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_SWAP_ERRORS,
        description=(
            "100419 IP does not match IP whitelist; live responses read 'your current "
            "request IP is <ip> does not match IP whitelist , please go to "
            "https://bingx.com/en/account/api/ to verify the ip you have set'."
        ),
    ),
    Rule(
        name="bingx-ip-whitelist-message",
        exchange="bingx",
        message=r"does\s+not\s+match\s+(?:the\s+)?IP\s+whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_IN_THE_WILD,
        description="The 100419 message without its code (e.g. relayed by another layer).",
    ),
    Rule(
        name="bingx-418-ip-auto-banned",
        exchange="bingx",
        http_status=418,
        kind="ip_banned",
        # The docs give the status only; no 418 body has been published.
        confidence="likely",
        source=_HTTP_CODES,
        description=(
            "HTTP 418: 'an IP has been auto-banned for continuing to send requests "
            "after receiving 429 codes'."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="bingx",
    ip_whitelist=True,
    max_entries=20,
    sources=("https://bingx.pro/de-de/accounts/api",),
)
