"""The tracing plugin's own spans (plugins/_tracing/spans.py): recorded without the SDK's
tracer, they must reach the same processors as the same ``ReadableSpan``s — through the
batch processor, as JSON for the console exporter, with the W3C context the provider gets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode

from plugins._tracing.exporters import build_provider
from plugins._tracing.spans import MAX_EVENTS, RecordedSpan, SpanFactory
from plugins._tracing.trace import RequestTrace
from plugins.tracing import Tracing
from proxy.exchange import Exchange
from proxy.plugin import Plugin
from proxy.testing import Harness

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}


class Broken(Plugin):
    name = "broken"

    async def on_request(self, ex: Exchange) -> None:
        raise ValueError("plugin bug")


def traced(
    plugins: list[tuple[type[Plugin], dict[str, Any]]], options: dict[str, Any] | None = None
) -> tuple[Harness, InMemorySpanExporter, Tracing]:
    h = Harness([(Tracing, options or {}), *plugins])
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Tracing)
    exporter = InMemorySpanExporter()
    plugin.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return h, exporter, plugin


def spans_by_name(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    return {span.name: span for span in exporter.get_finished_spans()}


def factory() -> tuple[SpanFactory, InMemorySpanExporter]:
    provider, spans = build_provider("test", 1.0, "none", None, {})
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return spans, exporter


async def test_a_failing_plugin_gets_an_error_span_with_the_exception_event() -> None:
    h, exporter, _ = traced([(Broken, {})])
    result = await h.request("POST", json=CHAT)
    assert result.status == 500
    span = spans_by_name(exporter)["plugin broken"]
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ValueError"
    (event,) = span.events
    attributes = dict(event.attributes or {})
    assert event.name == "exception"
    assert attributes["exception.type"] == "ValueError"
    assert attributes["exception.message"] == "plugin bug"
    assert "Traceback" in str(attributes["exception.stacktrace"])
    server = spans_by_name(exporter)["POST route0"]
    assert span.parent is not None and span.parent.span_id == server.context.span_id
    assert span.resource is server.resource
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "sluicegate"


async def test_spans_pass_through_the_batch_processor_like_the_sdk_s() -> None:
    h, _, plugin = traced([], {"plugin_span_min": 0})
    batched = InMemorySpanExporter()
    plugin.provider.add_span_processor(BatchSpanProcessor(batched))
    for _ in range(3):
        assert (await h.request("POST", json=CHAT)).status == 200
    assert plugin.provider.force_flush()
    spans = batched.get_finished_spans()
    assert sorted(s.name for s in spans) == ["POST route0"] * 3 + ["attempt fake"] * 3
    assert len({s.context.trace_id for s in spans}) == 3  # one trace per request
    assert len({s.context.span_id for s in spans}) == 6
    for span in spans:
        assert span.resource.attributes["service.name"] == "sluicegate"
        assert span.start_time is not None and span.end_time is not None
        assert span.start_time <= span.end_time
        # the console exporter's form: every span serialises
        assert json.loads(span.to_json())["name"] == span.name


async def test_a_new_trace_reaches_the_provider_as_the_exported_attempt_span() -> None:
    h, exporter, _ = traced([])
    await h.request("POST", json=CHAT)
    spans = spans_by_name(exporter)
    server, attempt = spans["POST route0"], spans["attempt fake"]
    version, trace_id, span_id, flags = h.upstream.requests[0].headers["traceparent"].split("-")
    assert version == "00"
    assert trace_id == format(server.context.trace_id, "032x")
    assert span_id == format(attempt.context.span_id, "016x")
    assert int(flags, 16) == int(attempt.context.trace_flags)
    assert int(flags, 16) & 1 == 1  # sampled
    assert server.context.trace_flags == attempt.context.trace_flags


async def test_an_unsampled_parent_is_followed_and_the_provider_gets_a_new_span_id() -> None:
    h, exporter, _ = traced([(Broken, {})], {"sample_ratio": 1.0})
    await h.request("POST", json=CHAT, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"})
    assert exporter.get_finished_spans() == ()  # not even the failing plugin's span
    h2, exporter2, _ = traced([], {"sample_ratio": 1.0})
    await h2.request("POST", json=CHAT, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"})
    assert exporter2.get_finished_spans() == ()
    _, trace_id, span_id, flags = h2.upstream.requests[0].headers["traceparent"].split("-")
    assert (trace_id, flags) == (TRACE_ID, "00")
    assert span_id not in (PARENT_ID, "0" * 16)


class FixedIds(IdGenerator):
    def __init__(self, trace_id: int) -> None:
        self.trace_id = trace_id

    def generate_span_id(self) -> int:
        return 0x1234

    def generate_trace_id(self) -> int:
        return self.trace_id


def test_a_ratio_sampler_decides_by_trace_id_as_the_sdk_does() -> None:
    # TraceIdRatioBased keeps a trace when the low 64 bits of its id are below ratio * 2^64,
    # so every instance makes the same choice for the same trace.
    provider, spans = build_provider("test", 0.5, "none", None, {})
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    for trace_id, kept in ((1, True), (0xFFFFFFFFFFFFFF00, False)):
        fixed = SpanFactory(provider, spans.processor, spans.sampler, FixedIds(trace_id), "t")
        span = fixed.start_root("root", None, SpanKind.SERVER, {})
        assert span.is_recording() is kept
        assert span.get_span_context().trace_flags.sampled is kept
        assert span.get_span_context().trace_id == trace_id
        span.end()
    assert [s.context.trace_id for s in exporter.get_finished_spans()] == [1]


def test_recorded_span_end_is_final_and_exports_once() -> None:
    spans, exporter = factory()
    span = spans.start_root("root", None, SpanKind.SERVER, {"a": 1})
    assert isinstance(span, RecordedSpan)
    span.set_status(Status(StatusCode.OK))
    span.set_status(Status(StatusCode.ERROR, "late"))  # OK is final (the SDK's rule)
    span.end()
    span.end()
    span.set_attribute("after", "end")
    span.add_event("after")
    (exported,) = exporter.get_finished_spans()
    assert dict(exported.attributes or {}) == {"a": 1}
    assert exported.status.status_code is StatusCode.OK
    assert exported.events == ()
    assert not span.is_recording()


def test_recorded_span_keeps_at_most_the_sdk_s_event_limit() -> None:
    spans, exporter = factory()
    span = spans.start_root("root", None, SpanKind.SERVER, {})
    for index in range(MAX_EVENTS + 10):
        span.add_event("e", {"index": index})
    span.end()
    (exported,) = exporter.get_finished_spans()
    assert len(exported.events) == MAX_EVENTS
    assert dict(exported.events[-1].attributes or {}) == {"index": MAX_EVENTS - 1}


def test_children_share_the_trace_and_flags_of_their_parent() -> None:
    spans, exporter = factory()
    root = spans.start_root("root", None, SpanKind.SERVER, {})
    context = root.get_span_context()
    child = spans.start_child("child", context, SpanKind.CLIENT, {"k": "v"})
    child.end()
    (exported,) = exporter.get_finished_spans()
    assert exported.context.trace_id == context.trace_id
    assert exported.context.span_id != context.span_id
    assert exported.context.trace_flags == context.trace_flags
    assert exported.parent == context


def test_the_client_s_propagation_headers_are_replaced_in_any_case() -> None:
    """``attempt`` drops a client's traceparent/tracestate whatever their case, keeps every
    other header in order, and adds its own span's traceparent exactly once."""
    spans, _ = factory()
    root = spans.start_root("POST r", None, SpanKind.SERVER, {})
    trace = RequestTrace(spans, root)
    plain = [("content-type", "application/json"), ("X-Trace", "kept"), ("tracing", "kept")]
    trace.attempt("p", 1, None, plain)
    assert plain[:3] == [
        ("content-type", "application/json"),
        ("X-Trace", "kept"),
        ("tracing", "kept"),
    ]
    sent = [("TraceParent", "00-forged"), ("a", "1"), ("TRACESTATE", "x=y"), ("b", "2")]
    context = trace.attempt("p", 2, "retry", sent).span.get_span_context()
    ours = f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    assert sent == [("a", "1"), ("b", "2"), ("traceparent", ours)]
    assert [k for k, _ in plain].count("traceparent") == 1


