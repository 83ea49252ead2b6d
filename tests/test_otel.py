"""OpenTelemetryHook: a rejection counter and span events, read back with the SDK's in-memory tools."""

from __future__ import annotations

import contextlib
import logging
import sys

import ccxt
import ccxt.async_support
import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import ipwhitelist
from helpers import (
    API_KEY,
    B2015,
    CREDENTIALS,
    PASSWORD,
    SECRET,
    CannedAdapter,
    CannedSession,
    body_of,
    mount,
)

B2015_IP = body_of(
    {
        "code": -2015,
        "msg": "Invalid API-key, IP, or permissions for action, request ip: 203.0.113.7",
    }
)
B418 = body_of(
    {
        "code": -1003,
        "msg": "Way too many requests; IP(198.51.100.7) banned until 1659761931230. "
        "Please use the websocket for live updates to avoid bans.",
    }
)


def client(status=401, body=B2015):
    c = ccxt.binance({**CREDENTIALS, "enableRateLimit": False})
    return ipwhitelist.wrap(mount(c, CannedAdapter(status, body)), egress=False)


def fail(c, times=1):
    for _ in range(times):
        with pytest.raises(ipwhitelist.IPRejection):
            c.private_get_account()


@pytest.fixture
def reader():
    return InMemoryMetricReader()


@pytest.fixture
def provider(reader):
    provider = MeterProvider(metric_readers=[reader])
    yield provider
    provider.shutdown()


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield tracer_provider.get_tracer("bot"), exporter
    tracer_provider.shutdown()


def points(reader):
    """The counter's data points as {frozen attributes: value}, and the metric itself."""
    data = reader.get_metrics_data()
    found = [
        metric
        for resource in (data.resource_metrics if data else [])
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "ipwhitelist.rejections"
    ]
    if not found:
        return {}, None
    (metric,) = found
    return {
        frozenset(point.attributes.items()): point.value for point in metric.data.data_points
    }, metric


class TestCounter:
    def test_counts_by_exchange_kind_and_confidence(self, provider, reader):
        """Each rejection adds 1 under (exchange, kind, confidence); no IP attribute by default."""
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.OpenTelemetryHook(meter_provider=provider)])

        fail(client(), 3)
        fail(client(401, B2015_IP), 2)
        fail(client(418, B418), 1)

        counts, metric = points(reader)
        assert {
            frozenset(
                {
                    ("exchange", "binance"),
                    ("kind", "ip_not_whitelisted"),
                    ("confidence", "possible"),
                }
            ): 3,
            frozenset(
                {
                    ("exchange", "binance"),
                    ("kind", "ip_not_whitelisted"),
                    ("confidence", "likely"),
                }
            ): 2,
            frozenset(
                {("exchange", "binance"), ("kind", "ip_banned"), ("confidence", "confirmed")}
            ): 1,
        } == counts
        assert "1" == metric.unit
        assert metric.description

    def test_record_ip_is_opt_in(self, provider, reader):
        """record_ip=True adds the IP the exchange saw as the ``ip`` attribute."""
        ipwhitelist.set_on_rejection_hooks(
            [ipwhitelist.OpenTelemetryHook(meter_provider=provider, record_ip=True)]
        )

        fail(client(401, B2015_IP), 2)
        fail(client(), 1)

        base = {("exchange", "binance"), ("kind", "ip_not_whitelisted")}
        assert {
            frozenset({*base, ("confidence", "likely"), ("ip", "203.0.113.7")}): 2,
            frozenset({*base, ("confidence", "possible")}): 1,
        } == points(reader)[0]

    def test_record_ip_falls_back_to_the_egress_ip(self, provider):
        """Without an IP in the message, record_ip uses the first detected egress IP."""
        hook = ipwhitelist.OpenTelemetryHook(meter_provider=provider, record_ip=True)
        diagnosis = ipwhitelist.Diagnosis(
            exchange="okx",
            kind="ip_not_whitelisted",
            confidence="confirmed",
            egress_ips=["2001:db8::1", "198.51.100.5"],
        )

        assert "2001:db8::1" == hook.attributes(diagnosis)["ip"]

    def test_meter_argument(self, provider, reader):
        """A meter can be passed directly instead of a provider."""
        hook = ipwhitelist.OpenTelemetryHook(meter=provider.get_meter("my-bot"))
        ipwhitelist.set_on_rejection_hooks([hook])

        fail(client(), 2)

        assert [2] == list(points(reader)[0].values())

    def test_global_meter_provider_by_default(self, provider, reader, monkeypatch):
        """Without arguments the hook uses the global meter provider."""
        monkeypatch.setattr(metrics, "get_meter_provider", lambda: provider)
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.OpenTelemetryHook()])

        fail(client(), 1)

        assert [1] == list(points(reader)[0].values())

    def test_meter_and_provider_are_exclusive(self, provider):
        """Passing both a meter and a meter provider is an error."""
        with pytest.raises(TypeError):
            ipwhitelist.OpenTelemetryHook(meter=provider.get_meter("x"), meter_provider=provider)

    def test_beside_the_incident_log(self, provider, reader, caplog):
        """With IncidentLog, 5 rejections log once and count 5."""
        ipwhitelist.set_on_rejection_hooks(
            [ipwhitelist.IncidentLog(), ipwhitelist.OpenTelemetryHook(meter_provider=provider)]
        )

        with caplog.at_level(logging.ERROR, logger="ipwhitelist"):
            fail(client(), 5)

        assert 1 == len([r for r in caplog.records if r.name == "ipwhitelist"])
        assert [5] == list(points(reader)[0].values())


