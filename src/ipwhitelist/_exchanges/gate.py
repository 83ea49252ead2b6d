"""
Gate: APIv4 errors are ``{"label": "<LABEL>", "message": "..."}``.

Covers ccxt ``gate`` and ``gateeu``, which derives from it (spot, margin,
futures, delivery, options and wallet share the envelope). The label
``IP_FORBIDDEN`` (HTTP 401) refuses an address outside the APIv4 key's IP
whitelist and usually names the address Gate saw ("Request IP not in
whitelist: <ip>"). Gate documents no region or IP-ban label.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

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
