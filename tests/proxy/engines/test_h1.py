"""HTTP/1.1 parsed by llhttp (``proxy.engines.h1``, ``[server] http1 = "httptools"``) against
h11 (``"h11"``), byte for byte: the same raw requests to Hypercorn serving each, with the
gateway's serving config, and the same bytes back — requests and their bodies as the app
saw them, keep-alive, pipelining, 100-continue, HEAD, HTTP/1.0, and the refusals of
``proxy.framing`` (400 or 431 and the connection closed). Where llhttp is stricter than h11
(docs/deploy.md), the request is refused with 400 instead."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Sockets
from hypercorn.utils import wrap_app

import proxy.framing
from proxy.config.models import ServerConfig
from proxy.engines.h1 import HttptoolsProtocol
from proxy.engines.h1_heads import _h11_head, response_head
from proxy.engines.h11_heads import GatewayH11Protocol
from proxy.engines.hypercorn import hypercorn_config

TIMEOUT = 10.0
DATE = re.compile(rb"date: [^\r]*\r\n")
LIMIT = 4096


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with what it was asked: method, target, headers, the body as read."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1003})
        return
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query": scope["query_string"].decode("latin-1"),
        "version": scope["http_version"],
        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in scope["headers"]],
        "body": b"".join(chunks).decode("latin-1"),
    }
    body = orjson.dumps(seen)
    if scope["path"] == "/start-only":  # a head, then the app ends (its body never sent)
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        return
    if scope["path"] == "/too-much":  # more than the declared length: the send raises
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"abc"})
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body[:5], "more_body": True})
        await send({"type": "http.response.body", "body": body[5:]})
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


Serve = Callable[[str], Awaitable[int]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start Hypercorn with ``[server] http1`` set to a protocol; the port."""
    stops: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(http1: str) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.setblocking(False)
        server = ServerConfig(
            listen=["127.0.0.1:0"], admin_listen=None, http1=http1, header_limit=LIMIT
        )
        config = hypercorn_config(server)
        stop = asyncio.Event()
        sockets = Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[])
        wrapped = wrap_app(app, config.wsgi_max_body_size, "asgi")
        serving = worker_serve(wrapped, config, sockets=sockets, shutdown_trigger=stop.wait)
        stops.append((stop, asyncio.create_task(serving)))  # type: ignore[arg-type]
        return int(sock.getsockname()[1])

    try:
        yield start
    finally:
        proxy.framing.head_limit = 64 * 1024
        for stop, task in stops:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, TIMEOUT)


