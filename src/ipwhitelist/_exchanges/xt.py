"""
XT.com: spot ``rc``/``mc`` codes; AUTH_104 is a request from an unbound IP.

Covers ccxt ``xt``. The spot API (``sapi.xt.com``) answers HTTP 200 with
``{"rc": 1, "mc": "<code>", "ma": [], "result": null}``; futures
(``fapi.xt.com``, ``dapi.xt.com``) answer ``{"returnCode": 1, "msgInfo":
"failure", "error": {"code": ..., "msg": ...}}``. AUTH_104 "Unbound IP
request" refuses an address the key is not bound to. The ``mc`` envelope
carries no message, so the rule also looks for the code in the raw body.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["LIMITS", "RULES", "TITLE"]

TITLE = "XT.com"

_ERRORS = "https://github.com/xt-com/xt-api/blob/main/_documentation/errorCode.md"

RULES = (
    Rule(
        name="xt-auth-104-unbound-ip",
        exchange="xt",
        code="AUTH_104",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="AUTH_104 Unbound IP request (an error code the parser extracted).",
    ),
    Rule(
        name="xt-auth-104-unbound-ip-body",
        exchange="xt",
        message=r'"(?:mc|code)"\s*:\s*"AUTH_104"',
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description='AUTH_104 Unbound IP request in the spot body {"rc":1,"mc":"AUTH_104"}.',
    ),
)

LIMITS = ExchangeLimits(
    exchange="xt",
    ip_whitelist=True,
    sources=("https://xtsupport.zendesk.com/hc/en-us/articles/900006868163",),
)
