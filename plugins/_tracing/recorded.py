"""``RecordedSpan``: a live span of the tracing plugin (the server and attempt spans, and a
plugin span that refused or failed), which is also the ``ReadableSpan`` its processors get.

Why not the SDK's ``Span``: plugins/_tracing/spans.py, where ``SpanFactory`` builds these
and hands them to the provider's processors.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from time import time_ns
from types import TracebackType
from typing import TYPE_CHECKING, cast

from opentelemetry import trace
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode
from opentelemetry.util.types import Attributes, AttributeValue

if TYPE_CHECKING:
    from plugins._tracing.spans import SpanFactory

MAX_EVENTS = 128  # the SDK's default span limit
_UNSET = Status(StatusCode.UNSET)


class RecordedSpan(trace.Span, ReadableSpan):
    """A recording span of this plugin: the API's ``Span`` while it runs and, once ended,
    the SDK's ``ReadableSpan`` the processors get — the same object, as the SDK's own
    ``Span`` is both. Ending it hands ``self`` over instead of copying its fields into a new
    ``ReadableSpan`` (~1.5 µs per span); nothing changes after the end (every setter checks
    it), so what an exporter reads later is what was ended."""

    # What every span of this plugin has in common: no links, no deprecated scope info.
    _links: tuple[trace.Link, ...] = ()
    _instrumentation_info = None
    # Narrower than ReadableSpan's: this plugin's spans always have a context and a dict.
    _context: SpanContext
    _attributes: dict[str, AttributeValue]
    # Until set on the span: most spans never get an event, a status or (while live) an end,
    # so these are not written per span (a list, ``_UNSET``, ``None``).
    _events: Sequence[Event] = ()
    _status: Status = _UNSET
    _end_time: int | None = None
    # ``context`` as a plain attribute, set with ``_context``: ReadableSpan's is a property (a
    # Python call), and the batch processor reads it twice for every span it is given. A
    # class-level value is needed so the instance's own wins over the base's property.
    context: SpanContext = cast(SpanContext, None)

    def __init__(
        self,
        factory: SpanFactory,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: dict[str, AttributeValue],
        start_time: int,
    ) -> None:
        self._factory = factory
        self._resource = factory.resource
        self._instrumentation_scope = factory.scope
        self._name = name
        self._context = self.context = context
        self._parent = parent
        self._kind = kind
        self._attributes = attributes
        self._start_time = start_time

    def get_span_context(self) -> SpanContext:
        return self._context

    def is_recording(self) -> bool:
        return self._end_time is None

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        if self._end_time is None:
            self._attributes[key] = value

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        if self._end_time is None:
            self._attributes.update(attributes)

    def add_event(
        self, name: str, attributes: Attributes = None, timestamp: int | None = None
    ) -> None:
        if self._end_time is not None:
            return
        events = self._events
        if len(events) >= MAX_EVENTS:
            return
        if not isinstance(events, list):  # the first event: the span's own list
            self._events = events = []
        events.append(Event(name, dict(attributes or {}), timestamp or time_ns()))

    def add_link(self, context: SpanContext, attributes: Attributes = None) -> None:
        return None  # this plugin's spans carry no links

    def update_name(self, name: str) -> None:
        if self._end_time is None:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if self._end_time is not None or self._status.status_code is StatusCode.OK:
            return  # an ended span is final, and so is OK (the SDK's rule)
        if isinstance(status, StatusCode):
            status = Status(status, description)
        if status.status_code is not StatusCode.UNSET:
            self._status = status

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        self.add_event("exception", exception_attributes(exception, attributes, escaped),
                       timestamp)  # fmt: skip

    def end(self, end_time: int | None = None) -> None:
        if self._end_time is not None:
            return
        self._end_time = end_time if end_time is not None else time_ns()
        self._factory.emit(self)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.end()


def exception_attributes(
    exception: BaseException, extra: Attributes = None, escaped: bool = False
) -> dict[str, AttributeValue]:
    """What the SDK's ``record_exception`` puts on its ``exception`` event."""
    attributes: dict[str, AttributeValue] = {
        "exception.type": type(exception).__qualname__,
        "exception.message": str(exception),
        "exception.stacktrace": "".join(traceback.format_exception(exception)),
        "exception.escaped": str(escaped),
    }
    if extra:
        attributes.update(extra)
    return attributes


def finished_span(
    factory: SpanFactory,
    name: str,
    parent: SpanContext,
    attributes: dict[str, AttributeValue],
    start_time: int,
    end_time: int,
    status: Status = _UNSET,
    events: Sequence[Event] = (),
) -> RecordedSpan:
    """A span whose start and end are already known (a plugin hook, timed around it): built
    ended, never live, for the caller to hand to the processors."""
    span = RecordedSpan(factory, name, factory.child_context(parent), parent,
                        SpanKind.INTERNAL, attributes, start_time)  # fmt: skip
    if status is not _UNSET:
        span._status = status
    if events:
        span._events = list(events)
    span._end_time = end_time
    return span
