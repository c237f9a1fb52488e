"""tracing: an OpenTelemetry server span per request, with spans for plugins and attempts.

Put it FIRST in the policy: its ``on_request`` opens the server span (parented on the
client's W3C ``traceparent``/``tracestate`` when it sends one) and puts a ``RequestTrace``
on ``ex.trace``; from then on the chain wraps every later plugin's request hook in a child
span and the upstream group opens a child span per attempt (number, target, retry reason)
and sends that span's ``traceparent`` to the provider. When the exchange is complete
(after the last byte, an error or a disconnect) the reporter calls the trace's ``finish``,
which adds the GenAI semantic-convention attributes (system, request and response model,
token usage) and ends the server span — synchronously, so tracing adds no ``on_complete``
hook and no background task per request.

Prompt and completion text are never recorded unless ``record_content = true``; only then
does the plugin also read the response body (a bounded copy) and end the span in
``on_complete`` (reading the prompt may await the body), since an extra body filter and a
complete hook cost every request something.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import time_ns
from typing import Any, ClassVar, Literal

from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import Field, model_validator
from starlette.responses import Response

from plugins._tracing.content import completion_text, prompt_text
from plugins._tracing.exporters import build_provider
from plugins._tracing.spans import RecordedSpan
from plugins._tracing.trace import PROPAGATOR, RequestTrace
from proxy.config.types import ByteSize, Duration
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

_SERVER = SpanKind.SERVER  # an enum member read per request is ~1 k instructions
_ERROR = Status(StatusCode.ERROR)
_OPERATIONS = (
    ("/chat/completions", "chat"),
    ("/completions", "text_completion"),
    ("/embeddings", "embeddings"),
)


@dataclass(slots=True)
class Captured:
    """A bounded copy of the response body, for the completion event."""

    body: list[bytes] = field(default_factory=list)
    size: int = 0


class Tracing(Plugin):
    name = "tracing"

    class Options(PluginOptions):
        service_name: str = Field("sluicegate", description="service.name of every span.")
        sample_ratio: float = Field(
            1.0, ge=0, le=1, description="Share of new traces sampled; a parent's choice wins."
        )
        exporter: Literal["none", "discard", "console", "otlp"] = Field(
            "none",
            description=(
                'Where spans go; "discard" runs the batch processor and drops the spans '
                '(overhead measurement); "otlp" needs the sluicegate[otlp] extra.'
            ),
        )
        otlp_endpoint: str | None = Field(
            None, description="OTLP/HTTP traces URL (default: the exporter's own, :4318)."
        )
        otlp_headers: dict[str, str] = Field({}, description="Headers sent to the collector.")
        trust_incoming: bool = Field(
            True, description="Continue the client's trace from its traceparent header."
        )
        record_content: bool = Field(
            False, description="Record prompt and completion text on the span (off: privacy)."
        )
        content_max_bytes: ByteSize = Field(
            16 * 1024, description="Most bytes of prompt or completion text recorded."
        )
        plugin_span_min: Duration = Field(
            0.0001,
            ge=0,
            description="A later plugin's request hook gets a span when it refused, failed or "
            'ran at least this long (default "0.1ms"); 0 = a span for every plugin hook.',
        )

        @model_validator(mode="after")
        def _endpoint_needs_otlp(self) -> Tracing.Options:
            if self.otlp_endpoint and self.exporter != "otlp":
                raise ValueError('otlp_endpoint is set but exporter is not "otlp"')
            return self

    options: Options
    # False: the reporter ends the span through RequestTrace.finish (no complete hook).
    ends_in_complete: ClassVar[bool] = False

    def __new__(cls, options: Options, services: Services) -> Tracing:
        # Content capture needs a body filter; only instances that record content get the
        # subclass that has one, so the usual configuration adds no per-chunk call.
        if cls is Tracing and options.record_content:
            return super().__new__(_ContentTracing)
        return super().__new__(cls)

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self.provider, self.spans = build_provider(
            options.service_name,
            options.sample_ratio,
            options.exporter,
            options.otlp_endpoint,
            options.otlp_headers,
        )
        self._plugin_span_min_ns = round(options.plugin_span_min * 1e9)
        # Read per request: bound here once (an option's read goes through pydantic's
        # __getattr__ hook, a bound method is built per read).
        self._trust_incoming = options.trust_incoming
        self._on_finish = None if self.ends_in_complete else self._finish

    async def on_request(self, ex: Exchange) -> Response | None:
        parent: Context | None = None
        if self._trust_incoming:
            traceparent = ex.request_headers.get("traceparent")
            if traceparent is not None:
                carrier = {"traceparent": traceparent}
                tracestate = ex.request_headers.get("tracestate")
                if tracestate is not None:
                    carrier["tracestate"] = tracestate
                parent = PROPAGATOR.extract(carrier)
        route = ex.route_name or "none"
        span = self.spans.start_root(
            f"{ex.method} {route}",
            parent,
            _SERVER,
            # The request id is set in on_complete: request_id (after us) may replace it.
            {"http.request.method": ex.method, "url.path": ex.path, "http.route": route},
        )
        # Held: a request's spans reach the processors in one hand-off, when its server span
        # ends in _finish (with ``record_content`` it ends in on_complete: not held).
        ex.trace = RequestTrace(self.spans, span, self._on_finish, self._plugin_span_min_ns,
                                self._on_finish is not None)  # fmt: skip
        return None

    def _finish(self, ex: Exchange, trace: RequestTrace) -> None:
        span = trace.span
        if type(span) is RecordedSpan:  # the usual: its fields read and set directly
            if span._end_time is not None:
                trace.release(None)  # its children all the same
                return
            try:
                self._add_attributes(ex, span._attributes)
                if ex.events:
                    self._add_events(ex, span)
                if ex.status >= 500 or ex.status == 0:
                    span.set_status(_ERROR)
            finally:  # what span.end() does, written out, its children handed over with it
                span._end_time = time_ns()
                trace.release(span)
            return
        try:
            if span.is_recording():
                self._annotate(ex, span)
        finally:
            span.end()  # even when annotating failed: an unended span is never exported
            trace.release(None)

    def _annotate(self, ex: Exchange, span: Any) -> None:
        if isinstance(span, RecordedSpan):  # its own dict, filled in place (no copy, no call)
            self._add_attributes(ex, span._attributes)
        else:
            attributes: dict[str, Any] = {}
            self._add_attributes(ex, attributes)
            span.set_attributes(attributes)
        self._add_events(ex, span)
        if ex.status >= 500 or ex.status == 0:
            span.set_status(_ERROR)

    @staticmethod
    def _add_events(ex: Exchange, span: Any) -> None:
        for event in ex.events:
            span.add_event(
                "sluicegate.security_event",
                {"type": event.type, "plugin": event.plugin, "monitored": event.monitored},
            )

    @staticmethod
    def _add_attributes(ex: Exchange, attributes: dict[str, Any]) -> None:
        """What is known once the exchange is complete, added to ``attributes``."""
        attributes["http.response.status_code"] = ex.status
        attributes["sluicegate.request_id"] = ex.request_id
        attributes["sluicegate.attempts"] = ex.attempts
        for suffix, operation in _OPERATIONS:
            if ex.path.endswith(suffix):
                attributes["gen_ai.operation.name"] = operation
                break
        system = ex.usage.provider or ex.target
        if system:
            attributes["gen_ai.system"] = system
        if ex.model:
            attributes["gen_ai.request.model"] = ex.model
        # What the provider says answered (the usage meter reads it from the body); never
        # the model we asked for, so a provider swapping models shows in the trace.
        if ex.usage.response_model:
            attributes["gen_ai.response.model"] = ex.usage.response_model
        if ex.usage.reported:
            attributes["gen_ai.usage.input_tokens"] = ex.usage.input_tokens
            attributes["gen_ai.usage.output_tokens"] = ex.usage.output_tokens
        if ex.status >= 400:
            attributes["error.type"] = str(ex.status)

    async def _record_content(self, ex: Exchange) -> None:
        limit = self.options.content_max_bytes
        trace = ex.trace
        assert isinstance(trace, RequestTrace)
        if ex.body_loaded:
            try:
                prompt = prompt_text(await ex.json(), limit)
            except PolicyError:
                prompt = None
            if prompt is not None:
                trace.span.add_event("gen_ai.content.prompt", {"gen_ai.prompt": prompt})
        captured = ex.state_for(self, Captured).body
        if captured:
            text = completion_text(b"".join(captured), ex.streaming, limit)
            if text is not None:
                trace.span.add_event("gen_ai.content.completion", {"gen_ai.completion": text})

    async def close(self) -> None:
        self.provider.shutdown()

    def describe(self) -> dict[str, Any]:
        return {
            "exporter": self.options.exporter,
            "sample_ratio": self.options.sample_ratio,
            "record_content": self.options.record_content,
        }


class _ContentTracing(Tracing):
    """Tracing with ``record_content = true``: keeps a bounded copy of the response body and
    ends the span in ``on_complete``, where the prompt can be read."""

    ends_in_complete = True

    async def on_complete(self, ex: Exchange) -> None:
        trace = ex.trace
        if not isinstance(trace, RequestTrace):
            return
        span = trace.span
        if span.is_recording():
            self._annotate(ex, span)
            await self._record_content(ex)
        span.end()

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        if chunk and isinstance(ex.trace, RequestTrace):
            state = ex.state_for(self, Captured)
            if state.size < self.options.content_max_bytes:
                state.body.append(chunk)
                state.size += len(chunk)
        return chunk
