"""The tracing plugin's hand-off to its BatchSpanProcessor (plugins/_tracing/spans.py): spans
queued directly on the SDK's batch queue must leave it as the SDK's own path would send them
— same spans, same order, same batches, the same drop and shutdown rules — and the ids drawn
without the SDK's generator call must be the ones it would draw. The first test fails loudly
when the SDK's internals this relies on move (pyproject.toml pins the SDK's minor)."""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from importlib.metadata import version
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk._shared_internal import BatchProcessor
from opentelemetry.sdk.trace import ReadableSpan, SynchronousMultiSpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import SpanKind, StatusCode, TraceFlags

from plugins._tracing.ended import EndedSpan
from plugins._tracing.exporters import build_provider
from plugins._tracing.spans import RecordedSpan, SpanFactory
from plugins._tracing.trace import RequestTrace
from plugins.request_id import RequestId
from plugins.tracing import Tracing
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin
from proxy.testing import FakeReply, Harness, ScriptedClient


class Refuse(Plugin):
    name = "refuse"

    async def on_request(self, ex: Exchange) -> None:
        if ex.request_headers.get("x-refuse"):
            raise PolicyError(429, "rate_limited", "slow down")


class Broken(Plugin):
    name = "broken"

    async def on_request(self, ex: Exchange) -> None:
        if ex.request_headers.get("x-break"):
            raise ValueError("plugin bug")


def batched(
    batch_size: int = 4, queue_size: int = 64, fast: bool = True
) -> tuple[SpanFactory, BatchSpanProcessor, InMemorySpanExporter]:
    """A factory whose only processor is a batch processor (a long schedule delay: it exports
    when a batch is full or when flushed), on the fast path or the SDK's."""
    provider, spans = build_provider("test", 1.0, "none", None, {})
    exporter = InMemorySpanExporter()
    batch = BatchSpanProcessor(
        exporter,
        max_queue_size=queue_size,
        schedule_delay_millis=600_000,
        max_export_batch_size=batch_size,
    )
    provider.add_span_processor(batch)
    if fast:
        spans.batched(batch)
    return spans, batch, exporter


def stop(batch: BatchSpanProcessor) -> None:
    batch.shutdown()  # type: ignore[no-untyped-call]  # the SDK's


def ended(spans: SpanFactory, name: str) -> RecordedSpan:
    span = spans.start_root(name, None, SpanKind.SERVER, {"n": name})
    assert isinstance(span, RecordedSpan)
    span.end()
    return span


def exported_after(exporter: InMemorySpanExporter, count: int) -> list[str]:
    """The exported spans' names once ``count`` arrived (the worker thread exports them)."""
    for _ in range(500):  # bounded: the worker wakes at once for a full batch
        if len(exporter.get_finished_spans()) >= count:
            break
        time.sleep(0.01)
    return [span.name for span in exporter.get_finished_spans()]


def test_the_sdk_internals_the_hand_off_reads_are_where_it_expects_them() -> None:
    assert version("opentelemetry-sdk").startswith("1.45."), "re-check plugins/_tracing/spans.py"
    assert version("opentelemetry-api").startswith("1.45.")
    processor = BatchSpanProcessor(InMemorySpanExporter(), max_queue_size=8,
                                   max_export_batch_size=4)  # fmt: skip
    try:
        inner = processor._batch_processor
        assert isinstance(inner, BatchProcessor)
        assert isinstance(inner._queue, collections.deque) and inner._queue.maxlen == 8
        assert (inner._max_queue_size, inner._max_export_batch_size) == (8, 4)
        assert inner._shutdown is False
        assert isinstance(inner._worker_awaken, threading.Event)
    finally:
        stop(processor)
    multi = SynchronousMultiSpanProcessor()  # type: ignore[no-untyped-call]
    before = multi._span_processors
    multi.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    assert isinstance(multi._span_processors, tuple) and multi._span_processors is not before
    # ReadableSpan's properties read the fields RecordedSpan sets.
    spans, _, _ = batched()
    span = ended(spans, "s")
    assert span.attributes == {"n": "s"} and span.events == () and span.links == ()
    assert span.end_time is not None and span.start_time is not None
    assert span.resource is spans.resource and span.instrumentation_scope is spans.scope


