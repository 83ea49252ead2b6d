"""
Nado: 1002 and 1003 refuse the place the request comes from.

Covers ccxt ``nado``, whose gateway answers ``{"status": "failure",
"error_code": <int>, "error": "<text>"}``. ccxt maps error codes 1002 and
1003 to ``RestrictedLocation`` (a request from a location Nado does not
serve); Nado's published pages found so far list no texts for them, so
ccxt's map is the source and the confidence is *likely*.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Nado"

_CCXT = "https://github.com/ccxt/ccxt/blob/master/python/ccxt/nado.py"

RULES = (
    Rule(
        name="nado-1002-restricted-location",
        exchange="nado",
        code="1002",
        kind="geo_restricted",
        confidence="likely",
        source=_CCXT,
        description="1002, which ccxt maps to RestrictedLocation.",
    ),
    Rule(
        name="nado-1003-restricted-location",
        exchange="nado",
        code="1003",
        kind="geo_restricted",
        confidence="likely",
        source=_CCXT,
        description="1003, which ccxt maps to RestrictedLocation.",
    ),
)
