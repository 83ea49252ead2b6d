"""Bybit (ccxt ``bybit``, ``bybiteu``, ``bybitid``): v5 ``retCode`` and legacy ``ret_code``."""

from __future__ import annotations

from . import Rule

_V5_ERRORS = "https://bybit-exchange.github.io/docs/v5/error"
_RATE_LIMIT = "https://bybit-exchange.github.io/docs/v5/rate-limit"

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
    Rule(
        name="bybit-10009-ip-banned",
        exchange="bybit",
        code="10009",
        kind="ip_banned",
        confidence="confirmed",
        source=_V5_ERRORS,
        description="IP has been banned.",
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
