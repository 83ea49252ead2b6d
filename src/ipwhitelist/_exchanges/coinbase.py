"""
Coinbase Advanced: an IP allowlist, but no distinct refusal.

Covers ccxt ``coinbase``. Advanced Trade errors are ``{"error":
"PERMISSION_DENIED", "error_details": ..., "message": ...}``, older v2 errors
``{"errors": [{"id", "message"}]}``, and an authentication failure is a bare
HTTP 401 "Unauthorized". CDP keys accept an allowlist of IPs and CIDRs, but
Coinbase documents no response that tells a refused address from any other
401, so there are no rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.limits import ExchangeLimits

if TYPE_CHECKING:
    from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "Coinbase"

# Sourced reasons for having no rules are above; add a rule with its source
# once the exchange documents (or a user quotes) the response.
RULES: tuple[Rule, ...] = ()

LIMITS = ExchangeLimits(
    exchange="coinbase",
    ip_whitelist=True,
    # CDP keys: "IPs or CIDRs", "IPv4 and IPv6 supported", one entry at a time.
    cidr=True,
    ipv6=True,
    sources=("https://docs.cdp.coinbase.com/get-started/authentication/security-best-practices",),
)
