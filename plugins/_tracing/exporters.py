"""Building the TracerProvider and its exporter: none, discard, console, or OTLP over HTTP.

The provider belongs to the plugin instance, never to the process-global OpenTelemetry
state: two policies (or a reload) get two providers, and tests attach an in-memory exporter
to exactly the one they look at. OTLP is an optional extra, imported only when configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SynchronousMultiSpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from plugins._tracing.spans import SpanFactory

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
) -> tuple[TracerProvider, SpanFactory]:
    """The plugin's provider (its processors, resource, shutdown) and the span factory that
    records into the same processors (plugins/_tracing/spans.py says why not its tracer)."""
    # 0 and 1 need no per-trace arithmetic; a parent's decision wins either way.
    root: Sampler = (
        ALWAYS_ON if ratio >= 1 else ALWAYS_OFF if ratio <= 0 else TraceIdRatioBased(ratio)
    )
    sampler = ParentBased(root)
    processor = SynchronousMultiSpanProcessor()  # type: ignore[no-untyped-call]  # the SDK's
    provider = TracerProvider(
        sampler=sampler,
        resource=Resource.create({"service.name": service_name}),
        active_span_processor=processor,
    )
    span_exporter = make_exporter(exporter, endpoint, headers)
    batch = None
    if span_exporter is not None:
        batch = BatchSpanProcessor(span_exporter)
        provider.add_span_processor(batch)
    # A new trace's decision is a constant for 0 and 1: the factory need not ask per request.
    fresh = (
        Decision.RECORD_AND_SAMPLE
        if root is ALWAYS_ON
        else Decision.DROP
        if root is ALWAYS_OFF
        else None
    )
    spans = SpanFactory.for_provider(provider, processor, sampler, "sluicegate", fresh)
    if batch is not None:
        spans.batched(batch)
    return provider, spans


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