def test_an_ended_span_reads_as_the_sdk_s_readable_span() -> None:
    """The span handed to the processors is the recorded one itself: it must answer every
    ``ReadableSpan`` question an exporter asks, with the provider's resource and scope."""
    spans, exporter = factory()
    root = spans.start_root("root", None, SpanKind.SERVER, {"http.route": "r"})
    child = spans.start_child("child", root.get_span_context(), SpanKind.CLIENT, {"n": 1})
    child.add_event("retry", {"attempt": 2})
    child.set_status(Status(StatusCode.ERROR, "boom"))
    child.end()
    root.end()
    exported_child, exported_root = exporter.get_finished_spans()
    assert exported_child is child and isinstance(exported_child, ReadableSpan)
    assert exported_child.resource.attributes["service.name"] == "test"
    assert exported_child.instrumentation_scope is not None
    assert exported_child.instrumentation_scope.name == "sluicegate"
    assert exported_child.links == () and exported_child.dropped_links == 0
    assert [e.name for e in exported_child.events] == ["retry"]
    assert exported_child.status.description == "boom"
    assert exported_child.kind is SpanKind.CLIENT
    assert exported_child.parent == exported_root.context
    assert exported_child.context is not None and exported_child.context.is_valid
    assert not exported_child.context.is_remote
    assert exported_child.start_time is not None and exported_child.end_time is not None
    assert exported_child.start_time <= exported_child.end_time
    described = json.loads(exported_child.to_json())
    assert described["attributes"] == {"n": 1}
    assert described["parent_id"] == f"0x{root.get_span_context().span_id:016x}"


