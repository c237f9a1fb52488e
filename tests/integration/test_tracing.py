"""Tracing over real sockets: the provider receives the request's trace, one attempt span per
try (with the retry reason), GenAI attributes from the provider's real usage block."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from plugins.tracing import Tracing
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.upstreams import FakeProvider

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}

POLICY = """
[[plugins]]
use = "tracing"
sample_ratio = 1.0

[[plugins]]
use = "request_id"
"""


def config(*providers: FakeProvider) -> str:
    tables = "".join(
        f"""
[providers.{p.name}]
type = "openai"
base_url = "{p.url}"
api_key = "test"
"""
        for p in providers
    )
    targets = ", ".join(f'{{ provider = "{p.name}" }}' for p in providers)
    return f"""{tables}
[upstreams.chat]
balance = "failover"
targets = [{targets}]
retry = {{ attempts = 2, backoff = "1ms", max_backoff = "1ms", budget = 1.0 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "traced"
upstream = "chat"
"""


def capture(gw: RunningGateway) -> InMemorySpanExporter:
    plugin = gw.gateway.runtime.chains["traced"].plugins[0]
    assert isinstance(plugin, Tracing)
    exporter = InMemorySpanExporter()
    plugin.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def finished(gw: RunningGateway, exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    await gw.settled()  # on_complete ends the server span
    return list(exporter.get_finished_spans())


async def test_provider_receives_the_clients_trace_under_the_attempt_span(
    gateway_factory, fake_provider
):
    gw = await gateway_factory(config(fake_provider), {"traced": POLICY})
    exporter = capture(gw)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{gw.url}/v1/chat/completions",
            json=CHAT,
            headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
        )
    assert response.status_code == 200
    spans = {s.name: s for s in await finished(gw, exporter)}
    server, attempt = spans["POST route0"], spans["attempt fake"]
    assert server.parent is not None and format(server.parent.span_id, "016x") == PARENT_ID
    received = fake_provider.requests[0].headers["traceparent"]
    _, trace_id, parent_id, _ = received.split("-")
    assert trace_id == TRACE_ID
    assert parent_id == format(attempt.context.span_id, "016x")
    attributes = server.attributes or {}
    assert attributes["gen_ai.system"] == "fake"
    assert attributes["gen_ai.request.model"] == "fake-model"
    assert attributes["gen_ai.response.model"] == "fake-model"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (
        10,
        5,
    )


async def test_a_failover_shows_two_attempts_with_the_reason(
    gateway_factory, fake_provider_factory
):
    broken = await fake_provider_factory(name="broken", mode="500")
    healthy = await fake_provider_factory(name="healthy")
    gw = await gateway_factory(config(broken, healthy), {"traced": POLICY})
    exporter = capture(gw)
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert response.status_code == 200
    spans = await finished(gw, exporter)
    attempts = sorted(
        (s for s in spans if s.name.startswith("attempt ")),
        key=lambda s: (s.attributes or {})["sluicegate.attempt"],
    )
    assert [s.name for s in attempts] == ["attempt broken", "attempt healthy"]
    assert (attempts[0].attributes or {})["http.response.status_code"] == 500
    assert (attempts[1].attributes or {})["sluicegate.retry_reason"] == "500"
    server = next(s for s in spans if s.name == "POST route0")
    assert {a.parent.span_id for a in attempts if a.parent} == {server.context.span_id}
    sent = [broken.requests[0].headers["traceparent"], healthy.requests[0].headers["traceparent"]]
    assert {tp.split("-")[1] for tp in sent} == {format(server.context.trace_id, "032x")}
    assert sent[0].split("-")[2] != sent[1].split("-")[2]  # each under its own attempt