async def exchange(port: int, parts: list[bytes]) -> bytes:
    """Send ``parts`` (one write each), read until the server closes; Date values blanked."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0)
        data = await asyncio.wait_for(reader.read(-1), TIMEOUT)
    finally:
        writer.close()
    return DATE.sub(b"date: D\r\n", data)


def req(
    method: str = "GET", target: str = "/", headers: str = "", body: bytes = b"", v: str = "1.1"
) -> bytes:
    return f"{method} {target} HTTP/{v}\r\nHost: t\r\n{headers}\r\n".encode() + body


CLOSE = "Connection: close\r\n"
LAST = req(headers=CLOSE, target="/last")
CHUNKED = "Transfer-Encoding: chunked\r\n"

# name -> the request bytes, written in one piece or as a list of writes
SAME: dict[str, bytes | list[bytes]] = {
    "get": req(headers=CLOSE),
    "target and query": req(target="/a%20b/c?x=1&y=%2F", headers=CLOSE),
    "absolute target": req(target="http://t/v1/x?q", headers=CLOSE),
    "asterisk": req("OPTIONS", "*", CLOSE),
    "keep-alive then close": req() + LAST,
    "pipelined three": req(target="/1") + req("POST", "/2", "Content-Length: 3\r\n", b"abc") + LAST,
    "pipelined in pieces": [req(target="/1")[:7], req(target="/1")[7:] + LAST[:20], LAST[20:]],
    "content-length body": req("POST", "/", "Content-Length: 5\r\n" + CLOSE, b"hello"),
    "body across writes": [
        req("POST", "/", "Content-Length: 11\r\n" + CLOSE, b"hel"),
        b"lo wo",
        b"rld",
    ],
    "a byte after a closing request": req("POST", "/", "Content-Length: 2\r\n" + CLOSE, b"okX"),
    "chunked body": req("POST", "/", CHUNKED + CLOSE, b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
    "chunked with extension and trailers": req(
        "POST", "/", CHUNKED + CLOSE, b"3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
    ),
    "chunked in pieces": [
        req("POST", "/", CHUNKED, b"3\r\na"),
        b"bc\r\n0\r",
        b"\n\r\n" + LAST,
    ],
    "expect 100-continue": [
        req("POST", "/", "Expect: 100-continue\r\nContent-Length: 2\r\n" + CLOSE),
        b"ok",
    ],
    "expect 100-continue, HTTP/1.0": req(
        "POST", "/", "Expect: 100-continue\r\nContent-Length: 2\r\n", b"ok", v="1.0"
    ),
    "head": req("HEAD", "/", CLOSE),
    "an app that sends a head and no body": req(target="/start-only") + LAST,
    "an app that sends more than its Content-Length": req(target="/too-much") + LAST,
    "head streamed": req("HEAD", "/stream", CLOSE),
    "streamed": req(target="/stream") + LAST,
    "HTTP/1.0": req(v="1.0"),
    "HTTP/1.0 streamed": req(target="/stream", v="1.0"),
    "HTTP/1.0 keep-alive asked": req(headers="Connection: keep-alive\r\n", v="1.0"),
    "HTTP/1.0 without host": b"GET / HTTP/1.0\r\n\r\n",
    "connection tokens": req(headers="Connection: Keep-Alive, X-Hop, close\r\nX-Hop: 1\r\n"),
    "header whitespace": req(headers="X-A:   spaced   \r\nX-B:\ttabbed\t\r\nX-C:\r\n" + CLOSE),
    "header case and obs-text": req(
        headers="X-MiXeD: v\xe9\r\n".encode("latin-1").decode("latin-1") + CLOSE
    ),
    "upgrade h2c with a body": req(
        "POST", "/", "Upgrade: h2c\r\nContent-Length: 2\r\n" + CLOSE, b"ok"
    ),
    "other upgrade with a body": req(
        "POST", "/u", "Connection: upgrade\r\nUpgrade: foo\r\nContent-Length: 3\r\n", b"abc"
    )
    + LAST,
    "other upgrade, chunked body": req(
        "POST", "/u", "Connection: upgrade\r\nUpgrade: foo\r\n" + CHUNKED, b"1\r\na\r\n0\r\n\r\n"
    )
    + LAST,
    "other upgrade, no body": req(headers="Connection: upgrade\r\nUpgrade: foo\r\n") + LAST,
    "websocket refused by the app": req(
        headers="Connection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    ),
    # what proxy.framing and h11 refuse: 400 (431, 501) and closed
    "content-length and transfer-encoding": req(
        "POST", "/", "Content-Length: 4\r\n" + CHUNKED, b"0\r\n\r\n"
    ),
    "obs-fold": req(headers="X-Thing: a\r\n\tb\r\n"),
    "obs-folded transfer-encoding": req(
        "POST", "/", "Transfer-Encoding:\r\n chunked\r\n", b"0\r\n\r\n"
    ),
    "bare LF head": b"GET / HTTP/1.1\nHost: a\n\n",
    "bare LF after the request line": b"GET / HTTP/1.1\nHost: a\r\n\r\n",
    "bare LF in the trailers": req("POST", "/", CHUNKED, b"1\r\na\r\n0\r\nX: 1\n\r\n"),
    "bare LF after a chunk size": req("POST", "/", CHUNKED, b"1\na\r\n0\r\n\r\n"),
    "chunk size not hex": req("POST", "/", CHUNKED, b"zz\r\na\r\n0\r\n\r\n"),
    "transfer-encoding gzip": req("POST", "/", "Transfer-Encoding: gzip\r\n", b"abc"),
    "two transfer-encodings": req("POST", "/", CHUNKED + CHUNKED, b"0\r\n\r\n"),
    "no host": b"GET / HTTP/1.1\r\n\r\n",
    "two hosts": req(headers="Host: u\r\n"),
    "space in a header name": req(headers="X A: 1\r\n"),
    "space before the colon": req(headers="X-A : 1\r\n"),
    "NUL in a value": req(headers="X-A: a\x00b\r\n"),
    "CR in a value": req(headers="X-A: a\rb\r\n"),
    "space in the target": b"GET /a b HTTP/1.1\r\nHost: t\r\n\r\n",
    "no version": b"GET /\r\nHost: t\r\n\r\n",
    "head past header_limit, one read": req(headers=f"X-Big: {'a' * LIMIT}\r\n"),
    "head past header_limit, trickled": [req(headers="X-Big: ")[:-2]] + [b"a" * 1000] * 6,
    "refused after a keep-alive answer": req() + b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
}


@pytest.mark.parametrize("name", list(SAME))
async def test_the_same_bytes_as_h11(serve: Serve, name: str) -> None:
    parts = SAME[name]
    parts = parts if isinstance(parts, list) else [parts]
    h11_port = await serve("h11")
    ours_port = await serve("httptools")
    theirs = await exchange(h11_port, parts)
    ours = await exchange(ours_port, parts)
    assert ours == theirs, f"\nh11 : {theirs!r}\nours: {ours!r}"
    assert theirs  # every case is answered (or refused) by both


def test_the_protocol_serves_through_hypercorn_by_default() -> None:
    assert hypercorn_config(ServerConfig()).http1_protocol is HttptoolsProtocol
    assert hypercorn_config(ServerConfig(http1="h11")).http1_protocol is GatewayH11Protocol


# Where llhttp and h11 part (docs/deploy.md#http11-parsers): request -> the status served
# with httptools (h11's in the comment)
DIFFERENT: dict[str, tuple[bytes, int]] = {
    "a method llhttp does not know (h11: the app's answer)": (req("BREW", "/", CLOSE), 400),
    "a method in lower case (h11: the app's answer)": (req("get", "/", CLOSE), 400),
    "DEL in a header value (h11: passed on)": (req(headers="X-A: a\x7fb\r\n" + CLOSE), 400),
    "a control byte in a header value (h11: passed on)": (req(headers="X-A: \x01\r\n"), 400),
    "Content-Length: 1, 1 (h11: read as 1)": (
        req("POST", "/", "Content-Length: 1, 1\r\n", b"a"),
        400,
    ),
    "Content-Length twice (h11: read as 1)": (
        req("POST", "/", "Content-Length: 1\r\nContent-Length: 1\r\n", b"a"),
        400,
    ),
    "HTTP/1.2 (h11: passed on as 1.2)": (req(headers=CLOSE, v="1.2"), 400),
    "an empty line before the request line (h11: 400; RFC 9112 2.2)": (
        b"\r\n" + req(headers=CLOSE),
        200,
    ),
}


@pytest.mark.parametrize("name", list(DIFFERENT))
async def test_where_llhttp_differs_as_documented(serve: Serve, name: str) -> None:
    raw, status = DIFFERENT[name]
    answer = await exchange(await serve("httptools"), [raw])
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer
    assert answer.count(b"HTTP/1.1 ") == 1  # and the connection closed after it


def test_the_joined_heads_are_h11s() -> None:
    """``response_head``'s one join against h11's own code (``_h11_head``) for every
    status, method, version and keep-alive state the framing depends on."""
    header_sets: list[list[tuple[bytes, bytes]]] = [
        [(b"date", b"D")],
        [(b"Content-Type", b"text/plain"), (b"content-length", b"2"), (b"date", b"D")],
        [(b"X-A", b""), (b"x-b", b"a b"), (b"Content-Length", b"0")],
        [(b"content-type", b"text/event-stream"), (b"x-a", b"1")],
    ]
    for headers in header_sets:
        for status in (200, 201, 204, 304, 404, 500):
            for method in (b"GET", b"HEAD", b"POST", b"CONNECT", None):
                for http_10 in (False, True):
                    for keep_alive in (False, True):
                        case = (status, headers, method, http_10, keep_alive)
                        assert response_head(*case) == _h11_head(*case), case


async def _upgrade(port: int, raw: bytes) -> tuple[bytes, bytes]:
    """The 101 head and the frame header of the server's first HTTP/2 frame."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        frame = await asyncio.wait_for(reader.readexactly(9), TIMEOUT)
    finally:
        writer.close()
    return DATE.sub(b"date: D\r\n", head), frame


@pytest.mark.parametrize("connection", ["Connection: Upgrade, HTTP2-Settings\r\n", ""])
async def test_an_h2c_upgrade_is_h11s(serve: Serve, connection: str) -> None:
    """``Upgrade: h2c`` on a request without a body: 101, then Hypercorn's HTTP/2 (its
    SETTINGS frame), with or without ``Connection: upgrade`` (Hypercorn looks only at
    ``Upgrade``)."""
    raw = req(headers=f"{connection}Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n")
    theirs = await _upgrade(await serve("h11"), raw)
    ours = await _upgrade(await serve("httptools"), raw)
    assert ours == theirs
    assert ours[0].startswith(b"HTTP/1.1 101 \r\n")
    assert ours[1][3] == 0x4  # a SETTINGS frame
