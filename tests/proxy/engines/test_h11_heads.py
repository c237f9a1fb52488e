"""Response heads under Hypercorn, byte for byte (``proxy.engines.h11_heads``): the same bytes
h11 wrote before its headers were validated once — framing (Content-Length, chunked, close,
keep-alive, HEAD, 204, 304) as h11 decides it — and a header h11 refuses still refused.

Served by Hypercorn with the gateway's serving config on a real socket, a raw client."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import h11
import pytest
from h11._headers import _field_name_re, _field_value_re
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Sockets
from hypercorn.utils import wrap_app

from proxy.config.models import ServerConfig
from proxy.engines import HTTP1
from proxy.engines.h11_heads import response, valid_headers
from proxy.engines.hypercorn import hypercorn_config

TIMEOUT = 10.0
DATE = re.compile(rb"date: [^\r]*\r\n")

# path -> (status, headers, body chunks) the app answers with
ANSWERS: dict[str, tuple[int, list[tuple[bytes, bytes]], list[bytes]]] = {
    "/cl": (
        200,
        [(b"Content-Type", b"text/plain"), (b"content-length", b"2"), (b"X-A", b"1")],
        [b"ok"],
    ),
    "/stream": (200, [(b"content-type", b"text/event-stream"), (b"x-a", b"1")], [b"a", b"bc"]),
    "/te": (200, [(b"transfer-encoding", b"Chunked"), (b"x-a", b"1")], [b"ab"]),
    "/204": (204, [(b"x-a", b"1")], []),
    "/304": (304, [(b"etag", b'"e"'), (b"content-length", b"10")], []),
    "/close": (200, [(b"connection", b"Close, X-Hop"), (b"content-length", b"2")], [b"ok"]),
    "/cl-list": (200, [(b"content-length", b"2, 2"), (b"x-a", b"")], [b"ok"]),
    "/bad-value": (200, [(b"x-a", b"a\x00b"), (b"content-length", b"2")], [b"ok"]),
    "/bad-name": (200, [(b"x a", b"1"), (b"content-length", b"2")], [b"ok"]),
    "/bad-length": (200, [(b"content-length", b"2, 3")], [b"ok"]),
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    status, headers, chunks = ANSWERS[scope["path"]]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    for i, chunk in enumerate(chunks):
        more = i < len(chunks) - 1
        await send({"type": "http.response.body", "body": chunk, "more_body": more})
    if not chunks:
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(params=list(HTTP1))
async def port(request: pytest.FixtureRequest) -> AsyncIterator[int]:
    """Served through each HTTP/1.1 protocol (``[server] http1``): the same bytes."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    server = ServerConfig(listen=["127.0.0.1:0"], admin_listen=None, http1=request.param)
    config = hypercorn_config(server)
    stop = asyncio.Event()
    sockets = Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[])
    task = asyncio.create_task(
        worker_serve(
            wrap_app(app, config.wsgi_max_body_size, "asgi"),
            config,
            sockets=sockets,
            shutdown_trigger=stop.wait,
        )
    )  # type: ignore[arg-type]
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, TIMEOUT)


