"""tracing plugin: span tree, W3C propagation both ways, GenAI attributes, sampling, content
privacy — run through the real pipeline with the SDK's in-memory exporter."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import ValidationError

from plugins.request_id import RequestId
from plugins.tracing import Tracing
from proxy.config.upstreams import ProviderConfig, UpstreamConfig
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.observe.report import AccessLog
from proxy.plugin import Plugin, Services, implemented_hooks
from proxy.state import MemoryStore
from proxy.testing import FakeReply, FakeUpstream, Harness
from proxy.upstream.client import UpstreamRequest
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.provider import Provider

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
SECRET_PROMPT = "my card number is 4111 1111 1111 1111"


class Refuse(Plugin):
    name = "refuse"

    async def on_request(self, ex: Exchange) -> None:
        if ex.request_headers.get("x-refuse"):
            raise PolicyError(429, "rate_limited", "slow down")


def traced(
    options: dict[str, Any] | None = None,
    upstream: FakeUpstream | None = None,
) -> tuple[Harness, InMemorySpanExporter]:
    h = Harness([(Tracing, options or {}), (RequestId, {}), (Refuse, {})], upstream)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Tracing)
    exporter = InMemorySpanExporter()
    plugin.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return h, exporter


def body(content: str = "hello") -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": content}]}


def by_name(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    return {span.name: span for span in exporter.get_finished_spans()}


def hexid(value: int, width: int = 16) -> str:
    return format(value, f"0{width}x")


async def test_span_tree_server_span_with_plugin_and_attempt_children() -> None:
    h, exporter = traced({"plugin_span_min": 0})  # a span for every plugin hook
    result = await h.request("POST", json=body())
    assert result.status == 200
    spans = by_name(exporter)
    assert set(spans) == {"POST route0", "plugin request_id", "plugin refuse", "attempt fake"}
    server = spans["POST route0"]
    assert server.kind is SpanKind.SERVER and server.parent is None
    assert spans["attempt fake"].kind is SpanKind.CLIENT
    for name in ("plugin request_id", "plugin refuse", "attempt fake"):
        child = spans[name]
        assert child.parent is not None
        assert child.parent.span_id == server.context.span_id
        assert child.context.trace_id == server.context.trace_id
    attempt = spans["attempt fake"].attributes or {}
    assert attempt["sluicegate.attempt"] == 1 and attempt["sluicegate.target"] == "fake"
    assert attempt["http.response.status_code"] == 200
    assert (server.attributes or {})["http.response.status_code"] == 200


async def test_incoming_traceparent_is_the_parent_and_reaches_the_provider() -> None:
    h, exporter = traced()
    await h.request(
        "POST",
        json=body(),
        headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": "vendor=abc"},
    )
    spans = by_name(exporter)
    server, attempt = spans["POST route0"], spans["attempt fake"]
    assert hexid(server.context.trace_id, 32) == TRACE_ID
    assert server.parent is not None and hexid(server.parent.span_id) == PARENT_ID
    sent = h.upstream.requests[0].headers
    version, trace_id, parent_id, flags = sent["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert parent_id == hexid(attempt.context.span_id)  # the provider hangs under the attempt
    assert sent["tracestate"] == "vendor=abc"
    assert list(sent).count("traceparent") == 1


async def test_untrusted_incoming_traceparent_starts_a_new_trace() -> None:
    h, exporter = traced({"trust_incoming": False})
    await h.request("POST", json=body(), headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    server = by_name(exporter)["POST route0"]
    assert server.parent is None and hexid(server.context.trace_id, 32) != TRACE_ID
    assert TRACE_ID not in h.upstream.requests[0].headers["traceparent"]


class SetsTraceHeaders(Plugin):
    """A plugin after tracing that puts W3C headers of its own on the provider request."""

    name = "sets_trace_headers"

    async def on_request(self, ex: Exchange) -> None:
        ex.request_headers["traceparent"] = f"00-{TRACE_ID}-{PARENT_ID}-01"
        ex.request_headers["tracestate"] = "planted=1"


def recording_upstream() -> tuple[FakeUpstream, list[list[tuple[str, str]]]]:
    """A provider that keeps every request's header list as sent (duplicates included)."""
    sent: list[list[tuple[str, str]]] = []
    upstream = FakeUpstream()
    answer = upstream.reply
    assert isinstance(answer, FakeReply)

    def reply(request: UpstreamRequest, _: bytes) -> FakeReply:
        sent.append(list(request.headers))
        return answer

    upstream.reply = reply
    return upstream, sent


