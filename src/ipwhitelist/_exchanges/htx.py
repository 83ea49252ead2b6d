"""
HTX (formerly Huobi): spot ``err-code``/``err-msg``, derivatives ``err_code``/``err_msg``.

Covers ccxt ``htx`` (ccxt 4.5 has no ``huobi`` alias any more). A spot key
used from an address outside its whitelist gets ``err-code``
``api-signature-not-valid`` with "Signature not valid: Incorrect IP address
[IP地址错误]:<ip>"; the same code also means a wrong key, an expired key, a
bad signature or missing permissions, so the text decides. No derivatives
(``err_code``) IP refusal has been published; the message rule would catch
one that reuses the spot wording.
"""

from __future__ import annotations

from .._core.limits import ExchangeLimits
from .._core.rules import Rule

__all__ = ["ALIASES", "LIMITS", "RULES", "TITLE"]

TITLE = "HTX"

#: ccxt ids of the same account system outside ccxt's HTX lineage (Huobi's old name).
ALIASES = ("huobi",)

_IN_THE_WILD = "https://github.com/HuobiRDCenter/huobi_Python/issues/110"
_IP_TEXT = r"incorrect ip address|ip地址错误"

RULES = (
    Rule(
        name="htx-signature-incorrect-ip",
        exchange="htx",
        code="api-signature-not-valid",
        message=_IP_TEXT,
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_IN_THE_WILD,
        description="api-signature-not-valid: Signature not valid: Incorrect IP address "
        "[IP地址错误]:<ip> (2018 wording: 'ip地址错误' alone)",
    ),
    Rule(
        name="htx-incorrect-ip-message",
        exchange="htx",
        message=_IP_TEXT,
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/huobiapi/REST-API-demos/issues/9",
        description="The IP refusal text under another code or without one.",
    ),
)

LIMITS = ExchangeLimits(
    exchange="htx",
    ip_whitelist=True,
    max_entries=20,
    cidr=True,
    ipv6=True,
    sources=("https://www.htx.com/en-us/apikey/",),
)
