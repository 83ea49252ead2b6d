"""
MEXC: spot v3 ``code``/``msg`` and futures (contract) ``success``/``code``/``message``.

Covers ccxt ``mexc``. Spot v3 answers 700006 for an address outside the key's
IP whitelist and names it ("IP [<ip>] not in the ip white list"; older
responses read "IP non white list"); ccxt raises that as ``BadRequest``. The
futures API (contract.mexc.com) answers ``{"success": false, "code": 406,
"message": "..."}``. 730703/730704 reject a badly formed whitelist when a key
is edited, not a request's address, and are left alone.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "MEXC"

_CONTRACT_ERRORS = (
    "https://github.com/rosssaunders/coincise/blob/main/docs/mexc/contract/private_rest_api.md"
)

RULES = (
    Rule(
        name="mexc-700006-ip-not-whitelisted",
        exchange="mexc",
        code="700006",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/mxcdevelop/APIDoc/issues/62",
        description="700006 IP [<ip>] not in the ip white list (older: 'IP non white list')",
    ),
    Rule(
        name="mexc-406-contract-ip-not-whitelisted",
        exchange="mexc",
        code="406",
        # 406 is also an HTTP status; the text keeps the rule to the whitelist case.
        message=r"IP is not in the whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_CONTRACT_ERRORS,
        description="Futures 406 Accessed IP is not in the whitelist",
    ),
    Rule(
        name="mexc-ip-white-list-message",
        exchange="mexc",
        message=r"not in the ip white ?list|\bIP non white list",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://robotrade-ai.gitbook.io/untitled/guides/api-troubleshooting",
        description="The 700006 message without its code (e.g. relayed by another layer).",
    ),
)

LIMITS = ExchangeLimits(
    exchange="mexc",
    ip_whitelist=True,
    # apiKeyInfo: "up to 20", "separated by commas".
    max_entries=20,
    sources=("https://www.mexc.in/api-docs/spot-v3/spot-account-trade/api-key-info",),
)