def only_ours(headers: list[tuple[str, str]], attempt: ReadableSpan) -> None:
    """The provider sees one traceparent, the attempt span's, and no other W3C header."""
    assert attempt.context is not None
    context = attempt.context
    ours = f"00-{hexid(context.trace_id, 32)}-{hexid(context.span_id)}-{context.trace_flags:02x}"
    assert [v for k, v in headers if k.lower() == "traceparent"] == [ours]
    assert not [k for k, _ in headers if k.lower() == "tracestate"]


async def test_trace_headers_from_the_client_or_a_later_plugin_are_replaced() -> None:
    """Whoever put a traceparent/tracestate on the request before the attempt — the client
    (untrusted here) or a plugin after tracing — the provider gets only the attempt's own:
    the core's pass over the headers tells the trace there is one to replace."""
    for headers, plugins in (
        ({"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01", "tracestate": "vendor=abc"}, []),
        ({}, [(SetsTraceHeaders, {})]),
    ):
        upstream, sent = recording_upstream()
        h = Harness([(Tracing, {"trust_incoming": False}), *plugins], upstream)
        exporter = InMemorySpanExporter()
        tracing = h.chain.plugins[0]
        assert isinstance(tracing, Tracing)
        tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
        assert (await h.request("POST", json=body(), headers=headers)).status == 200
        only_ours(sent[0], by_name(exporter)["attempt fake"])


async def test_a_trace_header_the_provider_config_adds_is_replaced() -> None:
    """A provider whose configured headers carry a traceparent (any case) gets the attempt's
    instead, as when the client sent one; a request without any sends exactly one."""
    for extra in ({"TraceParent": f"00-{TRACE_ID}-{PARENT_ID}-01"}, {}):
        upstream, sent = recording_upstream()
        provider = Provider("fake", ProviderConfig(type="mock", headers=extra), upstream)
        assert provider.adds_propagation is bool(extra)
        group = UpstreamGroup(
            "test",
            UpstreamConfig.model_validate({"targets": [{"provider": "fake"}]}),
            {"fake": provider},
        )
        h = Harness([(Tracing, {})], group=group)
        exporter = InMemorySpanExporter()
        tracing = h.chain.plugins[0]
        assert isinstance(tracing, Tracing)
        tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
        assert (await h.request("POST", json=body())).status == 200
        only_ours(sent[0], by_name(exporter)["attempt fake"])


async def test_genai_attributes_from_routing_and_usage() -> None:
    h, exporter = traced()
    await h.request("POST", json=body())
    attributes = by_name(exporter)["POST route0"].attributes or {}
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.system"] == "fake"
    assert attributes["gen_ai.request.model"] == "m"
    # The model the provider's body names (the fake answers "test-model"), not the one asked.
    assert attributes["gen_ai.response.model"] == "test-model"
    assert attributes["gen_ai.usage.input_tokens"] == 5
    assert attributes["gen_ai.usage.output_tokens"] == 1


