"""
OKX: top-level and per-order error codes.

Covers ccxt ``okx`` and its derivatives (``myokx``, ``okxus``), including
per-order ``sCode``/``sMsg`` in batch responses. 50110 quotes the IP OKX saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.keyfacts import Facts, Finding, Restrictions, Unexpected, entries
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["KEY_PAGE", "LIMITS", "RESTRICTIONS", "RULES", "TITLE"]

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

LIMITS = ExchangeLimits(
    exchange="okx",
    ip_whitelist=True,
    max_entries=20,
    sources=("https://www.okx.com/help/api-faq",),
)


# -- the key ------------------------------------------------------------------

#: Where the key's IP whitelist is edited.
KEY_PAGE = "OKX > Profile > API keys > Edit > IP address whitelist"

# GET /api/v5/account/config,
# https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration:
# ``data[0].ip`` (comma-separated, ``""`` when none is bound) and
# ``data[0].perm`` (``read_only,trade,withdraw``).


def _parse(response: object, _now: datetime) -> Facts:
    data = response.get("data") if isinstance(response, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    if not isinstance(first, dict):
        raise Unexpected("no data[0] object")
    perm = first.get("perm")
    names = tuple(sorted(set(entries([perm])))) if isinstance(perm, str) else ()
    ip = first.get("ip")
    allowed = tuple(entries([ip])) if isinstance(ip, str) else None
    known = isinstance(perm, str)
    return Facts(
        ip_restricted=None if allowed is None else bool(allowed),
        allowed_ips=allowed,
        can_read=("read_only" in names) if known else None,
        can_trade=("trade" in names) if known else None,
        can_withdraw=("withdraw" in names) if known else None,
        permissions=names,
        expires_at=None,
    )


def _unrestricted(facts: Facts, _now: datetime, where: str) -> list[Finding]:
    if not (facts.can_trade or facts.can_withdraw):
        return []
    # Third-party report citing OKX's help centre, not OKX's API docs:
    # https://www.quotaguard.com/blog/okx-api-key-14-day-deletion-static-ip-fix
    return [
        Finding(
            code="deleted-without-ip",
            severity="warning",
            message="OKX deletes keys that can trade or withdraw and have no bound IP after "
            "14 days without use (third-party report citing OKX's help centre; not in "
            "OKX's API documentation).",
            fix=f"Bind the key to {where} before OKX deletes it.",
        )
    ]


RESTRICTIONS = Restrictions(
    method="private_get_account_config",
    endpoint="GET /api/v5/account/config",
    parse=_parse,
    unrestricted=_unrestricted,
)
