"""Spans recorded without the SDK's per-span machinery, handed to the same span processors.

Why: the SDK's ``tracer.start_span`` + ``span.end`` cost ~25 µs of CPU per span (measured:
two spans per request, 54 µs with the SDK against 8 µs this way): a ``Context`` lookup of
the parent, the sampler, a ``BoundedAttributes`` with its own lock and per-value type
checks, two ``BoundedList``s, the ``on_start`` round, a second ``ReadableSpan`` copy at
``end``, and the tracer's self-metrics. A traced request opens three to four spans (server,
attempt, a span per plugin that did work), so that was ~100 µs per request, more than
the whole core.

Here a span is a ``RecordedSpan`` (plugins/_tracing/recorded.py; a plugin hook that only
ran long becomes an ``EndedSpan``, one tuple: plugins/_tracing/ended.py): a plain dict of
attributes, a list of events and a status, which is itself a subclass of the SDK's
``ReadableSpan`` (as the SDK's own ``Span`` is) and is given, once ended, to the provider's
span processors' ``on_end`` — the same
processors (batch, simple, in-memory, OTLP) the SDK would have fed, so exporters and tests
see the spans they always saw. Nothing is copied at ``end``; a child's ``SpanContext`` is
built without re-checking what its parent's already proved. What it keeps from the SDK,
exactly:

- ids from the provider's id generator, trace flags as the SDK sets them (``sampled``, and
  W3C level 2's ``random-trace-id`` for a new random trace id), the parent's ``tracestate``;
- the sampler, asked once per trace for the server span (``ParentBased``: a sampled parent
  wins); the children of a recording span record too, which is what ``ParentBased`` decides
  for a sampled local parent — the plugin always builds its provider with ``ParentBased``;
- the span limits that matter here: at most 128 events per span (further ones are
  dropped), an ended span ignores further changes, a second ``end`` is a no-op.

When the plugin's batch processor is the provider's only processor (the usual
configuration), an ended span is put on its queue directly (``SpanFactory.batched``: no
``on_end``/``emit`` calls and no ``os.getpid()`` system call per span; ~2.7 k instructions
a span, ``python -m benchmarks.instructions``), and ids from the SDK's default generator are
drawn with ``random.getrandbits`` as it draws them, without its method call.

What it leaves out: ``on_start`` (the plugin's processors export at ``on_end`` only),
attribute value coercion (every attribute is set by this plugin's own code, as a str,
bool, int or float) and the SDK's self-metrics.
"""

from __future__ import annotations

from random import getrandbits
from time import time_ns

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk._shared_internal import BatchProcessor
from opentelemetry.sdk.trace import (
    ReadableSpan,
    SpanProcessor,
    SynchronousMultiSpanProcessor,
    TracerProvider,
)
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.sdk.trace.sampling import Decision, Sampler
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import DEFAULT_TRACE_STATE
from opentelemetry.util.types import AttributeValue

from plugins._tracing.ended import EndedSpan
from plugins._tracing.recorded import MAX_EVENTS, RecordedSpan

__all__ = ["MAX_EVENTS", "RecordedSpan", "SpanFactory"]
_context_tuple = tuple.__new__
_ended_tuple = tuple.__new__
_SPAN_ID_MAX = 2**64 - 1
_HOOKS_KEPT = 256  # (plugin, phase) pairs whose span name and attributes are kept
_TRACE_ID_MAX = 2**128 - 1
_NO_STATE = DEFAULT_TRACE_STATE  # what SpanContext.__new__ puts for no tracestate
_UNSET = Status(StatusCode.UNSET)
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_NOT_SAMPLED = TraceFlags(TraceFlags.DEFAULT)