async def test_response_model_is_absent_when_the_provider_names_none() -> None:
    reply = {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": 1}}
    h, exporter = traced(upstream=FakeUpstream(FakeReply.json(reply)))
    await h.request("POST", json=body())
    attributes = by_name(exporter)["POST route0"].attributes or {}
    assert attributes["gen_ai.request.model"] == "m"
    assert "gen_ai.response.model" not in attributes


async def test_streamed_response_model_comes_from_the_events() -> None:
    events = [
        {"model": "m-2025-01-01", "choices": [{"delta": {"content": "a"}}]},
        {
            "model": "m-2025-01-01",
            "choices": [],
            "usage": {"prompt_tokens": 4, "completion_tokens": 2},
        },
    ]
    h, exporter = traced(upstream=FakeUpstream(FakeReply.sse(events)))
    result = await h.request("POST", json={**body(), "stream": True})
    assert result.exchange.usage.response_model == "m-2025-01-01"
    attributes = by_name(exporter)["POST route0"].attributes or {}
    assert attributes["gen_ai.response.model"] == "m-2025-01-01"
    assert attributes["gen_ai.usage.output_tokens"] == 2
    assert b'"usage"' not in result.body  # the client did not ask for the usage event


class Slow(Plugin):
    """Awaits 20 ms in its request hook: always past a 1 ms plugin_span_min."""

    name = "slow"

    async def on_request(self, ex: Exchange) -> None:
        await asyncio.sleep(0.02)


async def test_by_default_only_plugins_that_did_work_get_a_span() -> None:
    # Fast hooks that neither refused nor failed (request_id, refuse letting it through)
    # are left out; a refusal always gets its span, whatever it took.
    h, exporter = traced({"plugin_span_min": "10s"})
    await h.request("POST", json=body())
    assert set(by_name(exporter)) == {"POST route0", "attempt fake"}
    exporter.clear()
    await h.request("POST", json=body(), headers={"x-refuse": "1"})
    refusal = by_name(exporter)["plugin refuse"]
    assert (refusal.attributes or {})["sluicegate.refused"] == 429
    assert refusal.start_time is not None and refusal.end_time is not None
    assert refusal.start_time <= refusal.end_time


async def test_a_slow_plugin_gets_a_span_with_its_own_duration() -> None:
    h = Harness([(Tracing, {"plugin_span_min": "1ms"}), (Slow, {})])
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Tracing)
    exporter = InMemorySpanExporter()
    plugin.provider.add_span_processor(SimpleSpanProcessor(exporter))
    await h.request("POST", json=body())
    spans = by_name(exporter)
    slow, server = spans["plugin slow"], spans["POST route0"]
    assert slow.parent is not None and slow.parent.span_id == server.context.span_id
    assert slow.start_time is not None and slow.end_time is not None
    assert slow.end_time - slow.start_time >= 19_000_000  # the 20 ms hook (ns; clock slack)
    assert server.start_time is not None and slow.start_time >= server.start_time


def _all_text(exporter: InMemorySpanExporter) -> str:
    parts = []
    for span in exporter.get_finished_spans():
        parts.append(repr(dict(span.attributes or {})))
        parts.extend(repr(dict(event.attributes or {})) for event in span.events)
    return "\n".join(parts)


async def test_prompt_and_completion_are_not_recorded_by_default() -> None:
    reply = FakeReply.json({"choices": [{"message": {"content": "SECRET ANSWER"}}], "model": "m"})
    h, exporter = traced(upstream=FakeUpstream(reply))
    await h.request("POST", json=body(SECRET_PROMPT))
    text = _all_text(exporter)
    assert "4111" not in text and "SECRET ANSWER" not in text
    assert "on_chunk" not in implemented_hooks(type(h.chain.plugins[0]))


async def test_record_content_records_prompt_and_streamed_completion() -> None:
    reply = FakeReply.sse(
        [
            {"choices": [{"delta": {"content": "SECRET "}}]},
            {"choices": [{"delta": {"content": "ANSWER"}}]},
        ]
    )
    h, exporter = traced({"record_content": True}, FakeUpstream(reply))
    await h.request("POST", json={**body(SECRET_PROMPT), "stream": True})
    server = by_name(exporter)["POST route0"]
    events = {event.name: dict(event.attributes or {}) for event in server.events}
    assert "4111 1111" in str(events["gen_ai.content.prompt"]["gen_ai.prompt"])
    assert events["gen_ai.content.completion"]["gen_ai.completion"] == "SECRET ANSWER"


