"""
What the installed ccxt release has, for tests that `make compat` runs on several.

A test that needs something an older supported ccxt lacks is skipped there with
`needs_ccxt`, whose reason names the missing feature; nothing is skipped silently.
"""

from __future__ import annotations

import ccxt
import pytest

#: The installed release as a comparable tuple, e.g. (4, 4, 87).
VERSION = tuple(int(part) for part in ccxt.__version__.split(".")[:3])

#: ccxt names some tests need, with the first release that has them (read from
#: the released wheels: each is absent from the release before).
FEATURES = {
    "RestrictedLocation": ("4.4.98", lambda: hasattr(ccxt, "RestrictedLocation")),
}


def needs_ccxt(feature: str) -> pytest.MarkDecorator:
    """Skip on a ccxt without *feature* (a key of `FEATURES`), saying so."""
    since, present = FEATURES[feature]
    return pytest.mark.skipif(
        not present(),
        reason=f"ccxt {ccxt.__version__} lacks ccxt.{feature} (first in ccxt {since})",
    )
