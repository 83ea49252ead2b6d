"""Shared by the audit tests: key states, one audit against a fake, and reading its findings."""

from __future__ import annotations

from datetime import UTC, datetime

import ccxt

import ipwhitelist
from helpers import CREDENTIALS
from ipwhitelist._keys.findings import judge
from ipwhitelist._keys.restrictions import parse_response
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

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


def judge_any(family, response, documented):
    """
    Parse and judge an arbitrary answer as audit() does, for the property tests.

    Returns ``(facts, findings, None)``, or ``(None, (), text)`` when the parser
    refused the answer with ``ccxt.BadResponse``.
    """
    try:
        facts = parse_response(family, response, NOW)
    except ccxt.BadResponse as exc:
        return None, (), str(exc)
    findings = judge(
        family,
        family,
        facts,
        egress_ips=("127.0.0.1", "2001:db8::1"),
        egress_error=None,
        documented=None if documented is None else tuple(documented),
        now=NOW,
    )
    return facts, findings, None
