"""
dYdX (v4): the indexer refuses requests from restricted countries with HTTP 403.

Covers ccxt ``dydx``. The v4 indexer checks the country of the requesting IP
(the ``geo-origin-status`` header its CDN sets) and answers 403
``{"errors": [{"msg": "Because you appear to be a resident of, or trading
from, a jurisdiction that violates our terms of use, ...", "code":
"GEOBLOCKED"}]}``. A blocked *address* gets a different text ("Because this
address appears to be ...", a compliance block of the wallet), which is not
an IP refusal and is left alone. dYdX has no API keys, hence no IP whitelist.
"""

from __future__ import annotations

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "dYdX"

RULES = (
    Rule(
        name="dydx-indexer-geoblocked",
        exchange="dydx",
        message=r"because you appear to be a resident of, or trading from, a jurisdiction",
        kind="geo_restricted",
        confidence="confirmed",
        source=(
            "https://github.com/dydxprotocol/v4-chain/blob/main/"
            "indexer/packages/compliance/src/constants.ts"
        ),
        description=(
            "403 INDEXER_GEOBLOCKED_PAYLOAD: 'Because you appear to be a resident of, or "
            "trading from, a jurisdiction that violates our terms of use, ... you have been "
            "blocked.'"
        ),
    ),
)
