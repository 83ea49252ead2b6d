"""
OpenTelemetry for rejections: a counter, and an event on the span that failed.

Only ``opentelemetry-api`` is used, and only once an `OpenTelemetryHook` is
built: the application chooses the SDK and exporters (Prometheus, OTLP, …),
and `import ipwhitelist` stays free of OpenTelemetry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.incidents import incident_ip

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter, MeterProvider
    from opentelemetry.util.types import AttributeValue

    from .._core.diagnosis import Diagnosis

__all__ = ["EVENT_NAME", "METRIC_NAME", "OpenTelemetryHook"]

#: The counter's name, and the name of the span event.
METRIC_NAME = "ipwhitelist.rejections"
EVENT_NAME = "ipwhitelist.ip_rejection"


class OpenTelemetryHook:
    """
    An on-rejection hook that reports to OpenTelemetry.

    Each diagnosed rejection adds 1 to the counter ``ipwhitelist.rejections``
    with the attributes ``exchange``, ``kind`` and ``confidence``, and, when
    the failing call runs inside a recording span, adds the event
    ``ipwhitelist.ip_rejection`` to that span with the same attributes plus
    ``code`` and ``http_status`` (when the exchange sent them) and
    ``key_fingerprint`` (the `fingerprint` of the client's API key, when known).

    Neither carries the exchange's message, the endpoint or any credential.
    IP addresses are left out by default: one time series per IP is unbounded
    cardinality for most metrics back ends. Pass ``record_ip=True`` to add an
    ``ip`` attribute (the IP the exchange saw, else the first egress IP).

    Use it beside the default incident log:
    ``set_on_rejection_hooks([IncidentLog(), OpenTelemetryHook()])``. Like any
    hook, an error raised by OpenTelemetry is logged and never reaches the bot.

    Args:
        meter: The meter to create the counter on.
        meter_provider: Where to get a meter named ``ipwhitelist`` instead.
            Without either, the global meter provider is used; a hook built
            before the application installs its SDK still reports to it.
        record_ip: Add the ``ip`` attribute to the counter and the span event.

    Raises:
        ImportError: ``opentelemetry-api`` is not installed
            (``pip install 'ipwhitelist[otel]'``).
        TypeError: Both *meter* and *meter_provider* were given.

    Added in *0.1.0*.
    """

    def __init__(
        self,
        *,
        meter: Meter | None = None,
        meter_provider: MeterProvider | None = None,
        record_ip: bool = False,
    ) -> None:
        try:
            from opentelemetry import metrics, trace  # noqa: PLC0415 - lazy: OpenTelemetry is an optional extra
        except ImportError as exc:
            raise ImportError(
                "OpenTelemetryHook needs opentelemetry-api: pip install 'ipwhitelist[otel]'"
            ) from exc
        if meter is not None and meter_provider is not None:
            raise TypeError("pass meter= or meter_provider=, not both")
        if meter is None:
            from importlib.metadata import version  # noqa: PLC0415 - lazy: importlib.metadata costs milliseconds; only a new meter needs it

            provider = (
                meter_provider if meter_provider is not None else metrics.get_meter_provider()
            )
            meter = provider.get_meter("ipwhitelist", version("ipwhitelist"))
        self.record_ip = record_ip
        self._counter = meter.create_counter(
            METRIC_NAME,
            unit="1",
            description="IP rejections (not whitelisted, banned, geo-blocked) seen by ipwhitelist",
        )
        self._get_current_span = trace.get_current_span

    def attributes(self, diagnosis: Diagnosis) -> dict[str, AttributeValue]:
        """The counter's attributes for *diagnosis*: low cardinality, nothing secret."""
        attributes: dict[str, AttributeValue] = {
            "exchange": diagnosis.exchange,
            "kind": diagnosis.kind,
            "confidence": diagnosis.confidence,
        }
        if self.record_ip:
            ip = incident_ip(diagnosis)
            if ip is not None:
                attributes["ip"] = str(ip)
        return attributes

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Count the rejection and add an event to the current span, if it records."""
        attributes = self.attributes(diagnosis)
        try:
            self._counter.add(1, attributes)
        finally:
            # A broken metrics pipeline must not also cost the trace its event.
            span = self._get_current_span()
            if span.is_recording():
                event = dict(attributes)
                # OpenTelemetry attributes cannot be None: leave unknown ones out.
                if diagnosis.code is not None:
                    event["code"] = diagnosis.code
                if diagnosis.http_status is not None:
                    event["http_status"] = diagnosis.http_status
                # An event is no time series: it can say which key (never the key itself).
                if diagnosis.key_fingerprint is not None:
                    event["key_fingerprint"] = diagnosis.key_fingerprint
                span.add_event(EVENT_NAME, event)
