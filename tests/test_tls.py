"""Egress lookups share one TLS context: built once per process, lazily, by one thread."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time

import pytest

from ipwhitelist import EgressDetector
from ipwhitelist._egress import tls
from ipwhitelist._testing.fake import FakeServer, Reply


@pytest.fixture
def built(monkeypatch):
    """A fresh process-wide context slot; counts the TLS contexts built from now on."""
    monkeypatch.setattr(tls, "_shared", tls._Shared())
    count = []
    original = ssl.create_default_context

    def counting(*args, **kwargs):
        count.append(threading.get_ident())
        # Slow, as loading a CA bundle is: a racy first use would build several.
        time.sleep(0.05)
        return original(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    return count


@pytest.fixture
def provider():
    with FakeServer(default=lambda _r: Reply(body="198.51.100.7")) as server:
        yield f"{server.url}/ip"


class TestSharedContext:
    def test_lookups_build_one_context(self, built, provider):
        """Repeated lookups, by one detector, new detectors and detect_egress, build one context."""
        warm = EgressDetector([provider], allow_private=True, ttl=0)
        reports = [warm.detect() for _ in range(3)]
        reports.append(EgressDetector([provider], allow_private=True, ttl=0).detect())
        reports.append(asyncio.run(warm.adetect()))
        reports.append(asyncio.run(EgressDetector([provider], allow_private=True).adetect()))

        assert ["198.51.100.7"] * 6 == [str(r.ipv4) for r in reports]
        assert 1 == len(built)

    def test_through_a_proxy_too(self, built):
        """A lookup through a proxy verifies with the same context (no second one)."""
        with FakeServer(default=lambda _r: Reply(body="198.51.100.99")) as proxy:
            d = EgressDetector(["http://provider.invalid/ip"], allow_private=True, ttl=0)
            reports = [d.detect(proxy=proxy.url), asyncio.run(d.adetect(proxy=proxy.url))]

        assert "198.51.100.99" == str(reports[0].ipv4)
        assert 1 == len(built)

    def test_first_use_from_many_threads_builds_one(self, built, provider):
        """Threads that all start their first lookup at once share the one context built."""
        barrier = threading.Barrier(8, timeout=10)
        reports = []

        def lookup():
            barrier.wait()
            reports.append(EgressDetector([provider], allow_private=True).detect())

        threads = [threading.Thread(target=lookup) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

        assert ["198.51.100.7"] * 8 == [str(r.ipv4) for r in reports]
        assert 1 == len(built)

    def test_context_verifies_certificates(self, built):
        """The shared context checks hostnames and certificates, as httpx's default does."""
        context = tls.tls_context()

        assert (True, ssl.CERT_REQUIRED) == (context.check_hostname, context.verify_mode)
        assert context.cert_store_stats()["x509_ca"] > 0