def test_spans_leave_the_fast_path_in_the_batches_the_sdk_path_makes() -> None:
    got = []
    for fast in (True, False):
        spans, batch, exporter = batched(batch_size=4, fast=fast)
        queued = [ended(spans, f"s{i}") for i in range(3)]
        assert exporter.get_finished_spans() == ()  # no batch yet: the worker still sleeps
        assert list(batch._batch_processor._queue) == queued[::-1]
        ended(spans, "s3")  # a full batch wakes the worker
        first = exported_after(exporter, 4)
        ended(spans, "s4")
        assert batch.force_flush()
        got.append((first, [span.name for span in exporter.get_finished_spans()]))
        stop(batch)
    assert got[0] == got[1]
    assert got[0] == (["s0", "s1", "s2", "s3"], ["s0", "s1", "s2", "s3", "s4"])


def test_the_same_span_objects_reach_the_exporter() -> None:
    spans, batch, exporter = batched(batch_size=64)
    span = ended(spans, "one")
    assert batch.force_flush()
    (exported,) = exporter.get_finished_spans()
    assert exported is span and isinstance(exported, ReadableSpan)
    assert exported.to_json() == span.to_json()
    stop(batch)


def test_a_full_queue_drops_with_the_sdk_s_warning(caplog: pytest.LogCaptureFixture) -> None:
    spans, batch, exporter = batched(batch_size=2, queue_size=2)
    inner = batch._batch_processor
    with inner._export_lock:  # the worker cannot drain meanwhile
        ended(spans, "a")
        second = ended(spans, "b")
        with caplog.at_level(logging.WARNING):
            third = ended(spans, "c")
        assert "Queue full" in caplog.text
        assert list(inner._queue) == [third, second]  # the oldest pushed out, as the SDK does
    assert exported_after(exporter, 2) == ["b", "c"]
    stop(batch)


def test_after_shutdown_nothing_is_queued() -> None:
    spans, batch, exporter = batched()
    stop(batch)
    ended(spans, "late")
    assert len(batch._batch_processor._queue) == 0
    assert exporter.get_finished_spans() == ()


def test_another_processor_takes_every_span_past_the_fast_path() -> None:
    spans, batch, batched_exporter = batched(batch_size=64)
    simple = InMemorySpanExporter()
    spans._multi.add_span_processor(SimpleSpanProcessor(simple))
    ended(spans, "both")
    assert [s.name for s in simple.get_finished_spans()] == ["both"]
    assert batch.force_flush()
    assert [s.name for s in batched_exporter.get_finished_spans()] == ["both"]
    stop(batch)


def test_ids_are_the_ones_the_sdk_generator_draws() -> None:
    spans, batch, _ = batched()
    generator = RandomIdGenerator()
    random.seed(1234)
    span = spans.start_root("r", None, SpanKind.SERVER, {})
    child = spans.child_context(span.get_span_context())
    random.seed(1234)
    assert span.get_span_context().trace_id == generator.generate_trace_id()
    assert span.get_span_context().span_id == generator.generate_span_id()
    assert child.span_id == generator.generate_span_id()
    assert child.trace_id == span.get_span_context().trace_id
    assert child.trace_flags == span.get_span_context().trace_flags
    assert span.get_span_context().trace_flags == TraceFlags(
        TraceFlags.SAMPLED | TraceFlags.RANDOM_TRACE_ID
    )
    stop(batch)


def test_a_zero_draw_is_drawn_again_as_the_sdk_does(monkeypatch: pytest.MonkeyPatch) -> None:
    spans, batch, _ = batched()
    draws = iter([0, 7, 0, 0, 9])
    monkeypatch.setattr(random, "getrandbits", lambda bits: next(draws))
    monkeypatch.setattr(spans, "_bits", random.getrandbits)
    span = spans.start_root("r", None, SpanKind.SERVER, {})
    context = span.get_span_context()
    assert (context.trace_id, context.span_id) == (7, 9)  # 0 redrawn by the SDK's generator
    assert context.is_valid
    stop(batch)