async def test_sampling_zero_exports_nothing_but_still_propagates() -> None:
    h, exporter = traced({"sample_ratio": 0})
    await h.request("POST", json=body())
    assert exporter.get_finished_spans() == ()
    flags = h.upstream.requests[0].headers["traceparent"].rsplit("-", 1)[1]
    assert int(flags, 16) & 1 == 0  # the provider is told: not sampled


async def test_a_sampled_parent_wins_over_a_zero_ratio() -> None:
    h, exporter = traced({"sample_ratio": 0, "plugin_span_min": 0})
    await h.request("POST", json=body(), headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    assert len(exporter.get_finished_spans()) == 4


async def test_a_refusal_is_marked_on_the_plugin_span_and_ends_the_server_span() -> None:
    h, exporter = traced()
    result = await h.request("POST", json=body(), headers={"x-refuse": "1"})
    assert result.status == 429
    spans = by_name(exporter)
    assert "attempt fake" not in spans
    assert (spans["plugin refuse"].attributes or {})["sluicegate.refused"] == 429
    server = spans["POST route0"]
    assert (server.attributes or {})["http.response.status_code"] == 429
    assert server.status.status_code is StatusCode.UNSET  # a 4xx is the client's, not ours


async def test_a_provider_failure_marks_attempt_and_server_span_as_errors() -> None:
    h, exporter = traced(upstream=FakeUpstream(FakeReply.json({"error": "x"}, 502)))
    result = await h.request("POST", json=body())
    assert result.status == 502
    spans = by_name(exporter)
    assert spans["attempt fake"].status.status_code is StatusCode.ERROR
    assert spans["POST route0"].status.status_code is StatusCode.ERROR


async def test_access_line_carries_the_trace_id() -> None:
    h, exporter = traced()
    result = await h.request("POST", json=body())
    stream = io.BytesIO()
    AccessLog(stream).write(result.exchange)
    line = orjson.loads(stream.getvalue())
    server = by_name(exporter)["POST route0"]
    assert line["trace_id"] == hexid(server.context.trace_id, 32)


def test_otlp_without_the_extra_fails_at_load_naming_it() -> None:
    services = Services(store=MemoryStore(), metrics=Metrics())
    with pytest.raises(RuntimeError, match=r"sluicegate\[otlp\]"):
        Tracing(Tracing.Options(exporter="otlp"), services)


@pytest.mark.parametrize(
    "options",
    [
        {"sample_ratio": 1.5},
        {"exporter": "jaeger"},
        {"otlp_endpoint": "http://127.0.0.1:4318"},
        {"sampling": 1},
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Tracing.Options.model_validate(options)


async def test_the_server_span_ends_with_the_exchange_without_a_complete_hook() -> None:
    # The reporter ends the span through RequestTrace.finish: no on_complete hook, so no
    # background task per traced request.
    h, exporter = traced()
    assert "on_complete" not in implemented_hooks(type(h.chain.plugins[0]))
    assert not h.chain.has_complete
    await h.request("POST", json=body())
    assert "POST route0" in by_name(exporter)
    content, _ = traced({"record_content": True})
    assert "on_complete" in implemented_hooks(type(content.chain.plugins[0]))


async def test_a_failing_finish_is_logged_and_never_fails_the_request(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    h, exporter = traced()

    def broken(ex: Exchange, attributes: dict[str, Any]) -> None:
        raise RuntimeError("attribute bug")

    monkeypatch.setattr(h.chain.plugins[0], "_add_attributes", broken)
    result = await h.request("POST", json=body())
    assert result.status == 200 and result.json()["id"] == "chatcmpl-test"
    assert "trace finish failed" in caplog.text
    assert [s.name for s in exporter.get_finished_spans()].count("POST route0") == 1
    second = await h.request("POST", json=body())  # the next request is traced as usual
    assert second.status == 200
