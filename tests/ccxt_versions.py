"""
What the installed ccxt release has, for tests that `make compat` runs on several.

A test that needs something an older supported ccxt lacks is skipped there with
`needs_ccxt`, whose reason names the missing feature; nothing is skipped silently.

Exchanges come and go between the releases ``pyproject.toml`` admits: ccxt
added some after the oldest admitted release and removed others before the
newest tested one. Both sets are written down here, read from the two
releases' wheels, and the corpus and census tests check that the installed
ccxt lacks exactly the documented ones, so a release that adds or drops an
exchange ipwhitelist covers fails until someone records it
(``docs/reference/ccxt-versions.md`` says what it means for users).
"""

from __future__ import annotations

import ccxt
import pytest

#: The installed release as a comparable tuple, e.g. (4, 4, 87).
VERSION = tuple(int(part) for part in ccxt.__version__.split(".")[:3])

#: The oldest release ``pyproject.toml`` admits (``ccxt>=4.4.87``), and the
#: release the corpus's ``ccxt_raises`` and the sets below were read from.
OLDEST = (4, 4, 87)
RECORDED = (4, 5, 90)

#: ccxt names some tests need, with the first release that has them (read from
#: the released wheels: each is absent from the release before).
FEATURES = {
    "RestrictedLocation": ("4.4.98", lambda: hasattr(ccxt, "RestrictedLocation")),
}

#: Exchanges ipwhitelist covers that ccxt 4.4.87 lacks (added to ccxt later):
#: on 4.4.87 there is no client to wrap, so nothing to type.
ADDED_AFTER_OLDEST = frozenset(
    {
        "aster",
        "bullish",
        "bydfi",
        "dydx",
        "foxbit",
        "gateeu",
        "grvt",
        "nado",
        "pacifica",
        "polymarket",
        "toobit",
        "weex",
    }
)

#: Exchanges ipwhitelist covers that ccxt 4.4.87 has and ccxt 4.5.90 no longer
#: ships. Their rules stay for bots on the releases that have them; the
#: corpus and census check them on the oldest release.
REMOVED_BY_RECORDED = frozenset({"bitmart", "coincatch", "coinex", "coinmetro", "okcoin"})


def version_text(version: tuple[int, ...] = VERSION) -> str:
    """A release tuple as ccxt spells it, e.g. ``4.4.87``."""
    return ".".join(map(str, version))


def expected_missing(covered: set[str]) -> set[str] | None:
    """
    Which of *covered* (exchange ids) the installed ccxt is documented to lack.

    None for a release between the two tested ones, where the sets above do not
    say (``make compat`` tests only the oldest and the newest).
    """
    if VERSION == OLDEST:
        return covered & ADDED_AFTER_OLDEST
    if VERSION >= RECORDED:
        return covered & REMOVED_BY_RECORDED
    return None


def ccxt_releases(exchange: str) -> str | None:
    """For the docs: which admitted ccxt releases have *exchange*, when not all of them."""
    if exchange in ADDED_AFTER_OLDEST:
        return f"not in ccxt {version_text(OLDEST)}"
    if exchange in REMOVED_BY_RECORDED:
        return f"not in ccxt {version_text(RECORDED)}"
    return None


def needs_ccxt(feature: str) -> pytest.MarkDecorator:
    """Skip on a ccxt without *feature* (a key of `FEATURES`), saying so."""
    since, present = FEATURES[feature]
    return pytest.mark.skipif(
        not present(),
        reason=f"ccxt {ccxt.__version__} lacks ccxt.{feature} (first in ccxt {since})",
    )
