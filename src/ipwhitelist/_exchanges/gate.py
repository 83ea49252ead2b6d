"""
Gate: APIv4 errors are ``{"label": "<LABEL>", "message": "..."}``.

Covers ccxt ``gate`` and ``gateeu``, which derives from it (spot, margin,
futures, delivery, options and wallet share the envelope). The label
``IP_FORBIDDEN`` (HTTP 401) refuses an address outside the APIv4 key's IP
whitelist and usually names the address Gate saw ("Request IP not in
whitelist: <ip>"). Gate documents no region or IP-ban label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.keyfacts import Facts, Finding, Restrictions, Unexpected, entries
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["LIMITS", "RESTRICTIONS", "RULES", "TITLE"]

TITLE = "Gate"

RULES = (
    Rule(
        name="gate-ip-forbidden",
        exchange="gate",
        code="IP_FORBIDDEN",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        # Gate's maintainer: only sent when a whitelist is set and the client's
        # public IP is not on it.
        source="https://github.com/gateio/gateapi-go/issues/3",
        description="IP_FORBIDDEN Request IP not in whitelist[: <ip>] (HTTP 401)",
    ),
    Rule(
        name="gate-ip-not-in-whitelist-message",
        exchange="gate",
        message=r"request ip not in whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=(
            "https://github.com/CyberPunkMetalHead/"
            "gateio-crypto-trading-bot-binance-announcements-new-coins/issues/152"
        ),
        description="The IP_FORBIDDEN message without its label (e.g. relayed by an SDK).",
    ),
)

LIMITS = ExchangeLimits(
    exchange="gate",
    ip_whitelist=True,
    sources=("https://github.com/gateio/gateapi-go/issues/3",),
)


# -- the key ------------------------------------------------------------------

# GET /api/v4/account/detail,
# https://www.gate.io/docs/developers/apiv4/en/#getaccountdetail-responses
# (copied in
# https://github.com/rosssaunders/coincise/blob/main/docs/gateio/endpoints/private/get_account_detail.md):
# ``ip_whitelist`` (a list), ``currency_pairs``, ``user_id``, ``tier``,
# ``key.mode`` and ``copy_trading_role``: not the key's permissions, which
# stay unknown, and no expiry.


def _parse(response: object, _now: datetime) -> Facts:
    ips = response.get("ip_whitelist") if isinstance(response, dict) else None
    if not isinstance(ips, list):
        raise Unexpected("no ip_whitelist list")
    allowed = tuple(entries(ips))
    return Facts(
        ip_restricted=bool(allowed),
        allowed_ips=allowed,
        can_read=None,
        can_trade=None,
        can_withdraw=None,
        permissions=(),
        expires_at=None,
    )


def _unrestricted(_facts: Facts, _now: datetime, where: str) -> list[Finding]:
    # Gate's help centre: "If you opt for not binding, the API Key will allow access
    # from any address and is valid for 90 days."
    # https://www.gateex.org/help/guide/faq/17521/how-to-utilize-api
    return [
        Finding(
            code="expires-without-ip",
            severity="warning",
            message="Gate keeps an API key without a bound IP valid for 90 days (Gate's "
            "help centre); Gate's API reports no date for this key.",
            fix=f"Bind the key to {where} before the 90 days are up.",
        )
    ]


RESTRICTIONS = Restrictions(
    method="private_account_get_detail",
    endpoint="GET /api/v4/account/detail",
    parse=_parse,
    unrestricted=_unrestricted,
)
