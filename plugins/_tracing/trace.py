"""The ``RequestTrace`` the tracing plugin puts on ``ex.trace``: spans for plugins and attempts.

The chain times each later plugin's request hook and calls ``plugin_hook()`` for one that
did work — it refused, failed, or took at least ``plugin_span_min`` — and the upstream group
calls ``attempt()`` for every upstream attempt (proxy/observe/tracing.py is the seam); both
record children of the request's server span. A plugin span is built after its hook
returned, with the hook's own start and end times, so a plugin that only set a header costs
two clock reads in the chain and nothing here. ``attempt`` also writes the W3C
``traceparent``/``tracestate`` of its own span into the provider request, replacing whatever
the client sent, so the provider's spans hang under the attempt that called it. Spans are
recorded by ``SpanFactory`` (plugins/_tracing/spans.py), not the SDK's tracer: ~4 µs a span
instead of ~25.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from time import time_ns
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.trace.span import DEFAULT_TRACE_STATE
from opentelemetry.util.types import AttributeValue

from plugins._tracing.recorded import exception_attributes, finished_span
from plugins._tracing.spans import RecordedSpan, SpanFactory
from proxy.errors import GatewayError
from proxy.forward import PROPAGATION

PROPAGATOR = TraceContextTextMapPropagator()
_UNSET = Status(StatusCode.UNSET)
_name = itemgetter(0)
_new_attempt = object.__new__
_CLIENT = SpanKind.CLIENT  # an enum member read is ~1 k instructions
_SAMPLED = int(TraceFlags.SAMPLED)
# "-" and the trace flags as a traceparent's last part writes them
_FLAGS = tuple(f"-{flags:02x}" for flags in range(256))
_NO_STATE = DEFAULT_TRACE_STATE
_TRACE_ID_MAX = 2**128 - 1
_NEVER = 2**62  # ns: no hook runs this long (an unsampled trace reports none by time)


class AttemptSpan:
    __slots__ = ("span", "trace")

    def __init__(self, span: trace.Span, request: RequestTrace) -> None:
        self.span = span
        self.trace = request

    def end(self, status: int | None, error: str | None = None) -> None:
        span = self.span
        if type(span) is not RecordedSpan:  # unsampled: nothing recorded, nothing held
            span.end()
            return
        if span._end_time is not None:  # ended already: final, as span.end() has it
            return
        if status is not None and error is None and status < 500:
            # The usual answer: one attribute and the end, without the setters' calls.
            span._attributes["http.response.status_code"] = status
        else:
            if status is not None:
                span.set_attribute("http.response.status_code", status)
            if error is not None:
                span.set_attribute("error.type", error)
                span.set_status(Status(StatusCode.ERROR, error))
            elif status is not None and status >= 500:
                span.set_attribute("error.type", str(status))
                span.set_status(Status(StatusCode.ERROR))
        span._end_time = time_ns()  # what span.end() does, written out (a call fewer)
        held = self.trace.held
        if held is not None:  # handed over with the server span (RequestTrace.release)
            held.append(span)
        else:
            span._factory.emit(span)


class RequestTrace:
    """One request's server span; its children are recorded through the same factory."""

    __slots__ = ("_context", "_on_finish", "_prefix", "held", "plugin_span_min_ns", "recording",
                 "span", "spans", "trace_id")  # fmt: skip

    def __init__(
        self,
        spans: SpanFactory,
        span: trace.Span,
        on_finish: Callable[[Any, RequestTrace], None] | None = None,
        plugin_span_min_ns: int = 0,
        hold: bool = False,
    ) -> None:
        """``hold``: the children's spans are held here as they end and handed to the
        processors with the server span, in one hand-off (``release``), which ``on_finish``
        then promises to call whatever happens."""
        self.spans = spans
        self.span = span
        self._on_finish = on_finish
        # Every child's parent: read once. An unsampled request records no spans: no plugin
        # span is worth building, so the chain is never asked to report a hook that only
        # took its time. (A RecordedSpan's fields read directly: two calls fewer.)
        if type(span) is RecordedSpan:
            self._context = span._context
            self.recording = span._end_time is None
        else:
            self._context = span.get_span_context()
            self.recording = span.is_recording()
        self.plugin_span_min_ns = plugin_span_min_ns if self.recording else _NEVER
        # The ended children not yet handed over (None: each is handed over as it ends).
        self.held: list[ReadableSpan] | None = [] if hold and self.recording else None
        # The trace id in hex, for the access line (a sampled request's, which every request
        # of a sampled trace writes) and the "00-<trace id>-" of every traceparent sent:
        # formatted once, here, and read as plain attributes (a property was a Python call
        # and a slice per access line, ~1.9 k instructions).
        if self._context[3] & _SAMPLED:
            digits = _hex_trace_id(self._context[0])
            self.trace_id: str | None = digits
            self._prefix = f"00-{digits}-"
        else:
            self.trace_id = None
            self._prefix = ""  # formatted by the first attempt

    def _traceparent_prefix(self) -> str:
        """``00-`` and the trace id in hex: the same for every attempt and the access line."""
        prefix = self._prefix
        if not prefix:
            prefix = self._prefix = f"00-{_hex_trace_id(self._context[0])}-"
        return prefix

    def finish(self, ex: Any) -> None:
        """Called once by the reporter when the exchange is complete (the seam's option)."""
        if self._on_finish is not None:
            self._on_finish(ex, self)

    def release(self, span: ReadableSpan | None) -> None:
        """Hand the held children and then ``span`` (the server span, ended; None: only the
        children) to the processors in one hand-off, in the order they ended; a child that
        ends later is handed over as it ends."""
        held = self.held
        if held is None:
            if span is not None:
                self.spans.emit(span)
            return
        self.held = None
        if span is not None:
            held.append(span)
        if held:
            self.spans.emit_all(held)

    def plugin_hook(
        self, name: str, phase: str, start_ns: int, end_ns: int, error: BaseException | None
    ) -> None:
        """A hook that did work (the chain timed it): its span, built ended, with the hook's
        own start and end."""
        if not self.recording:
            return
        if error is None:  # the usual: it ran long, a span built ended in one call
            spans = self.spans
            # Its name and attributes are the same for every span of this plugin's hook:
            # made once per (plugin, phase) and shared (an ended span's attributes are
            # never changed), not formatted and built per span.
            known = spans.hook_spans.get((name, phase))
            if known is None:
                known = spans.hook_span(name, phase)
            span = spans.ended(known[0], self._context, known[1], start_ns, end_ns)
            held = self.held
            if held is not None:  # handed over with the server span (``release``)
                held.append(span)
            else:
                spans.emit(span)
            return
        attributes: dict[str, AttributeValue] = {
            "sluicegate.plugin": name,
            "sluicegate.phase": phase,
        }
        status = _UNSET
        events: tuple[Event, ...] = ()
        if isinstance(error, GatewayError):
            # A refusal is the plugin doing its job, not a failure of the span.
            attributes["sluicegate.refused"] = error.status
            attributes["sluicegate.refusal_type"] = error.type
        elif isinstance(error, Exception):
            events = (Event("exception", exception_attributes(error), end_ns),)
            status = Status(StatusCode.ERROR, type(error).__name__)
        failed = finished_span(self.spans, f"plugin {name}", self._context, attributes,
                               start_ns, end_ns, status, events)  # fmt: skip
        if self.held is not None:
            self.held.append(failed)
        else:
            self.spans.emit(failed)

    def attempt(
        self,
        target: str,
        number: int,
        reason: str | None,
        headers: list[tuple[str, str]],
        propagation: bool = True,
    ) -> AttemptSpan:
        parent = self._context
        span: trace.Span
        spans = self.spans
        context = spans.child_context(parent)
        if self.recording:
            attributes: dict[str, AttributeValue] = {
                "sluicegate.target": target,
                "sluicegate.attempt": number,
                "gen_ai.system": target,
            }
            if reason is not None:
                attributes["sluicegate.retry_reason"] = reason
            span = RecordedSpan(spans, f"attempt {target}", context, parent, _CLIENT, attributes,
                                time_ns())  # fmt: skip
        else:  # unsampled: a new span id all the same, so the provider's parent is unique
            span = trace.NonRecordingSpan(context)
        # What TraceContextTextMapPropagator.inject writes, formatted directly (it would
        # build a Context and look the span up again, per attempt); the context's fields by
        # index (its properties are a Python call each), the trace id's part formatted once.
        # The client's own: replaced, never forwarded. Looked for only when the core's pass
        # over the headers saw one (``propagation``; ~6 k instructions for ten headers).
        if propagation and _carries_propagation(headers):
            headers[:] = [(k, v) for k, v in headers if k.lower() not in PROPAGATION]
        prefix = self._prefix or self._traceparent_prefix()
        # valid: the span id is in range, 8 bytes (~1 k instructions less than formatting)
        span_hex = context[1].to_bytes(8, "big").hex() if context[5] else f"{context[1]:016x}"
        headers.append(("traceparent", prefix + span_hex + _FLAGS[context[3]]))
        state = context[4]
        if state is not _NO_STATE and state:  # a new trace has none (its len is a Python call)
            headers.append(("tracestate", state.to_header()))
        attempt = _new_attempt(AttemptSpan)  # no __init__ call: two fields
        attempt.span = span
        attempt.trace = self
        return attempt


def _hex_trace_id(trace_id: int) -> str:
    """32 hex digits. to_bytes().hex(): ~0.6x the time of formatting a 128-bit int with :032x
    (an id out of range, which only a custom id generator could make, is formatted as is)."""
    if 0 <= trace_id <= _TRACE_ID_MAX:
        return trace_id.to_bytes(16, "big").hex()
    return f"{trace_id:032x}"


def _carries_propagation(headers: list[tuple[str, str]]) -> bool:
    """Whether ``headers`` hold a traceparent or tracestate, in any case. Most requests carry
    neither: the names are joined and searched for ``trace`` in C (~1 k instructions for six
    headers, against ~3 k for a Python loop over them), and only a hit is looked at name by
    name."""
    if "trace" not in "\n".join(map(_name, headers)).lower():
        return False
    return any(name.lower() in PROPAGATION for name, _ in headers)
