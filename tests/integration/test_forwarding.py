"""Forwarding through real sockets: streaming, disconnects, header hygiene, errors."""

from __future__ import annotations

import asyncio

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.upstreams import FakeProvider, one_provider_config

pytestmark = BOTH_ENGINES

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


def config_for(provider: FakeProvider, upstream: str = "") -> str:
    return one_provider_config(
        provider,
        model="fake-model-8b",
        api_key="sk-provider-secret",
        upstream='timeouts = { connect = "1s", first_byte = "1s", total = "20s" }\n' + upstream,
    )


POLICY = '[[plugins]]\nuse = "request_id"\n'


async def test_stream_chunks_reach_the_client_before_the_upstream_finishes(
    gateway_factory, fake_provider
):
    fake_provider.gate = asyncio.Event()
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream(
            "POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        first = await asyncio.wait_for(anext(lines), 5)
        # The provider is still held at its gate: the first token got through on its own.
        assert first.startswith("data: ")
        assert b"tok0" in first.encode()
        assert fake_provider.completed_streams == 0
        fake_provider.gate.set()
        rest = [line async for line in lines if line]
    assert rest[-1] == "data: [DONE]"
    assert fake_provider.completed_streams == 1


async def test_client_disconnect_cancels_the_upstream_request(gateway_factory, fake_provider):
    fake_provider.gate = asyncio.Event()
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with (
        httpx.AsyncClient(timeout=10) as client,
        client.stream(
            "POST", f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True}
        ) as response,
    ):
        await asyncio.wait_for(anext(response.aiter_lines()), 5)
        assert fake_provider.in_flight == 1
    # The client is gone; the gateway must drop the provider connection.
    for _ in range(100):
        if fake_provider.disconnects:
            break
        await asyncio.sleep(0.05)
    assert fake_provider.disconnects == 1
    assert fake_provider.completed_streams == 0
    status = await gw.status()
    assert status["upstreams"]["chat"]["targets"][0]["in_flight"] == 0


async def test_hop_by_hop_headers_and_client_credentials_never_reach_the_provider(
    gateway_factory, fake_provider
):
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    headers = {
        "Authorization": "Bearer client-token-must-not-leak",
        "Connection": "keep-alive, X-Private-Hop",
        "X-Private-Hop": "secret",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic abc",
        "TE": "trailers",
        "Upgrade": "h2c",
        "X-Custom": "kept",
        "X-Forwarded-For": "6.6.6.6",
    }
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT, headers=headers)
    assert response.status_code == 200
    seen = fake_provider.requests[-1].headers
    for name in ("x-private-hop", "keep-alive", "proxy-authorization", "te", "upgrade"):
        assert name not in seen, name
    assert seen["authorization"] == "Bearer sk-provider-secret"
    assert seen["x-custom"] == "kept"
    # The peer is not a trusted proxy, so its X-Forwarded-For is replaced, not extended.
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert "client-token-must-not-leak" not in str(seen)


async def test_the_public_alias_is_mapped_to_the_provider_model(gateway_factory, fake_provider):
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
        unknown = await client.post(
            f"{gw.url}/v1/chat/completions", json={**CHAT, "model": "no-such-model"}
        )
    assert response.status_code == 200
    assert fake_provider.requests[-1].json()["model"] == "fake-model-8b"
    assert fake_provider.requests[-1].json()["messages"] == CHAT["messages"]
    assert unknown.status_code == 404
    error = unknown.json()["error"]
    assert error["type"] == "model_not_found"
    assert "no-such-model" in error["message"] and "chat-fast" in error["message"]
    assert error["request_id"] == unknown.headers["x-request-id"]
    assert len(fake_provider.requests) == 1


async def test_connect_error_is_a_502_and_timeout_a_504(gateway_factory, fake_provider):
    gw = await gateway_factory(
        config_for(fake_provider, upstream="retry = { attempts = 1 }"), {"default": POLICY}
    )
    async with httpx.AsyncClient(timeout=10) as client:
        fake_provider.mode = "hang"
        timed_out = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
        await fake_provider.refuse()
        refused = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
    assert timed_out.status_code == 504
    assert timed_out.json()["error"]["type"] == "upstream_timeout"
    assert refused.status_code == 502
    assert refused.json()["error"]["type"] == "upstream_unavailable"
    assert "traceback" not in refused.text.lower()


