"""Hostile-review siblings of issue 14: each test failed before its fix (see helpers' trust.md)."""

from __future__ import annotations

import ccxt

from ipwhitelist import check
from ipwhitelist._testing.fake import FakeServer, Reply, point_at


def _kraken(request):
    """Kraken: no key-restriction endpoint; every call answers (empty markets, a balance)."""
    result = {"USDT": "1000"} if request.path.endswith("/Balance") else {}
    return Reply.json({"error": [], "result": result})


class TestCheckVerdict:
    def test_restriction_unproven_is_unverified(self):
        """Positive pass, no key audit, no negative test: nothing proves other IPs are refused."""
        with FakeServer(default=_kraken) as server:
            client = ccxt.kraken(
                {
                    "apiKey": "k" * 20,
                    "secret": "c2VjcmV0" * 8,
                    "timeout": 5000,
                    "enableRateLimit": False,
                }
            )
            point_at(client, server.url)
            report = check(client, egress=False)

        outcomes = {r.name: r.outcome for r in report.results}
        assert ("pass", "unknown") == (outcomes["positive"], outcomes["restriction"])
        assert ("unverified", False, 3) == (report.verdict, report.ok, report.exit_code)
        assert (False, "unverified") == (report.to_dict()["ok"], report.to_dict()["verdict"])
        assert str(report).startswith("Pre-live check of kraken: UNVERIFIED")
