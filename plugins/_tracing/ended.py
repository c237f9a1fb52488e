"""A span built already ended, as one tuple: what a plugin hook that ran long becomes.

Why: under valgrind every later plugin's hook outlasts ``plugin_span_min``, so a request of
the full public chain exports five plugin spans beside its server and attempt spans, and
natively ``rate_limit``'s (it waits on redis) is spanned on every request. As a
``RecordedSpan`` (plugins/_tracing/spans.py) such a span cost ~12 k instructions: a Python
``__init__`` storing nine fields, a second call for its context, a third to queue it. Here
it is one C call: ``tuple.__new__`` over its eight fields, read back through properties by
the exporter that takes it (the exporter reads each field once, in its own thread; the
``discard`` exporter reads none).

It is the SDK's ``ReadableSpan`` by type, and answers every question an exporter asks of one
(name, context, parent, kind, times, attributes, events, links, status, resource, scope,
the dropped counts, ``to_json``) with what the SDK's own span would answer:
tests/plugins/test_tracing_batch.py compares the two field by field. It is a tuple only in
how it is stored: equality and hashing are by identity, as for any span, and it is never
changed after it is built, nor is its attributes dict: the spans of one plugin's hook share
theirs (``SpanFactory.hook_span``: made once, never changed; the exporters only read it).
"""

# ReadableSpan's private fields are plain attributes; here they are read-only properties of
# the tuple (an ended span never changes), which mypy reports as an override.
# mypy: disable-error-code="override"

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

_UNSET = Status(StatusCode.UNSET)

# name, context, parent, attributes, start, end, resource, scope
EndedFields = tuple[
    str,
    SpanContext,
    SpanContext,
    dict[str, AttributeValue],
    int,
    int,
    Resource,
    InstrumentationScope,
]


class EndedSpan(EndedFields, ReadableSpan):
    """An INTERNAL span without events, links or a status, ended when it was built."""

    __slots__ = ()

    # What ReadableSpan's own properties read: constants here, the rest from the tuple.
    _kind = SpanKind.INTERNAL
    _events: Sequence[Event] = ()
    _links: Sequence[trace.Link] = ()
    _status = _UNSET
    _instrumentation_info = None

    # Identity, not the fields: two spans are never the same span.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__
    __repr__ = object.__repr__

    @property
    def _name(self) -> str:
        return self[0]

    @property
    def _context(self) -> SpanContext:
        return self[1]

    @property
    def _parent(self) -> SpanContext:
        return self[2]

    @property
    def _attributes(self) -> dict[str, AttributeValue]:
        return self[3]

    @property
    def _start_time(self) -> int:
        return self[4]

    @property
    def _end_time(self) -> int:
        return self[5]

    @property
    def _resource(self) -> Resource:
        return self[6]

    @property
    def _instrumentation_scope(self) -> InstrumentationScope:
        return self[7]

    def get_span_context(self) -> SpanContext:
        return self[1]
