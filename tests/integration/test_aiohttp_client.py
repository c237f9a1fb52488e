"""The production UpstreamClient against a real local provider: ``body_done`` is exact."""

from __future__ import annotations

import asyncio

import orjson

from proxy.upstream.aiohttp_client import AiohttpClient
from proxy.upstream.client import UpstreamRequest
from tests.fixtures.upstreams import FakeProvider


def _chat(provider: FakeProvider, stream: bool) -> UpstreamRequest:
    body = {"model": "m", "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    return UpstreamRequest(
        "POST",
        f"{provider.url}/chat/completions",
        [("content-type", "application/json")],
        orjson.dumps(body),
    )


async def _read(provider: FakeProvider, stream: bool) -> list[tuple[bytes, bool]]:
    client = AiohttpClient()
    try:
        response = await client.send(_chat(provider, stream))
        seen = [(chunk, response.body_done()) async for chunk in response.chunks()]
        await response.aclose()
        return seen
    finally:
        await client.close()


async def test_a_json_body_is_done_with_its_last_chunk(fake_provider: FakeProvider) -> None:
    seen = await _read(fake_provider, stream=False)
    assert orjson.loads(b"".join(chunk for chunk, _ in seen))["object"] == "chat.completion"
    assert seen[-1][1] is True
    assert all(done is False for _, done in seen[:-1])


async def test_a_stream_is_not_done_while_events_are_still_coming(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.gate = asyncio.Event()  # the provider holds the stream after its first event
    client = AiohttpClient()
    try:
        response = await client.send(_chat(fake_provider, stream=True))
        chunks = response.chunks()
        first = await anext(chunks)
        assert first.startswith(b"data: ") and response.body_done() is False
        fake_provider.gate.set()
        rest = [chunk async for chunk in chunks]
        assert response.body_done() is True  # read to the end
        await response.aclose()
    finally:
        await client.close()
    assert b"[DONE]" in b"".join(rest)
