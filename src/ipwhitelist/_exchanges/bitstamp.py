"""
Bitstamp (ccxt ``bitstamp``).

Errors come as ``{"status": "error", "reason": …, "code": "API0…"}``, where
``reason`` is a string or a dict of field lists such as ``{"__all__": […]}``,
and some as a bare ``{"error": "…"}``. A key's IP filter refuses other
addresses with the reason "IP address not allowed"; its API0 code is not
published, so the rule matches the text in either envelope.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Bitstamp"

RULES = (
    Rule(
        name="bitstamp-ip-address-not-allowed",
        exchange="bitstamp",
        message=r"\bIP address not allowed\b",
        kind="ip_not_whitelisted",
        # The text names only the address; Bitstamp's per-key IP filter is the
        # one setting that refuses a request for its IP.
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/bitstamp.py",
        description=(
            "'IP address not allowed': the key's IP filter does not list this address "
            "(ccxt maps it to PermissionDenied)."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="bitstamp",
    ip_whitelist=True,
    sources=("https://blog.bitstamp.net/post/api-key-implementation/",),
)
