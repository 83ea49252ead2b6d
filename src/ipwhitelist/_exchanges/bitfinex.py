"""
Bitfinex (ccxt ``bitfinex``).

v2 errors are arrays, ``["error", 10100, "apikey: invalid"]`` (code, then
text), usually with HTTP 500. The REST rate limiter answers
``{"error": "ERR_RATE_LIMIT"}`` and blocks the requesting IP for 10-60 seconds
on that endpoint. No published response singles out a key's IP filter (a
refused IP is not told apart from 10100 "apikey: invalid"), so no rule claims
one.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Bitfinex"

RULES = (
    Rule(
        name="bitfinex-err-rate-limit",
        exchange="bitfinex",
        message=r"\bERR_RATE_LIMIT\b",
        kind="ip_banned",
        # Documented as an IP block, but a short one (10-60 s) on one endpoint.
        confidence="likely",
        source="https://docs.bitfinex.com/v1",
        description=(
            "If an IP address exceeds a certain number of requests per minute (between 10 "
            "and 90) to a specific REST API endpoint, the requesting IP address will be "
            'blocked for 10-60 seconds on that endpoint and {"error": "ERR_RATE_LIMIT"} is '
            "returned."
        ),
    ),
)
