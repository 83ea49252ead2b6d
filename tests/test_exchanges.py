"""Each exchange module declares its facts with the right types (they are read by name)."""

from __future__ import annotations

import ccxt
import pytest

from ccxt_versions import ADDED_AFTER_OLDEST, REMOVED_BY_RECORDED
from ipwhitelist import ExchangeLimits, Rule
from ipwhitelist._core.keyfacts import Restrictions
from ipwhitelist._exchanges import GENERIC, key_page, modules, restrictions_for

KNOWN = {
    "TITLE",
    "RULES",
    "DIALECTS",
    "ALIASES",
    "SHARED_KEYS",
    "LIMITS",
    "KEY_PAGE",
    "RESTRICTIONS",
}


@pytest.mark.parametrize("name", sorted(modules()))
def test_declarations(name):
    """A module declares only known facts, each of its type, about the ccxt id it is named after."""
    module = modules()[name]
    declared = set(module.__all__)

    assert declared <= KNOWN, declared - KNOWN
    assert "TITLE" in declared
    assert isinstance(module.TITLE, str)
    # Rules and endpoints need a client, so a ccxt id of a supported release
    # (tests/ccxt_versions.py names those only some releases have); whitelist
    # limits serve a registry, which may name an id no release has.
    supported = {*ccxt.exchanges, *ADDED_AFTER_OLDEST, *REMOVED_BY_RECORDED, GENERIC}
    assert name in supported or not {"RULES", "RESTRICTIONS"} & declared
    assert all(isinstance(rule, Rule) for rule in getattr(module, "RULES", ()))
    assert all(isinstance(other, str) for other in getattr(module, "ALIASES", ()))
    shared = getattr(module, "SHARED_KEYS", {})
    assert all(isinstance(i, str) and u.startswith("https://") for i, u in shared.items())
    limits = getattr(module, "LIMITS", None)
    if limits is not None:
        assert isinstance(limits, ExchangeLimits)
        assert name == limits.exchange
    assert isinstance(getattr(module, "KEY_PAGE", ""), str)
    restrictions = getattr(module, "RESTRICTIONS", None)
    if restrictions is not None:
        assert isinstance(restrictions, Restrictions)
        # The implicit method ccxt generates for the endpoint exists.
        assert callable(getattr(getattr(ccxt, name)(), restrictions.method, None))


def test_lookups_follow_the_ccxt_lineage():
    """A derived ccxt class finds its root's facts; an exchange without them gets the fallback."""
    assert "binance" == restrictions_for(("binanceusdm", "binance"))[0]
    assert restrictions_for(("kraken",)) is None
    assert key_page(("okxus", "okx")).startswith("OKX >")
    assert "the exchange's API key management page" == key_page(("kraken",))
