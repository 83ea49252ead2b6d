"""
Bybit: v5 and legacy envelopes, and the change of meaning of 10009.

Covers ccxt ``bybit`` and its derivatives (``bybiteu``, ``bybitid``), with v5
``retCode``/``retMsg`` and legacy ``ret_code``/``ret_msg`` bodies. Bybit
changed the meaning of 10009 on 2026-05-28, from "IP has been banned." to a
region restriction: the message decides which one a response means, and a bare
10009 follows the current docs with less confidence.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Bybit"

_V5_ERRORS = "https://bybit-exchange.github.io/docs/v5/error"
_RATE_LIMIT = "https://bybit-exchange.github.io/docs/v5/rate-limit"
_10009_CHANGE = (
    "https://github.com/bybit-exchange/docs/commit/3e465563ac439494f8ca1ff4d33bf74360a2df67"
)

RULES = (
    Rule(
        name="bybit-10010-unmatched-ip",
        exchange="bybit",
        code="10010",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_V5_ERRORS,
        description="Unmatched IP, please check your API key's bound IP addresses.",
    ),
    Rule(
        name="bybit-unmatched-ip-message",
        exchange="bybit",
        message=r"\bunmatched\s+ip\b",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/bybit-exchange/docs-legacy/issues/217",
        description="Legacy API 'unmatched ip.' (ret_code 10010) and websocket auth failures.",
    ),
    # 10009 changed meaning on 2026-05-28: the docs used to say "IP has been
    # banned." and now say the service is restricted for the caller's region.
    # The message tells which one a response means; the bare code follows the
    # current docs, with less confidence.
    Rule(
        name="bybit-10009-region-restricted",
        exchange="bybit",
        code="10009",
        message=r"unavailable for your region|service restricted",
        kind="geo_restricted",
        confidence="confirmed",
        source=_10009_CHANGE,
        description="Service Restricted: Access is currently unavailable for your region.",
    ),
    Rule(
        name="bybit-10009-ip-banned",
        exchange="bybit",
        code="10009",
        message=r"\bIP\b.{0,20}\bbanned\b",
        kind="ip_banned",
        confidence="confirmed",
        source=_V5_ERRORS,
        description="IP has been banned. (the meaning of 10009 before 2026-05-28)",
    ),
    Rule(
        name="bybit-10009",
        exchange="bybit",
        code="10009",
        kind="geo_restricted",
        confidence="likely",
        source=_10009_CHANGE,
        description="10009 with an unknown message: the current docs mean a region restriction.",
    ),
    Rule(
        name="bybit-403-access-too-frequent",
        exchange="bybit",
        http_status=403,
        message=r"access too frequent",
        kind="ip_banned",
        confidence="confirmed",
        source=_RATE_LIMIT,
        description="HTTP 403 'access too frequent': the IP is banned for at least 10 minutes.",
    ),
)