class FixedIds(IdGenerator):
    """Hands out the same ids to the SDK's tracer and to the factory, in turn."""

    def __init__(self) -> None:
        self.next_span = 0x1234

    def generate_span_id(self) -> int:
        self.next_span += 1
        return self.next_span

    def generate_trace_id(self) -> int:
        return 0x4BF92F3577B34DA6A3CE929D0E0E4736


def exported_fields(span: ReadableSpan) -> dict[str, object]:
    """Everything an exporter reads of a span (what the OTLP encoder and to_json read)."""
    scope = span.instrumentation_scope
    assert scope is not None
    return {
        "name": span.name,
        "context": span.context,
        "flags": span.context.trace_flags if span.context else None,
        "state": span.context.trace_state.to_header() if span.context else None,
        "parent": span.parent,
        "kind": span.kind,
        "times": (span.start_time, span.end_time),
        "attributes": dict(span.attributes or {}),
        "events": span.events,
        "links": span.links,
        "status": (span.status.status_code, span.status.description),
        "resource": (dict(span.resource.attributes), span.resource.schema_url),
        "scope": (scope.name, scope.version, scope.schema_url, scope.attributes),
        "dropped": (span.dropped_attributes, span.dropped_events, span.dropped_links),
        "json": span.to_json(),
    }


def test_a_span_built_ended_exports_as_the_sdk_s_own_span() -> None:
    """A plugin hook's span (``SpanFactory.ended``, one tuple) against the SDK tracer's span
    for the same parent, ids, name, attributes and times: every field an exporter reads is
    the same, and both leave the batch processor in the same batch."""
    ids = FixedIds()
    provider, spans = build_provider("test", 1.0, "none", None, {})
    provider.id_generator = ids
    spans._ids, spans._bits = ids, None
    exporter = InMemorySpanExporter()
    batch = BatchSpanProcessor(exporter, schedule_delay_millis=600_000)
    provider.add_span_processor(batch)
    spans.batched(batch)
    root = spans.start_root("POST r", None, SpanKind.SERVER, {})
    parent = root.get_span_context()
    attributes = {"sluicegate.plugin": "jwt", "sluicegate.phase": "request"}
    ids.next_span = 0x99
    spans.emit(spans.ended("plugin jwt", parent, dict(attributes), 1_000, 2_000))
    ids.next_span = 0x99
    sdk = provider.get_tracer("sluicegate").start_span(
        "plugin jwt",
        trace.set_span_in_context(trace.NonRecordingSpan(parent)),
        SpanKind.INTERNAL,
        dict(attributes),
        start_time=1_000,
    )
    sdk.end(2_000)
    assert batch.force_flush()
    ours, theirs = exporter.get_finished_spans()
    assert isinstance(ours, EndedSpan) and not isinstance(theirs, EndedSpan)
    assert exported_fields(ours) == exported_fields(theirs)
    assert ours.context.span_id == 0x9A and ours.parent is parent
    assert ours != theirs and ours == ours and len({ours, theirs}) == 2  # spans, not tuples
    stop(batch)


