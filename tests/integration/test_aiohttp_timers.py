"""The provider connection's read timer and parser (``proxy.upstream.aiohttp_protocol``): kept
across a kept-alive connection's requests, yet every timeout still fires — a short one after
a long one, the first byte and the idle gap — and a HEAD reads no body between two GETs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp.client_reqrep import ClientRequest

from proxy.upstream.aiohttp_client import AiohttpClient, AiohttpResponse
from proxy.upstream.aiohttp_protocol import ProxyResponseHandler
from proxy.upstream.aiohttp_request import provider_url
from proxy.upstream.client import UpstreamBusy, UpstreamRequest, UpstreamTimeout

# Far above every timeout the tests set: a timer that does not fire ends the test here.
_BOUND = 10.0
# Far past the body reader's buffer (twice aiohttp's 64 KiB read size): reading pauses.
_BIG = bytes(range(256)) * 16384


class Provider:
    """Answers by path on kept-alive connections: ``/fast`` "hello", ``/big`` 4 MiB,
    ``/silent`` nothing,
    ``/stall`` the head and "hello", then (once ``more`` is set) "!" and nothing after it;
    counts the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        self.more = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                method, path, _ = head.split(b"\r\n", 1)[0].split(b" ")
                if path == b"/silent":
                    await asyncio.sleep(30)
                elif path == b"/stall":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
                    await writer.drain()
                    await self.more.wait()
                    writer.write(b"!")
                    await writer.drain()
                    await asyncio.sleep(30)
                elif path == b"/big":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(_BIG))
                    writer.write(_BIG)
                    await writer.drain()
                else:
                    body = b"" if method == b"HEAD" else b"hello"
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + body)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}{path}"


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    provider = Provider()
    provider.server = await asyncio.start_server(provider.serve, "127.0.0.1", 0)
    yield provider
    provider.server.close()


def _request(url: str, method: str = "GET", **timeouts: float) -> UpstreamRequest:
    return UpstreamRequest(method, url, [], None, **timeouts)


async def _read(client: AiohttpClient, request: UpstreamRequest) -> tuple[bytes, object]:
    """The body, and the connection's protocol back in the pool after it."""
    response = await client.send(request)
    body = b"".join([chunk async for chunk in response.chunks()])
    await response.aclose()
    assert client._sender is not None
    pooled = [proto for idle in client._sender.connector._conns.values() for proto, _ in idle]
    assert len(pooled) == 1
    return body, pooled[0]


async def test_one_connection_keeps_its_parser_and_timer_and_a_head_reads_no_body(
    provider: Provider,
) -> None:
    client = AiohttpClient()
    try:
        first, protocol = await _read(client, _request(provider.url("/fast")))
        assert isinstance(protocol, ProxyResponseHandler)
        parser, timer = protocol._parser, protocol._read_timeout_handle
        assert timer is not None  # armed by the first request, not cancelled at its end
        second, again = await _read(client, _request(provider.url("/fast")))
        assert again is protocol and protocol._parser is parser
        assert protocol._read_timeout_handle is timer  # no timer of its own per request
        head, _ = await _read(client, _request(provider.url("/fast"), "HEAD"))
        after, _ = await _read(client, _request(provider.url("/fast")))
        assert (first, second, head, after) == (b"hello", b"hello", b"", b"hello")
        assert provider.connections == 1
    finally:
        await client.close()
    assert protocol._read_timeout_handle is None  # closed: the timer went with it


async def test_a_short_first_byte_timeout_after_a_long_one_fires(provider: Provider) -> None:
    """The connection's timer is armed 30 s ahead by the first request; the second one's
    0.3 s deadline is earlier, so it is armed again for that, not left to the long one."""
    client = AiohttpClient()
    try:
        await _read(client, _request(provider.url("/fast"), first_byte_timeout=30.0))
        silent = _request(provider.url("/silent"), first_byte_timeout=0.3, idle_timeout=30.0)
        with pytest.raises((UpstreamTimeout, UpstreamBusy)):  # busy: a loop stalled by CI
            await asyncio.wait_for(client.send(silent), _BOUND)
        assert client.pool.in_flight == 0 and provider.connections == 1
    finally:
        await client.close()


async def test_an_idle_gap_in_the_body_times_out_on_a_reused_connection(
    provider: Provider,
) -> None:
    client = AiohttpClient()
    try:
        await _read(client, _request(provider.url("/fast")))
        stall = _request(provider.url("/stall"), first_byte_timeout=30.0, idle_timeout=0.3)
        response = await client.send(stall)
        chunks = response.chunks()
        assert await anext(chunks) == b"hello"
        # The gap after the head's own read is still the first-byte timer's (as in stock
        # aiohttp); the idle timeout bounds the gaps after the reads that follow.
        provider.more.set()
        assert await anext(chunks) == b"!"
        with pytest.raises(UpstreamTimeout) as idle:
            await asyncio.wait_for(anext(chunks), _BOUND)
        assert idle.value.phase == "idle" and provider.connections == 1
        await response.aclose()
    finally:
        await client.close()


async def test_a_body_past_the_read_buffer_pauses_and_resumes_whole(provider: Provider) -> None:
    client = AiohttpClient()
    try:
        response = await client.send(_request(provider.url("/big")))
        chunks = response.chunks()
        got = [await anext(chunks)]
        assert isinstance(response, AiohttpResponse) and response._response.connection
        protocol = response._response.connection.protocol
        assert isinstance(protocol, ProxyResponseHandler)
        for _ in range(500):  # the provider's bytes pile up while nobody reads them
            if protocol._reading_paused:
                break
            await asyncio.sleep(0.01)
        assert protocol._reading_paused
        got += [chunk async for chunk in chunks]
        assert b"".join(got) == _BIG
        await response.aclose()
        again, _ = await _read(client, _request(provider.url("/fast")))
        assert again == b"hello" and provider.connections == 1
    finally:
        await client.close()


def test_the_pool_key_is_aiohttps_own() -> None:
    for url in ("http://127.0.0.1:8081/v1/chat", "https://api.example.com/v1", "http://h/x"):
        parsed, key = provider_url(url)
        request = ClientRequest("POST", parsed, loop=asyncio.new_event_loop())
        assert key == request.connection_key


async def test_a_body_read_to_its_end_is_released_and_a_half_read_one_is_not(
    provider: Provider,
) -> None:
    """``released()`` lets the core skip ``aclose``: true only once the connection went back."""
    client = AiohttpClient()
    try:
        whole = await client.send(_request(provider.url("/fast")))
        assert [chunk async for chunk in whole.chunks()] == [b"hello"]
        assert whole.released() and client.pool.in_flight == 0
        half = await client.send(_request(provider.url("/big")))
        await anext(half.chunks())
        assert not half.released() and client.pool.in_flight == 1
        await half.aclose()  # a half-read connection is closed, not reused
        assert half.released() and client.pool.in_flight == 0
    finally:
        await client.close()
