"""
Paradex: GEO_IP_BLOCK (REST) and 40112 (websocket) refuse the IP's location.

Covers ccxt ``paradex``. REST errors are ``{"error": "<CODE>", "message":
"...", "data": null}``; the websocket API answers JSON-RPC errors
``{"error": {"code": 40112, "message": "Geo IP blocked"}}``. Both refuse
service to the location of the IP. Paradex has no per-key IP whitelist.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Paradex"

_WS_ERRORS = "https://docs.paradex.trade/ws/general-information/error-handling"

RULES = (
    Rule(
        name="paradex-40112-geo-ip-blocked",
        exchange="paradex",
        code="40112",
        kind="geo_restricted",
        confidence="confirmed",
        source=_WS_ERRORS,
        description="40112 Geo IP blocked (websocket JSON-RPC error).",
    ),
    Rule(
        name="paradex-geo-ip-block",
        exchange="paradex",
        message=r"\bGEO_IP_BLOCK\b|\bgeo\s*ip\s*blocked\b",
        kind="geo_restricted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/paradex.py",
        description=(
            "REST error GEO_IP_BLOCK (ccxt: `'GEO_IP_BLOCK': PermissionDenied`), the REST "
            "counterpart of the websocket's 40112 'Geo IP blocked'."
        ),
    ),
)