async def _requests_exported(
    hold: bool, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, object]]:
    """The spans the batch processor's exporter gets (fast path, every hook spanned) for an
    answer, a stream, a refusal, a failing plugin, a provider's 502 and a provider that
    cannot be reached, with the children held for the server span's hand-off or handed
    over one by one (as before the hold); ids and times left out, each parent named."""
    import plugins.tracing as tracing_module

    class Trace(RequestTrace):
        __slots__ = ()

        def __init__(self, *args: Any) -> None:
            super().__init__(*args[:4], hold=hold and args[4])

    monkeypatch.setattr(tracing_module, "RequestTrace", Trace)
    exported: list[dict[str, object]] = []
    replies = [
        ScriptedClient(["answer"]),
        ScriptedClient([FakeReply.sse([{"choices": [{"delta": {"content": "a"}}]}])]),
        ScriptedClient(["answer"]),
        ScriptedClient(["answer"]),
        ScriptedClient(["500"]),
        ScriptedClient(["fail"]),
    ]
    for number, upstream in enumerate(replies):
        plugins: list[tuple[type[Plugin], dict[str, Any]]] = [(Tracing, {"exporter": "none",
            "plugin_span_min": "0s"}), (RequestId, {}), (Refuse, {}), (Broken, {})]  # fmt: skip
        h = Harness(plugins, upstream)
        plugin = h.chain.plugins[0]
        assert isinstance(plugin, Tracing)
        exporter = InMemorySpanExporter()
        batch = BatchSpanProcessor(exporter, schedule_delay_millis=600_000)
        plugin.provider.add_span_processor(batch)
        plugin.spans.batched(batch)  # the fast path, as the plugin's own exporter has it
        headers = {"x-refuse": "1"} if number == 2 else {"x-break": "1"} if number == 3 else {}
        stream = number == 1
        await h.request("POST", json={"model": "m", "stream": stream, "messages": []},
                        headers=headers)  # fmt: skip
        assert batch.force_flush()
        spans = exporter.get_finished_spans()
        names = {s.context.span_id: s.name for s in spans if s.context is not None}
        for span in spans:
            fields = exported_fields(span)
            for varying in ("context", "times", "json"):
                del fields[varying]
            fields["parent"] = names.get(span.parent.span_id) if span.parent else None
            fields["attributes"] = {key: value for key, value in fields["attributes"].items()
                                    if key != "sluicegate.request_id"}  # type: ignore[attr-defined]  # fmt: skip
            fields["events"] = [  # an exception's stack trace names the test's frames
                (e.name, dict(e.attributes or {}).get("exception.type", e.attributes))
                for e in span.events
            ]
            exported.append(fields)
        stop(batch)
    return exported


async def test_held_spans_reach_the_exporter_as_spans_handed_over_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A traced request's children are held and handed to the batch queue with its server
    span in one hand-off: the exporter must get the same spans, field by field and in the
    same order, as when each was handed over as it ended — on answers, streams, refusals,
    failing plugins and failing providers."""
    held = await _requests_exported(True, monkeypatch)
    one_by_one = await _requests_exported(False, monkeypatch)
    assert held == one_by_one
    names = [fields["name"] for fields in held]
    assert names.count("POST route0") == 6 and names.count("attempt fake") >= 3
    assert any(fields["status"][0] is StatusCode.ERROR for fields in held)  # type: ignore[index]


def test_a_child_that_ends_after_the_hand_off_is_handed_over_as_it_ends() -> None:
    spans, batch, exporter = batched(batch_size=64)
    root = spans.start_root("POST r", None, SpanKind.SERVER, {})
    trace = RequestTrace(spans, root, hold=True)
    attempt = trace.attempt("p", 1, None, [])
    trace.plugin_hook("jwt", "request", 1_000, 2_000, None)
    assert len(batch._batch_processor._queue) == 0  # held
    attempt.end(200)
    assert isinstance(root, RecordedSpan)
    root._end_time = 3_000
    trace.release(root)
    assert [s.name for s in batch._batch_processor._queue] == ["POST r", "attempt p", "plugin jwt"]
    late = trace.attempt("q", 2, None, [])
    late.end(200)
    late.end(200)  # a second end: nothing more
    assert batch.force_flush()
    names = [s.name for s in exporter.get_finished_spans()]
    assert names == ["plugin jwt", "attempt p", "POST r", "attempt q"]
    stop(batch)


def test_a_full_queue_takes_the_held_spans_one_by_one_as_the_sdk_drops() -> None:
    spans, batch, _ = batched(batch_size=2, queue_size=2)
    root = spans.start_root("POST r", None, SpanKind.SERVER, {})
    trace = RequestTrace(spans, root, hold=True)
    trace.plugin_hook("a", "request", 1_000, 2_000, None)
    trace.plugin_hook("b", "request", 1_000, 2_000, None)
    assert isinstance(root, RecordedSpan)
    root._end_time = 3_000
    trace.release(root)  # three for two places: the oldest goes, as the SDK's emit has it
    assert [s.name for s in batch._batch_processor._queue][:1] == ["POST r"]
    stop(batch)
