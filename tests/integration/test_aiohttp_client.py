"""The production UpstreamClient against a real local provider: ``body_done`` is exact."""

from __future__ import annotations

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
    fake_provider.chunk_delay = 0.01  # each event in its own read
    seen = await _read(fake_provider, stream=True)
    assert len(seen) > 3
    assert not any(done for _, done in seen[:-2])  # early events: the stream goes on
    assert b"[DONE]" in b"".join(chunk for chunk, _ in seen)