async def test_mid_stream_failure_ends_with_an_sse_error_event(gateway_factory, fake_provider):
    fake_provider.mode = "die_mid_stream"
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True})
    events = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    assert response.status_code == 200
    assert events[-1] == "[DONE]"
    error = orjson.loads(events[-2])["error"]
    assert error["type"] == "upstream_error" and error["code"] == 502
    assert b"tok0" in response.content  # what was streamed before the failure was kept


async def test_usage_is_read_from_json_and_streams_and_the_extra_event_is_stripped(
    gateway_factory, fake_provider
):
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        plain = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
        streamed = await client.post(f"{gw.url}/v1/chat/completions", json={**CHAT, "stream": True})
        asked = await client.post(
            f"{gw.url}/v1/chat/completions",
            json={**CHAT, "stream": True, "stream_options": {"include_usage": True}},
        )
        await gw.settled()  # tokens are counted after the last byte, in the complete phase
        metrics = (await client.get(f"{gw.admin_url}/-/metrics")).text
    assert plain.status_code == streamed.status_code == asked.status_code == 200
    # The gateway asked the provider for usage on the client's behalf ...
    assert fake_provider.requests[1].json()["stream_options"] == {"include_usage": True}
    # ... and removed that event again, while a client that asked for it keeps it.
    assert '"usage"' not in streamed.text and streamed.text.endswith("data: [DONE]\n\n")
    assert '"usage"' in asked.text
    # 10 prompt + 5 completion (JSON) and 10 + 5 chunks for each stream.
    line = 'sluicegate_tokens_total{direction="input",model="fake-model-8b",provider="fake"}'
    assert f"{line} 30.0" in metrics


async def test_an_answer_slower_than_the_watcher_is_not_taken_for_a_disconnect(
    gateway_factory, fake_provider
):
    """A request still running after 50 ms gets a disconnect watcher reading ``receive``.
    Granian answers that read with ``http.disconnect`` as soon as the response is sent, on a
    connection that stays open: the request is still an answered one (2xx), not a 499."""
    fake_provider.mode = "slow_first_byte"
    fake_provider.first_byte_delay = 0.2
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(4):
            response = await client.post(f"{gw.url}/v1/chat/completions", json=CHAT)
            assert response.status_code == 200
    await gw.settled()
    metrics = (await gw.client.get(f"{gw.admin_url}/-/metrics")).text
    classes = {
        sample.labels["status_class"]: sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "sluicegate_requests"
        for sample in family.samples
        if sample.name == "sluicegate_requests_total"
    }
    assert classes == {"2xx": 4}


async def test_bodies_of_every_framing_are_read_whole_on_one_kept_alive_connection(
    gateway_factory, fake_provider
):
    """Under Granian a body ends where its Content-Length says, without waiting for the
    server's empty last message: the provider gets every byte, and the connection is kept
    alive for the next request whether that body was sized, chunked, or in several pieces."""
    gw = await gateway_factory(config_for(fake_provider), {"default": POLICY})
    host, port = gw.url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    body = orjson.dumps({**CHAT, "messages": [{"role": "user", "content": "x" * 3000}]})
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
    )
    sized = f"{head}content-length: {len(body)}\r\n\r\n".encode() + body
    chunked = f"{head}transfer-encoding: chunked\r\n\r\n{len(body):x}\r\n".encode()
    chunked += body + b"\r\n0\r\n\r\n"
    try:
        for request in (sized, chunked, sized):
            writer.write(request)
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 10)
            assert status.startswith(b"HTTP/1.1 200"), status
            length = 0
            while (line := await reader.readline()) != b"\r\n":
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        # The same body in pieces: the head and half, then the rest after a pause.
        writer.write(sized[: len(sized) - 1500])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(sized[len(sized) - 1500 :])
        status = await asyncio.wait_for(reader.readline(), 10)
        assert status.startswith(b"HTTP/1.1 200"), status
    finally:
        writer.close()
    sent = orjson.loads(body)["messages"]
    assert [r.json()["messages"] for r in fake_provider.requests] == [sent] * 4