class TestSpanEvent:
    def test_event_on_the_current_span(self, provider, spans):
        """The failing call's span gets one event with the counter's attributes, code and status."""
        tracer, exporter = spans
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.OpenTelemetryHook(meter_provider=provider)])
        c = client()

        with tracer.start_as_current_span("place order"):
            fail(c, 1)

        (span,) = exporter.get_finished_spans()
        (event,) = span.events
        assert "ipwhitelist.ip_rejection" == event.name
        assert {
            "exchange": "binance",
            "kind": "ip_not_whitelisted",
            "confidence": "possible",
            "code": "-2015",
            "http_status": 401,
            # Which key: two keys on one exchange are two incidents (events are not series).
            "key_fingerprint": ipwhitelist.fingerprint(CREDENTIALS["apiKey"]),
        } == dict(event.attributes)

    def test_unknown_code_and_status_are_left_out(self, provider, spans):
        """A diagnosis without code or HTTP status gives an event without them (never None)."""
        tracer, exporter = spans
        hook = ipwhitelist.OpenTelemetryHook(meter_provider=provider)
        diagnosis = ipwhitelist.Diagnosis(
            exchange="kraken", kind="geo_restricted", confidence="likely"
        )

        with tracer.start_as_current_span("connect"):
            hook(diagnosis)

        (span,) = exporter.get_finished_spans()
        assert {"exchange": "kraken", "kind": "geo_restricted", "confidence": "likely"} == dict(
            span.events[0].attributes
        )

    def test_async_client(self, provider, spans):
        """An async client's rejection reaches the span that awaits it."""
        import asyncio

        tracer, exporter = spans
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.OpenTelemetryHook(meter_provider=provider)])
        c = ccxt.async_support.binance({**CREDENTIALS, "enableRateLimit": False})
        c.session = CannedSession(401, B2015)
        ipwhitelist.wrap(c, egress=False)

        async def main():
            try:
                with (
                    tracer.start_as_current_span("place order"),
                    contextlib.suppress(ipwhitelist.IPRejection),
                ):
                    await c.private_get_account()
            finally:
                await c.close()

        asyncio.run(main())

        (span,) = exporter.get_finished_spans()
        assert ["ipwhitelist.ip_rejection"] == [e.name for e in span.events]

    def test_no_span_no_event(self, provider, reader):
        """Outside any span (or in a non-recording one) only the counter moves."""
        ipwhitelist.set_on_rejection_hooks([ipwhitelist.OpenTelemetryHook(meter_provider=provider)])

        fail(client(), 1)
        with trace.use_span(trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)):
            fail(client(), 1)

        assert [2] == list(points(reader)[0].values())


class TestSafety:
    def test_no_secret_or_message_in_any_attribute(self, provider, reader, spans):
        """Neither the counter nor the event carries a credential, the message or the endpoint."""
        tracer, exporter = spans
        ipwhitelist.set_on_rejection_hooks(
            [ipwhitelist.OpenTelemetryHook(meter_provider=provider, record_ip=True)]
        )

        with tracer.start_as_current_span("order"):
            fail(client(401, B2015_IP), 1)

        counts, _ = points(reader)
        values = {str(v) for key in counts for _, v in key}
        values |= {
            str(v)
            for s in exporter.get_finished_spans()
            for e in s.events
            for v in e.attributes.values()
        }
        text = " ".join(values)
        for secret in (API_KEY, SECRET, PASSWORD):
            assert secret not in text
        assert "Invalid API-key" not in text
        assert "api.binance.com" not in text

    def test_broken_meter_never_breaks_the_bot(self, spans, caplog):
        """A counter that raises is logged; the bot gets its typed exception and the span its event."""
        tracer, exporter = spans

        class BrokenCounter:
            def add(self, *_args, **_kwargs):
                raise RuntimeError("collector is down")

        class BrokenMeter:
            def create_counter(self, *_args, **_kwargs):
                return BrokenCounter()

        ipwhitelist.set_on_rejection_hooks(
            [
                ipwhitelist.OpenTelemetryHook(meter=BrokenMeter()),  # type: ignore[arg-type]
                ipwhitelist.IncidentLog(),
            ]
        )

        with (
            caplog.at_level(logging.ERROR, logger="ipwhitelist"),
            tracer.start_as_current_span("order"),
            pytest.raises(ipwhitelist.IPNotWhitelisted),
        ):
            client().private_get_account()

        assert "collector is down" in caplog.text
        assert 2 == len([r for r in caplog.records if r.name == "ipwhitelist"])
        (span,) = exporter.get_finished_spans()
        assert 1 == len(span.events)

    def test_missing_opentelemetry_says_what_to_install(self, monkeypatch):
        """Without opentelemetry-api, construction fails with the pip command; the name still imports."""
        monkeypatch.setitem(sys.modules, "opentelemetry", None)

        with pytest.raises(ImportError, match=r"pip install 'ipwhitelist\[otel\]'"):
            ipwhitelist.OpenTelemetryHook()

    def test_import_does_not_load_opentelemetry(self):
        """`import ipwhitelist` does not import OpenTelemetry; only building the hook does."""
        import subprocess

        code = (
            "import sys, ipwhitelist; ipwhitelist.OpenTelemetryHook; "
            "print(any(m.startswith('opentelemetry') for m in sys.modules))"
        )
        out = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )

        assert "False" == out.stdout.strip()