def test_every_attempt_s_traceparent_and_the_access_line_share_one_trace_id() -> None:
    """The trace id's part of the W3C header is formatted once per request: two attempts and
    the access line's ``trace_id`` must still name the request's trace, each attempt its own
    span, with the flags and the parent's tracestate as ``TraceContextTextMapPropagator``
    writes them; an unsampled request logs no trace id but still propagates one."""
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    spans, _ = factory()
    remote = TraceContextTextMapPropagator().extract(
        {"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": "vendor=abc"}
    )
    for parent, flags in ((remote, "01"), (None, "03")):  # a new random id: W3C level 2's bit
        root = spans.start_root("POST r", parent, SpanKind.SERVER, {})
        trace = RequestTrace(spans, root)
        sent = []
        for number in (1, 2):
            headers: list[tuple[str, str]] = []
            trace.attempt("p", number, None, headers)
            sent.append(dict(headers))
        expected = f"{root.get_span_context().trace_id:032x}"
        assert trace.trace_id == expected
        if parent is remote:
            assert expected == TRACE_ID
            assert [h["tracestate"] for h in sent] == ["vendor=abc", "vendor=abc"]
        parts = [h["traceparent"].split("-") for h in sent]
        assert [p[0] for p in parts] == ["00", "00"]
        assert [p[1] for p in parts] == [expected, expected]
        assert [p[3] for p in parts] == [flags, flags]
        assert parts[0][2] != parts[1][2] and all(len(p[2]) == 16 for p in parts)
    unsampled_spans = build_provider("test", 0.0, "none", None, {})[1]
    root = unsampled_spans.start_root("POST r", None, SpanKind.SERVER, {})
    trace = RequestTrace(unsampled_spans, root)
    headers = []
    trace.attempt("p", 1, None, headers)
    assert trace.trace_id is None
    version, trace_hex, _, unsampled_flags = dict(headers)["traceparent"].split("-")
    assert (version, unsampled_flags) == ("00", "02")
    assert trace_hex == f"{root.get_span_context().trace_id:032x}"


def test_the_spans_of_one_plugin_hook_share_a_name_and_attributes_nobody_can_change() -> None:
    """A hook that only took its time gets a span built ended whose name and attributes are
    made once per (plugin, phase) and shared: each span still has its own id under its own
    request's server span, and what an exporter reads cannot be changed through it."""
    spans, exporter = factory()
    roots = [spans.start_root("POST r", None, SpanKind.SERVER, {}) for _ in range(2)]
    for root in roots:
        RequestTrace(spans, root).plugin_hook("jwt", "request", 1_000, 2_000, None)
    RequestTrace(spans, roots[0]).plugin_hook("rate_limit", "request", 3_000, 4_000, None)
    jwt_a, jwt_b, limit = exporter.get_finished_spans()
    assert [jwt_a.name, jwt_b.name, limit.name] == ["plugin jwt", "plugin jwt", "plugin rate_limit"]
    assert dict(jwt_a.attributes or {}) == {
        "sluicegate.plugin": "jwt",
        "sluicegate.phase": "request",
    }
    assert dict(jwt_b.attributes or {}) == dict(jwt_a.attributes or {})
    assert dict(limit.attributes or {})["sluicegate.plugin"] == "rate_limit"
    assert [s.parent for s in (jwt_a, jwt_b)] == [r.get_span_context() for r in roots]
    assert jwt_a.context is not None and jwt_b.context is not None
    assert jwt_a.context.span_id != jwt_b.context.span_id
    with pytest.raises(TypeError):
        jwt_a.attributes["sluicegate.plugin"] = "forged"  # type: ignore[index]
    assert (jwt_a.start_time, jwt_a.end_time) == (1_000, 2_000)