async def exchange(port: int, raw: bytes) -> bytes:
    """Send ``raw``, read until the server closes the connection; Date values blanked."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        data = await asyncio.wait_for(reader.read(-1), TIMEOUT)
    finally:
        writer.close()
    return DATE.sub(b"date: D\r\n", data)


CLOSE = b"Connection: close"


def head(status: int, *lines: bytes) -> bytes:
    return b"HTTP/1.1 %d \r\n%s\r\n" % (status, b"".join(line + b"\r\n" for line in lines))


def get(path: str, method: str = "GET", version: str = "1.1", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/{version}\r\nhost: t\r\n{extra}connection: close\r\n\r\n".encode()


CL_HEAD = head(200, b"Content-Type: text/plain", b"content-length: 2", b"X-A: 1", b"date: D", CLOSE)
STREAM_HEAD = (
    b"HTTP/1.1 200 \r\ncontent-type: text/event-stream\r\nx-a: 1\r\ndate: D\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (get("/cl"), CL_HEAD + b"ok"),
        (get("/cl", "HEAD"), CL_HEAD),
        (get("/stream"), STREAM_HEAD + b"1\r\na\r\n2\r\nbc\r\n0\r\n\r\n"),
        (get("/stream", "HEAD"), STREAM_HEAD),
        (
            get("/te"),
            head(200, b"x-a: 1", b"date: D", b"Transfer-Encoding: chunked", CLOSE)
            + b"2\r\nab\r\n0\r\n\r\n",
        ),
        (get("/204"), b"HTTP/1.1 204 \r\nx-a: 1\r\ndate: D\r\nConnection: close\r\n\r\n"),
        (
            get("/304"),
            head(304, b'etag: "e"', b"content-length: 10", b"date: D", CLOSE),
        ),
        (
            get("/close"),
            head(200, b"content-length: 2", b"date: D", CLOSE, b"Connection: x-hop") + b"ok",
        ),
        (
            get("/cl-list"),
            head(200, b"content-length: 2", b"x-a: ", b"date: D", CLOSE) + b"ok",
        ),
        # HTTP/1.0: no chunked framing, the body ends with the connection
        (
            get("/stream", version="1.0"),
            b"HTTP/1.1 200 \r\ncontent-type: text/event-stream\r\nx-a: 1\r\ndate: D\r\n"
            b"Connection: close\r\n\r\nabc",
        ),
    ],
)
async def test_response_heads_are_byte_for_byte_h11s(
    port: int, request_bytes: bytes, expected: bytes
) -> None:
    assert await exchange(port, request_bytes) == expected


async def test_keep_alive_answers_every_request_on_one_connection(port: int) -> None:
    keep = b"GET /cl HTTP/1.1\r\nhost: t\r\n\r\nGET /stream HTTP/1.1\r\nhost: t\r\n\r\n"
    data = await exchange(port, keep + get("/204"))
    assert data == (
        head(200, b"Content-Type: text/plain", b"content-length: 2", b"X-A: 1", b"date: D")
        + b"ok"
        + b"HTTP/1.1 200 \r\ncontent-type: text/event-stream\r\nx-a: 1\r\ndate: D\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n"
        b"HTTP/1.1 204 \r\nx-a: 1\r\ndate: D\r\nConnection: close\r\n\r\n"
    )


@pytest.mark.parametrize("path", ["/bad-value", "/bad-name", "/bad-length"])
async def test_a_header_h11_refuses_is_still_refused(port: int, path: str) -> None:
    """The app's ``send`` raises h11's error; nothing of its head is written, Hypercorn
    answers 500."""
    data = await exchange(port, get(path))
    assert data == b"HTTP/1.1 500 \r\ncontent-length: 0\r\ndate: D\r\nConnection: close\r\n\r\n"


def _pairs(draw: list[bytes]) -> list[tuple[bytes, bytes]]:
    return [(draw[i], draw[i + 1]) for i in range(0, len(draw) - 1, 2)]


def test_validation_matches_h11s_expressions_and_errors() -> None:
    """Every name and value from an alphabet of h11's edge bytes: accepted exactly when
    h11's two expressions accept it, the same ``Headers`` or the same error."""
    alphabet = [b"a", b"Z", b"-", b" ", b"\t", b"\x00", b"\r", b"\n", b"\x0b", b"\x0c", b":"]
    alphabet += [b"\x80", b"\x01", b"(", b";", b"content-length", b"transfer-encoding"]
    alphabet += [b"chunked", b"12", b","]
    pieces = [a + b for a in alphabet for b in [b"", *alphabet]]
    cases = [[(n, v)] for n in pieces[:120] for v in pieces]
    cases += [_pairs(pieces[i : i + 6]) for i in range(len(pieces))]
    cases += [[], [(b"content-length", b"1"), (b"Content-Length", b"1")]]
    for headers in cases:
        names = tuple(n for n, _ in headers)
        values = tuple(v for _, v in headers)
        expected = all(
            _field_name_re.fullmatch(n) and _field_value_re.fullmatch(v) for n, v in headers
        )
        assert valid_headers(names, values) == bool(expected), headers
        try:
            theirs: Any = h11.Response(status_code=200, headers=headers).headers._full_items
        except h11.LocalProtocolError as error:
            theirs = str(error)
        try:
            ours: Any = response(200, headers).headers._full_items
        except h11.LocalProtocolError as error:
            ours = str(error)
        assert ours == theirs, headers
