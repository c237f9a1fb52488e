"""The production UpstreamClient against a real local provider: ``body_done`` is exact, and
the pool wait is bounded (a full pool answers busy; every way a response ends frees its slot)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import aiohttp
import orjson
import pytest

from proxy.upstream.aiohttp_client import AiohttpClient
from proxy.upstream.client import (
    UpstreamBusy,
    UpstreamConnectError,
    UpstreamRequest,
    UpstreamTimeout,
)
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


async def test_a_full_pool_answers_busy_after_the_pool_wait_and_frees_with_the_stream(
    fake_provider: FakeProvider,
) -> None:
    """One connection, held by a stream: the next request waits pool_wait, then is told
    to come back (UpstreamBusy with Retry-After), never queued without bound; the slot
    comes back when the stream ends, and a waiter within pool_wait gets it."""
    fake_provider.gate = asyncio.Event()
    client = AiohttpClient(max_connections=1, pool_wait=0.2)
    try:
        held = await client.send(_chat(fake_provider, stream=True))
        with pytest.raises(UpstreamBusy) as caught:
            await client.send(_chat(fake_provider, stream=False))
        assert caught.value.retry_after >= 1 and caught.value.kind == "busy"
        client.pool.max_wait = 5.0  # now long enough for the stream to end
        waiting = asyncio.create_task(client.send(_chat(fake_provider, stream=False)))
        await asyncio.sleep(0.05)
        assert not waiting.done() and client.pool.queued == 1
        fake_provider.gate.set()
        assert b"[DONE]" in b"".join([chunk async for chunk in held.chunks()])
        await held.aclose()
        answer = await asyncio.wait_for(waiting, 5)
        assert answer.status == 200
        await answer.aclose()
        assert client.pool.in_flight == 0
    finally:
        await client.close()


async def test_a_stream_closed_half_read_or_failing_to_connect_gives_its_slot_back(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.gate = asyncio.Event()
    client = AiohttpClient(max_connections=1, pool_wait=0.1)
    try:
        response = await client.send(_chat(fake_provider, stream=True))
        await anext(response.chunks())
        await response.aclose()  # the client went away mid-stream
        assert client.pool.in_flight == 0
        unreachable = UpstreamRequest(
            "GET", f"http://127.0.0.1:{_closed_port()}/v1/models", [], None
        )
        with pytest.raises(UpstreamConnectError):
            await client.send(unreachable)
        assert client.pool.in_flight == 0
        fake_provider.gate.set()
        again = await client.send(_chat(fake_provider, stream=False))
        assert again.status == 200
        await again.aclose()
    finally:
        await client.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _silent_provider() -> tuple[asyncio.Server, str, asyncio.Event]:
    """A provider that takes the request and never answers; the event is set once a
    request has reached it."""
    asked = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        asked.set()
        await asyncio.sleep(30)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/v1/models", asked


async def test_a_silent_provider_times_out_but_a_stalled_gateway_is_busy() -> None:
    server, url, asked = await _silent_provider()
    client = AiohttpClient()
    request = UpstreamRequest("GET", url, [], None, first_byte_timeout=0.3)
    try:
        with pytest.raises(UpstreamTimeout) as silent:
            await client.send(request)  # the loop ran freely: the provider's fault, a 504
        assert silent.value.kind == "timeout" and not isinstance(silent.value, UpstreamBusy)
        asked.clear()
        waiting = asyncio.create_task(client.send(request))
        # Its first-byte timer runs once the request is out (not after a fixed 50 ms, which
        # a loaded machine may not give the connect): then the stall overtakes the timer.
        await asyncio.wait_for(asked.wait(), 30)
        time.sleep(0.6)  # the loop stalls past the first-byte timer (a burst of new streams)
        with pytest.raises(UpstreamBusy) as stalled:
            await waiting
        assert stalled.value.kind == "busy" and client.pool.in_flight == 0
    finally:
        await client.close()
        server.close()


async def test_a_connect_lost_to_a_stall_is_tried_again_and_a_second_loss_is_busy(
    fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connect timer that expired while the loop was stalled sent nothing to the provider:
    tried once more; lost again, the request is busy (503), never a 504."""
    client = AiohttpClient()
    real = client._call
    calls: list[int] = []

    async def stall() -> Any:
        time.sleep(0.3)  # the loop stalls past the tick LoopLag expects every 50 ms
        await asyncio.sleep(0.01)  # then the connect timer fires, after that overdue tick
        raise aiohttp.ConnectionTimeoutError("Connection timeout to host")

    def stalled_connect(request: UpstreamRequest) -> Any:
        calls.append(1)
        return stall() if len(calls) <= stalls else real(request)

    monkeypatch.setattr(client, "_call", stalled_connect)
    try:
        stalls = 1
        response = await client.send(_chat(fake_provider, stream=False))
        assert response.status == 200 and len(calls) == 2
        await response.aclose()
        calls.clear()
        stalls = 2
        with pytest.raises(UpstreamBusy):
            await client.send(_chat(fake_provider, stream=False))
        assert len(calls) == 2 and client.pool.in_flight == 0
    finally:
        await client.close()


async def test_the_provider_gets_the_given_headers_and_no_automatic_ones(
    fake_provider: FakeProvider,
) -> None:
    """Nothing of aiohttp's own reaches the provider (no User-Agent, Accept-Encoding or a
    Content-Type of its choosing) but the framing and ``Accept: */*`` when none was sent."""
    client = AiohttpClient()
    try:
        for given in ([("content-type", "application/json")], [("accept", "text/plain")], []):
            chat = _chat(fake_provider, stream=False)
            request = UpstreamRequest(chat.method, chat.url, given, chat.body)
            response = await client.send(request)
            await response.aclose()
    finally:
        await client.close()
    seen = [{k.lower(): v for k, v in r.headers.items()} for r in fake_provider.requests]
    assert [sorted(headers) for headers in seen] == [
        ["accept", "content-length", "content-type", "host"],
        ["accept", "content-length", "host"],
        ["accept", "content-length", "host"],
    ]
    assert [headers["accept"] for headers in seen] == ["*/*", "text/plain", "*/*"]
