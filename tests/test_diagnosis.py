"""The Diagnosis value object."""

from __future__ import annotations

import ipaddress
import json
import pickle

import attrs
import pytest

import ipwhitelist
from helpers import API_KEY
from ipwhitelist import Diagnosis, Hint


def make(**kw):
    base = {"exchange": "okx", "kind": "ip_not_whitelisted", "confidence": "confirmed"}
    return Diagnosis(**{**base, **kw})


class TestDiagnosis:
    def test_frozen(self):
        """Diagnoses are immutable."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            make().kind = "ip_banned"

    def test_converters(self):
        """IPs become ipaddress objects, lists tuples, duplicates dropped, order kept."""
        d = make(
            reported_ip="203.0.113.7", egress_ips=["2001:db8::1", "203.0.113.7", "2001:db8::1"]
        )

        assert ipaddress.ip_address("203.0.113.7") == d.reported_ip
        assert (
            ipaddress.ip_address("2001:db8::1"),
            ipaddress.ip_address("203.0.113.7"),
        ) == d.egress_ips

    def test_addresses_are_unmapped(self):
        """::ffff:a.b.c.d is the IPv4 address, in reported_ip and egress_ips (one, not two)."""
        d = make(reported_ip="::ffff:203.0.113.7", egress_ips=["::ffff:203.0.113.7", "203.0.113.7"])

        assert ipaddress.ip_address("203.0.113.7") == d.reported_ip
        assert (ipaddress.ip_address("203.0.113.7"),) == d.egress_ips
        assert 4 == d.reported_ip.version

    @pytest.mark.parametrize("field", ["reported_ip", "egress_ips"])
    def test_scope_ids_are_refused(self, field):
        """An address with a scope id names an interface, not an address: refused."""
        value = "fe80::1%eth0"
        with pytest.raises(ValueError, match="scope"):
            make(**{field: value if field == "reported_ip" else [value]})

    @pytest.mark.parametrize(("field", "value"), [("kind", "nope"), ("confidence", "sure")])
    def test_validates_literals(self, field, value):
        """kind and confidence accept only their documented values."""
        with pytest.raises(ValueError):
            make(**{field: value})

    def test_invalid_ip(self):
        """A malformed IP is refused at construction."""
        with pytest.raises(ValueError):
            make(reported_ip="300.1.1.1")

    def test_to_dict_is_json_safe(self):
        """to_dict() round-trips through json with strings for IPs and datetimes."""
        d = make(
            reported_ip="203.0.113.7",
            egress_ips=["203.0.113.7"],
            hints=[Hint(name="kubernetes", summary="s", fix="f")],
            remediation=["a", "b"],
        )

        data = json.loads(json.dumps(d.to_dict()))

        assert "203.0.113.7" == data["reported_ip"]
        assert ["203.0.113.7"] == data["egress_ips"]
        assert [{"name": "kubernetes", "summary": "s", "fix": "f"}] == data["hints"]
        assert ["a", "b"] == data["remediation"]
        assert data["at"].endswith("+00:00")

    def test_str_is_actionable(self):
        """__str__ names the IP seen, the egress, the whitelist status and ordered steps."""
        d = make(
            reported_ip="203.0.113.7",
            egress_ips=["203.0.113.7"],
            whitelisted=False,
            remediation=["check egress", "compare", "add", "why", "review positions"],
        )

        text = str(d)

        for needle in (
            "203.0.113.7",
            "NOT on the documented whitelist",
            "1. check egress",
            "5. review positions",
        ):
            assert needle in text

    def test_str_without_any_ip_says_nothing_was_compared(self):
        """No IP stated and no egress known: not 'pass whitelist=', which may well be set."""
        assert "not compared: no IP known" in str(make(whitelisted=None))
        assert "pass whitelist=" in str(make(whitelisted=None, egress_ips=["203.0.113.7"]))

    def test_str_tells_disabled_from_failed_egress_detection(self):
        """Without egress IPs, the text says whether detection was off or why it failed."""
        disabled = make()
        failed = make(egress_error="https://api.ipify.org: timed out after 2.0 s")

        assert "egress IP(s):    unknown (egress detection disabled)" in str(disabled)
        assert "none stated, egress detection disabled" in str(disabled)
        assert (
            "egress IP(s):    unknown (egress detection failed: "
            "https://api.ipify.org: timed out after 2.0 s)"
        ) in str(failed)
        assert "none stated, egress detection failed" in str(failed)
        assert (None, "https://api.ipify.org: timed out after 2.0 s") == (
            disabled.to_dict()["egress_error"],
            failed.to_dict()["egress_error"],
        )

    def test_egress_error_is_redacted_and_capped(self):
        """egress_error goes through the redactor and is one bounded line."""
        d = make(egress_error=f"proxy http://u:{API_KEY}@proxy.test: refused " + "x" * 5000)

        assert API_KEY not in str(d)
        assert len(d.egress_error) <= 600

    def test_secrets_never_stored(self):
        """message and endpoint are redacted whatever the caller passes."""
        d = make(
            message=f'{{"apiKey": "{API_KEY}"}} signature=abcdef0123456789',
            endpoint="GET https://api.binance.com/api/v3/account?signature=deadbeef&timestamp=1",
        )

        assert API_KEY not in repr(d)
        assert "abcdef0123456789" not in str(d)
        assert "deadbeef" not in json.dumps(d.to_dict())

    def test_pickles(self):
        """Diagnoses pickle (exceptions carry them across processes)."""
        d = make(reported_ip="2001:db8::5")

        assert d == pickle.loads(pickle.dumps(d))

    def test_naive_datetimes_become_utc(self):
        """banned_until without tzinfo is taken as UTC."""
        from datetime import datetime

        d = make(kind="ip_banned", banned_until=datetime(2030, 1, 1))  # noqa: DTZ001

        assert d.banned_until is not None
        assert d.banned_until.tzinfo is not None

    def test_public(self):
        """Diagnosis is exported at top level."""
        assert ipwhitelist.Diagnosis is Diagnosis


class TestKeyFingerprint:
    def test_only_a_fingerprint_is_accepted(self):
        """A key passed where its fingerprint belongs is refused, without echoing it."""
        key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
        with pytest.raises(ValueError, match="sha256") as info:
            ipwhitelist.Diagnosis(
                exchange="binance", kind="ip_banned", confidence="confirmed", key_fingerprint=key
            )

        assert key not in str(info.value)
        fingerprint = ipwhitelist.fingerprint(key)
        made = ipwhitelist.Diagnosis(
            exchange="binance",
            kind="ip_banned",
            confidence="confirmed",
            key_fingerprint=fingerprint,
        )
        assert fingerprint == made.to_dict()["key_fingerprint"]
        assert f"key fingerprint: {fingerprint}" in str(made)
