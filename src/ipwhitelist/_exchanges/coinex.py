"""
CoinEx: 4007 (v2) and 23 (v1) refuse an address not on the key's whitelist.

Covers ccxt ``coinex``, which answers ``{"code": <int>, "data": {},
"message": ...}``. CoinEx's FAQ explains 4007 "IP Prohibited": the request's
IP address is not on the API key's whitelist. The v1 API, which older bots
still call, sent code 23 "IP Prohibited" for the same refusal, and some
gateways answer with the message "ip not allow visit" alone (ccxt maps it as a
message). ccxt 4.5.90 no longer ships ``coinex``: the rules serve bots on the
earlier releases ipwhitelist supports.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "CoinEx"

_FAQ = "https://docs.coinex.com/api/v2/faq"
_V1_ERRORS = "https://github.com/coinexcom/coinex_exchange_api/wiki/013error_code"

RULES = (
    Rule(
        name="coinex-4007-ip-prohibited",
        exchange="coinex",
        code="4007",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_FAQ,
        description="4007 IP Prohibited: the IP address is not on the API key's whitelist.",
    ),
    Rule(
        name="coinex-23-v1-ip-prohibited",
        exchange="coinex",
        code="23",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_V1_ERRORS,
        description="23 IP Prohibited (the v1 API).",
    ),
    Rule(
        name="coinex-ip-not-allow-visit",
        exchange="coinex",
        message=r"\bip not allow(?:ed)? (?:to )?visit",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_FAQ,
        description="The 4007 refusal in CoinEx's own words, whatever the code.",
    ),
)

LIMITS = ExchangeLimits(
    exchange="coinex",
    ip_whitelist=True,
    max_entries=50,
    sources=("https://docs.coinex.com/api/v2/account/subs/http/create-sub-api",),
)
