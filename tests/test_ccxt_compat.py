"""The shims for ccxt releases older than the names ipwhitelist builds on (_ccxt_compat.py)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest
from ccxt.base import exchange as base_exchange

import ipwhitelist
from ccxt_versions import VERSION, needs_ccxt
from ipwhitelist._core import ccxt_compat as _ccxt_compat

ROOT = Path(__file__).parent.parent


def _fresh_compat():
    """Execute _ccxt_compat.py again, against ccxt as it is patched now."""
    spec = importlib.util.spec_from_file_location("_ccxt_compat_copy", _ccxt_compat.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestBound:
    def test_pyproject_declares_the_oldest_supported_release(self):
        """pyproject's ccxt lower bound is OLDEST_CCXT, and the installed ccxt is within it."""
        project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
        (requirement,) = [r for r in project["dependencies"] if re.match(r"ccxt\b", r)]

        assert f"ccxt>={_ccxt_compat.OLDEST_CCXT}" == requirement
        assert VERSION >= tuple(int(p) for p in _ccxt_compat.OLDEST_CCXT.split("."))

    def test_docs_state_the_supported_range(self):
        """The reference page names the oldest supported release."""
        page = (ROOT / "docs" / "reference" / "ccxt-versions.md").read_text("utf-8")

        assert f"ccxt {_ccxt_compat.OLDEST_CCXT}" in page


class TestBaseExchange:
    @pytest.mark.parametrize("module", [ccxt, ccxt.async_support, ccxt.pro])
    def test_every_client_kind_is_a_base_exchange(self, module):
        """Sync, async and ccxt.pro clients all derive from the class wrap() checks."""
        assert issubclass(module.binance, _ccxt_compat.BaseExchange)

    def test_wrap_refuses_what_is_not_a_client(self):
        """Anything else is refused with a TypeError."""
        with pytest.raises(TypeError, match="needs a ccxt exchange or a supported SDK client"):
            ipwhitelist.wrap(object())

    def test_without_base_exchange_the_sync_exchange_is_the_base(self, monkeypatch):
        """Before ccxt 4.5.66 the async Exchange subclassed the sync one: that is the base."""
        monkeypatch.delattr(base_exchange, "BaseExchange", raising=False)

        assert base_exchange.Exchange is _fresh_compat().BaseExchange


class TestRestrictedLocation:
    @needs_ccxt("RestrictedLocation")
    def test_geo_restricted_is_a_restricted_location(self):
        """Where ccxt has RestrictedLocation, GeoRestricted is one and nothing is lacking."""
        assert issubclass(ipwhitelist.GeoRestricted, ccxt.RestrictedLocation)
        assert () == _ccxt_compat.LIMITATIONS

    def test_geo_restricted_is_always_an_operation_rejected(self):
        """On every supported ccxt, `except ccxt.OperationRejected` catches GeoRestricted."""
        assert issubclass(ipwhitelist.GeoRestricted, ccxt.OperationRejected)
        assert not issubclass(ipwhitelist.GeoRestricted, ccxt.NetworkError)

    def test_without_restricted_location_the_parent_stands_in_and_says_so(self, monkeypatch):
        """Without ccxt.RestrictedLocation, its parent OperationRejected is used, and listed."""
        monkeypatch.delattr(ccxt, "RestrictedLocation", raising=False)

        compat = _fresh_compat()

        assert ccxt.OperationRejected is compat.RestrictedLocation
        assert (
            (
                "ccxt.RestrictedLocation",
                "GeoRestricted is a ccxt.OperationRejected, not a ccxt.RestrictedLocation",
            ),
        ) == compat.LIMITATIONS
