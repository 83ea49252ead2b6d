"""The exception tree: ccxt compatibility, chaining, pickling."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import ccxt
import pytest

import ipwhitelist
from ipwhitelist import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection


def diagnosis(kind="ip_not_whitelisted", **kw):
    return ipwhitelist.Diagnosis(exchange="binance", kind=kind, confidence="likely", **kw)


class TestHierarchy:
    @pytest.mark.parametrize(
        ("cls", "ccxt_class"),
        [
            (IPNotWhitelisted, ccxt.PermissionDenied),
            (IPNotWhitelisted, ccxt.AuthenticationError),
            (IPNotWhitelisted, ccxt.ExchangeError),
            (IPBanned, ccxt.DDoSProtection),
            (GeoRestricted, ccxt.RestrictedLocation),
            (GeoRestricted, ccxt.ExchangeError),
            (IPRejection, ccxt.BaseError),
        ],
    )
    def test_existing_ccxt_handlers_still_catch(self, cls, ccxt_class):
        """Each class is also the ccxt class old handlers catch."""
        assert issubclass(cls, ccxt_class)

    @pytest.mark.parametrize("cls", [IPNotWhitelisted, GeoRestricted, IPRejection])
    def test_not_transient(self, cls):
        """Whitelist and geo rejections are never ccxt network errors (which bots retry)."""
        assert not issubclass(cls, ccxt.NetworkError)

    @pytest.mark.parametrize("cls", [IPNotWhitelisted, IPBanned, GeoRestricted])
    def test_common_base(self, cls):
        """All three are IPRejection and never retryable."""
        exc = cls("m", diagnosis=diagnosis(), original=None)

        assert isinstance(exc, IPRejection)
        assert exc.retryable is False

    def test_errors_module_is_the_same_classes(self):
        """ipwhitelist.errors holds the classes re-exported at top level."""
        from ipwhitelist import errors

        assert errors.IPNotWhitelisted is IPNotWhitelisted


class TestPickle:
    @pytest.mark.parametrize("cls", [IPRejection, IPNotWhitelisted, IPBanned, GeoRestricted])
    def test_round_trip_keeps_diagnosis_and_original(self, cls):
        """Exceptions survive pickle with their diagnosis, message and original."""
        original = ccxt.AuthenticationError('binance {"code":-2015}')
        d = diagnosis(
            kind="ip_banned",
            reported_ip="2001:db8::1",
            egress_ips=["203.0.113.9"],
            banned_until=datetime(2030, 1, 1, tzinfo=UTC),
        )
        exc = cls("message", diagnosis=d, original=original)

        loaded = pickle.loads(pickle.dumps(exc))

        assert type(exc) is type(loaded)
        assert "message" == str(loaded)
        assert d == loaded.diagnosis
        assert type(original) is type(loaded.original)
        assert str(original) == str(loaded.original)

    def test_banned_until_survives(self):
        """IPBanned.banned_until comes back after pickling."""
        when = datetime(2030, 1, 1, tzinfo=UTC)
        exc = IPBanned("m", diagnosis=diagnosis(kind="ip_banned", banned_until=when))

        assert when == pickle.loads(pickle.dumps(exc)).banned_until
