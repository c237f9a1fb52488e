"""What the production client puts on the wire, byte for byte, against stock aiohttp.

``proxy.upstream.aiohttp_request`` sends requests through aiohttp's connector without
``ClientSession.request``; a provider must see exactly what ``ClientSession.request`` with the
session's settings (no automatic User-Agent, Accept-Encoding or Content-Type) sent: the same
head in the same order, the same framing, the same body, for every kind of body. And the
one retry aiohttp makes (an idempotent request on a kept-alive connection the provider
dropped) is made, and a POST is not sent twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest

from proxy.upstream.aiohttp_client import _SKIP_AUTO_HEADERS, AiohttpClient
from proxy.upstream.client import UpstreamConnectError, UpstreamRequest

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


@dataclass
class RawProvider:
    """Records each request's bytes as received; answers ``ok``. With ``drop_second``, the
    second request on a connection is read and the connection closed without an answer (a
    provider whose keep-alive timer ran out as the request arrived)."""

    drop_second: bool = False
    requests: list[bytes] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for served in range(100):
                head = await reader.readuntil(b"\r\n\r\n")
                body = await _body(reader, head)
                self.requests.append(head + body)
                if self.drop_second and served == 1:
                    break
                writer.write(_ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def _body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    lines = head.lower().split(b"\r\n")
    if b"transfer-encoding: chunked" in lines:
        body = b""
        while not body.endswith(b"0\r\n\r\n"):
            body += await reader.readuntil(b"\r\n")
        return body
    length = next((int(line[15:]) for line in lines if line.startswith(b"content-length:")), 0)
    return await reader.readexactly(length)


async def _chunks() -> AsyncIterator[bytes]:
    for part in (b'{"model": ', b'"m", "input": ', b'"' + b"x" * 5000 + b'"}'):
        yield part


# method, extra headers, body ("stream": an async iterator of three chunks)
CASES: list[tuple[str, list[tuple[str, str]], bytes | str | None]] = [
    ("POST", [("content-type", "application/json")], b'{"model": "m"}'),
    ("POST", [("accept", "text/event-stream"), ("x-request-id", "r1")], b"{}"),
    ("POST", [], None),
    ("POST", [("content-type", "application/json")], b""),
    ("POST", [("content-type", "application/json")], b"y" * 200_000),  # past the write buffer
    ("POST", [("content-type", "application/json")], "stream"),
    ("GET", [("authorization", "Bearer k")], None),
    ("DELETE", [], None),
    ("PUT", [("content-type", "audio/wav")], b"RIFF...."),
    ("POST", [("host", "provider.example"), ("x-a", "1"), ("x-a", "2")], b"{}"),
]


@pytest.mark.parametrize(("method", "headers", "body"), CASES)
async def test_the_provider_sees_what_stock_aiohttp_sends(
    method: str, headers: list[tuple[str, str]], body: bytes | str | None
) -> None:
    provider = RawProvider()
    origin = await provider.start()
    url = f"{origin}/v1/chat/completions?api-version=1"
    client = AiohttpClient()
    try:
        async with aiohttp.ClientSession(
            auto_decompress=False,
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            cookie_jar=aiohttp.DummyCookieJar(),
        ) as stock:
            data = _chunks() if body == "stream" else body
            async with stock.request(
                method, url, headers=headers, data=data, allow_redirects=False
            ) as answer:
                assert await answer.read() == b"ok"
        ours = _chunks() if body == "stream" else body
        assert not isinstance(ours, str)
        response = await client.send(UpstreamRequest(method, url, headers, ours))
        assert response.status == 200
        assert b"".join([chunk async for chunk in response.chunks()]) == b"ok"
        await response.aclose()
    finally:
        await client.close()
        await provider.stop()
    expected, sent = provider.requests
    assert sent == expected


async def test_an_idempotent_request_is_sent_again_once_when_a_kept_alive_connection_drops() -> (
    None
):
    provider = RawProvider(drop_second=True)
    origin = await provider.start()
    get = UpstreamRequest("GET", f"{origin}/v1/models", [], None)
    post = UpstreamRequest("POST", f"{origin}/v1/chat/completions", [], b"{}")
    try:
        for request, tries in ((get, 2), (post, 1)):
            provider.requests.clear()
            client = AiohttpClient()
            try:
                first = await client.send(request)  # a new connection: answered, then pooled
                await first.chunks().__anext__()
                await first.aclose()
                if request is get:  # the pooled connection is dropped: a new one answers
                    again = await client.send(request)
                    assert again.status == 200
                    await again.aclose()
                else:  # a POST the provider may have seen is never sent twice
                    with pytest.raises(UpstreamConnectError):
                        await client.send(request)
                assert len(provider.requests) == 1 + tries
                assert client.pool.in_flight == 0
            finally:
                await client.close()
    finally:
        await provider.stop()
