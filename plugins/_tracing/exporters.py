"""Building the TracerProvider and its exporter: none, discard, console, or OTLP over HTTP.

The provider belongs to the plugin instance, never to the process-global OpenTelemetry
state: two policies (or a reload) get two providers, and tests attach an in-memory exporter
to exactly the one they look at. OTLP is an optional extra, imported only when configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

OTLP_MISSING = (
    'exporter = "otlp" needs the optional OTLP exporter: pip install "sluicegate[otlp]" '
    "(package opentelemetry-exporter-otlp-proto-http)"
)


class DiscardExporter(SpanExporter):
    """Takes every batch and drops it.

    With it the spans still go through the BatchSpanProcessor (queue, worker thread, batch
    hand-off) exactly as they would in front of a collector, so the gateway's own share of
    tracing can be measured (benchmarks: gateway-tracing) or exercised without a collector.
    """

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def build_provider(
    service_name: str,
    ratio: float,
    exporter: str,
    endpoint: str | None,
    headers: Mapping[str, str],
) -> TracerProvider:
    # 0 and 1 need no per-trace arithmetic; a parent's decision wins either way.
    root: Sampler = (
        ALWAYS_ON if ratio >= 1 else ALWAYS_OFF if ratio <= 0 else TraceIdRatioBased(ratio)
    )
    provider = TracerProvider(
        sampler=ParentBased(root),
        resource=Resource.create({"service.name": service_name}),
    )
    span_exporter = make_exporter(exporter, endpoint, headers)
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    return provider


def make_exporter(
    kind: str, endpoint: str | None, headers: Mapping[str, str]
) -> SpanExporter | None:
    if kind == "none":
        return None
    if kind == "discard":
        return DiscardExporter()
    if kind == "console":
        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )
    except ImportError:
        raise RuntimeError(OTLP_MISSING) from None
    exporter: SpanExporter = OTLPSpanExporter(endpoint=endpoint, headers=dict(headers))
    return exporter