class SpanFactory:
    """Starts this plugin's spans and ends them into one provider's processors."""

    __slots__ = ("_batch", "_batch_size", "_batched", "_bits", "_fresh", "_fresh_drops",
                 "_fresh_flags", "_ids", "_multi", "_random_flag", "_room", "hook_spans",
                 "processor", "resource", "sampler", "scope")  # fmt: skip

    def __init__(
        self,
        provider: TracerProvider,
        processor: SynchronousMultiSpanProcessor,
        sampler: Sampler,
        ids: IdGenerator,
        scope: str,
        fresh: Decision | None = None,
    ) -> None:
        """``fresh``: the decision ``sampler`` makes for every new trace (no parent), when it
        is a constant (``ParentBased(ALWAYS_ON)``, ``ParentBased(ALWAYS_OFF)``); such a trace
        then skips the sampler call and its ``SamplingResult`` (~2 µs per request)."""
        self.processor: SpanProcessor = processor
        self._multi = processor
        self.resource = provider.resource
        self.sampler = sampler
        self.scope = InstrumentationScope(scope, "", "")  # as the SDK tracer's: "" not None
        self._ids = ids
        # The SDK's default generator is ``random.getrandbits`` redrawn on 0: called here
        # directly (one Python call fewer per id); any other generator is asked as it is.
        self._bits = getrandbits if type(ids) is RandomIdGenerator else None
        # The batch hand-off's fast path (``batched``): none until a batch processor is named.
        self._batch: BatchProcessor[ReadableSpan] | None = None
        self._batched: tuple[SpanProcessor, ...] | None = None
        self._room = self._batch_size = 0
        self._random_flag = TraceFlags.RANDOM_TRACE_ID if ids.is_trace_id_random() else 0
        self._fresh = fresh
        self._fresh_drops = fresh is Decision.DROP  # an enum member read is ~1 k instructions
        # A new trace's flags when the decision is a constant: built once, not per request.
        sampled = _SAMPLED if fresh is Decision.RECORD_AND_SAMPLE else _NOT_SAMPLED
        self._fresh_flags = TraceFlags(sampled | self._random_flag)
        # (plugin, phase) -> the name and attributes of that hook's spans (``hook_span``).
        self.hook_spans: dict[tuple[str, str], tuple[str, dict[str, AttributeValue]]] = {}

    @classmethod
    def for_provider(cls, provider: TracerProvider, processor: SynchronousMultiSpanProcessor,
                     sampler: Sampler, scope: str, fresh: Decision | None = None,
                     ) -> SpanFactory:  # fmt: skip
        ids = provider.id_generator if provider.id_generator is not None else RandomIdGenerator()
        return cls(provider, processor, sampler, ids, scope, fresh)

    def start_root(
        self,
        name: str,
        parent: Context | None,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
    ) -> RecordedSpan | trace.NonRecordingSpan:
        """The request's server span, under the span in ``parent`` (the client's, extracted
        from its ``traceparent``) when there is a valid one; the sampler decides whether it
        records, asked exactly as the SDK's tracer asks it."""
        if parent is None and self._fresh is not None:
            # A new trace whose sampling decision is a constant (the usual request): its
            # context built as the tuple ``SpanContext.__new__`` builds, with the same range
            # checks, and flags formed once at load (~1.5 µs less per request).
            ids = self._ids
            bits = self._bits
            if bits is not None:
                trace_id = bits(128) or ids.generate_trace_id()
                span_id = bits(64) or ids.generate_span_id()
            else:
                trace_id = ids.generate_trace_id()
                span_id = ids.generate_span_id()
            valid = 0 < trace_id <= _TRACE_ID_MAX and 0 < span_id <= _SPAN_ID_MAX
            own = _context_tuple(
                SpanContext, (trace_id, span_id, False, self._fresh_flags, _NO_STATE, valid)
            )
            if self._fresh_drops:
                return trace.NonRecordingSpan(own)
            return RecordedSpan(self, name, own, None, kind, attributes, time_ns())
        remote = trace.get_current_span(parent).get_span_context() if parent else None
        if remote is not None and remote.is_valid:
            trace_id = remote.trace_id
            random_flag = remote.trace_flags & TraceFlags.RANDOM_TRACE_ID
        else:
            remote = None
            trace_id = self._ids.generate_trace_id()
            random_flag = self._random_flag
        decision = self._fresh if parent is None else None
        trace_state = None
        recorded = attributes
        if decision is None:
            result = self.sampler.should_sample(parent, trace_id, name, kind, attributes)
            decision = result.decision
            trace_state = result.trace_state
            recorded = dict(result.attributes) if result.attributes else attributes
        sampled = _SAMPLED if decision is Decision.RECORD_AND_SAMPLE else _NOT_SAMPLED
        own = SpanContext(
            trace_id,
            self._ids.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(sampled | random_flag),
            trace_state=trace_state,
        )
        if decision is Decision.DROP:
            return trace.NonRecordingSpan(own)
        return RecordedSpan(self, name, own, remote, kind, recorded, time_ns())

    def child_context(self, parent: SpanContext) -> SpanContext:
        """A new span's context in ``parent``'s trace (same flags and tracestate).

        Built as the tuple ``SpanContext.__new__`` would build, without its range checks:
        the trace id is the parent's (``parent.is_valid`` says whether it is in range) and
        the span id's range check is the one ``__new__`` makes (the SDK's generator never
        returns 0, so it always passes); ~1 µs less per span."""
        bits = self._bits
        if bits is not None and (span_id := bits(64)):  # in range: 64 bits, not 0
            valid = parent[5]
        else:
            span_id = self._ids.generate_span_id()
            valid = parent[5] and 0 < span_id <= _SPAN_ID_MAX
        return _context_tuple(SpanContext, (parent[0], span_id, False, parent[3], parent[4], valid))

    def start_child(
        self,
        name: str,
        parent: SpanContext,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
        start_time: int | None = None,
    ) -> RecordedSpan:
        return RecordedSpan(
            self,
            name,
            self.child_context(parent),
            parent,
            kind,
            attributes,
            time_ns() if start_time is None else start_time,
        )

    def ended(
        self,
        name: str,
        parent: SpanContext,
        attributes: dict[str, AttributeValue],
        start_time: int,
        end_time: int,
    ) -> EndedSpan:
        """An INTERNAL child of ``parent`` that ran from ``start_time`` to ``end_time`` (a
        plugin hook that ran long), built ended as an ``EndedSpan`` in one C call
        (plugins/_tracing/ended.py says why), for the caller to hand over (``emit``);
        ``child_context`` written out here (a call fewer per span)."""
        bits = self._bits
        if bits is not None and (span_id := bits(64)):  # in range: 64 bits, not 0
            valid = parent[5]
        else:
            span_id = self._ids.generate_span_id()
            valid = parent[5] and 0 < span_id <= _SPAN_ID_MAX
        context = _context_tuple(
            SpanContext, (parent[0], span_id, False, parent[3], parent[4], valid)
        )
        fields = (name, context, parent, attributes, start_time, end_time, self.resource,
                  self.scope)  # fmt: skip
        span: EndedSpan = _ended_tuple(EndedSpan, fields)
        return span

    def hook_span(self, plugin: str, phase: str) -> tuple[str, dict[str, AttributeValue]]:
        """The name and attributes of every span of ``plugin``'s ``phase`` hook that did
        nothing but take its time: made once and kept (``hook_spans``), shared by those
        spans, which are built ended and never change their attributes."""
        attributes: dict[str, AttributeValue] = {
            "sluicegate.plugin": plugin,
            "sluicegate.phase": phase,
        }
        made = (f"plugin {plugin}", attributes)
        if len(self.hook_spans) < _HOOKS_KEPT:  # a policy has a few plugins and phases
            self.hook_spans[(plugin, phase)] = made
        return made

    def batched(self, processor: BatchSpanProcessor) -> None:
        """``processor`` (added to the provider last) is its only one: while it stays so, a
        span is queued on it here directly when its queue has room.

        What ``BatchSpanProcessor.on_end`` and its ``BatchProcessor.emit`` do for such a span
        is exactly that append (and the worker's wake-up when a batch is full), after checks
        that cannot fail here: the span is sampled (this factory records only sampled
        spans), the processor is not shut down (read here too), and the process has not
        forked since (``emit`` compares ``os.getpid()`` per span — a system call — where the
        SDK's ``os.register_at_fork`` hook has already reset the queue and its worker in a
        forked child). A span that finds the queue full, and every span once another
        processor is added, takes the SDK's path, which logs the drop. Per span: two Python
        calls, two property reads and the ``getpid`` fewer
        (tests/plugins/test_tracing_batch.py holds this to the SDK's behaviour and fails
        loudly on an SDK whose internals moved; pyproject pins the SDK's minor)."""
        batch = processor._batch_processor
        self._batch = batch
        self._batched = self._multi._span_processors
        self._room = batch._max_queue_size  # a span that would push one out: the SDK logs it
        self._batch_size = batch._max_export_batch_size

    def emit(self, span: ReadableSpan) -> None:
        # What ``SynchronousMultiSpanProcessor.on_end`` does, one call fewer per span: its
        # tuple is replaced (never changed) when the provider gets another processor, so
        # reading it here sees every processor added since, as the SDK's own loop does.
        processors = self._multi._span_processors
        if processors is self._batched:
            batch = self._batch
            assert batch is not None
            queue = batch._queue
            if len(queue) < self._room and not batch._shutdown:
                queue.appendleft(span)
                # A full batch wakes the worker (its own sleep ends at the schedule delay).
                if len(queue) >= self._batch_size and not batch._worker_awaken.is_set():
                    batch._worker_awaken.set()
                return
        for processor in processors:
            processor.on_end(span)

    def emit_all(self, spans: list[ReadableSpan]) -> None:
        """``emit`` for each of ``spans`` in order, in one hand-off when they all fit the
        batch queue: the same spans in the same order, the worker woken as ``emit`` would
        have woken it after the last; ``emit`` one by one otherwise (a full queue drops as
        the SDK drops)."""
        if self._multi._span_processors is self._batched:
            batch = self._batch
            assert batch is not None
            queue = batch._queue
            if len(queue) + len(spans) <= self._room and not batch._shutdown:
                queue.extendleft(spans)
                if len(queue) >= self._batch_size and not batch._worker_awaken.is_set():
                    batch._worker_awaken.set()
                return
        for span in spans:
            self.emit(span)
