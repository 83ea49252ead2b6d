"""Shared by the audit tests: key states, one audit against a fake, and reading its findings."""

from __future__ import annotations

from datetime import UTC, datetime

import ipwhitelist
from helpers import CREDENTIALS
from ipwhitelist._fake_exchanges import FakeKeyState, fake_exchange

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HERE = "127.0.0.1"
ELSEWHERE = "203.0.113.9"


def key(**fields):
    """A key state carrying the shared test credentials."""
    return FakeKeyState(
        api_key=CREDENTIALS["apiKey"],
        secret=CREDENTIALS["secret"],
        password=CREDENTIALS["password"],
        **fields,
    )


def run(exchange_id, state, **options):
    """Audit a sync client of a fresh fake; return the audit and what the fake received."""
    options = {"egress": False, "now": NOW, **options}
    with fake_exchange(exchange_id, state) as fake:
        result = ipwhitelist.audit(fake.client(), **options)
    return result, fake.server.requests


def codes(result, severity=None):
    return {f.code for f in result.findings if severity in (None, f.severity)}


def finding(result, code):
    (found,) = (f for f in result.findings if f.code == code)
    return found
