"""Hostile clients over raw sockets: headers that name other headers, ambiguous framing,
encoded bodies, slow trickles (issue 17). A library would tidy these requests up; an
attacker does not."""

from __future__ import annotations

import asyncio
import zlib

import orjson
import pytest

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.rawhttp import request_bytes, send_raw, until_closed
from tests.fixtures.upstreams import one_provider_config

pytestmark = BOTH_ENGINES

BODY = orjson.dumps({"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]})
JSON = {"Content-Type": "application/json"}
POLICY = '[[plugins]]\nuse = "request_id"\n'


async def test_connection_cannot_strip_headers_the_gateway_adds(gateway_factory, fake_provider):
    """L1: Connection names the client's own hop-by-hop fields, never the gateway's."""
    gw = await gateway_factory(one_provider_config(fake_provider), {"default": POLICY})
    response = await send_raw(
        gw.port,
        request_bytes(
            "POST",
            "/v1/chat/completions",
            {
                **JSON,
                "Connection": "keep-alive, x-request-id, x-forwarded-for, x-drop-me",
                "X-Drop-Me": "1",
            },
            BODY,
        ),
    )
    assert response.status == 200
    seen = fake_provider.requests[-1].headers
    assert seen["x-request-id"] == response.header("x-request-id")
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert "x-drop-me" not in seen


async def test_the_admin_app_is_chosen_by_the_listening_socket(gateway_factory, fake_provider):
    """L6: a public listener on another address with the admin port number served the
    admin API; now it serves the proxy (a 404 envelope for /-/status)."""
    config = (
        '[server]\nlisten = ["127.0.0.2:@ADMIN_PORT@"]\nadmin_listen = "@ADMIN@"\n\n'
        + one_provider_config(fake_provider)
    )
    gw = await gateway_factory(config, {"default": POLICY})
    admin = await gw.client.get(f"{gw.admin_url}/-/status")
    assert admin.status_code == 200
    public = await send_raw(gw.admin_port, request_bytes("GET", "/-/status"), host="127.0.0.2")
    assert public.status == 404
    assert orjson.loads(public.body)["error"]["type"] == "route_not_found"
    chat = await send_raw(
        gw.admin_port,
        request_bytes("POST", "/v1/chat/completions", JSON, BODY),
        host="127.0.0.2",
    )
    assert chat.status == 200


def _gzip_bomb() -> bytes:
    """~100 KB of gzip that inflates to ~100 MB of JSON-looking bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [packer.compress(b'{"model": "chat-fast", "messages": [{"role": "user", "content": "')]
    block = b"A" * (1 << 20)
    out += [packer.compress(block) for _ in range(100)]
    out.append(packer.compress(b'"}]}') + packer.flush())
    return b"".join(out)


async def test_a_compressed_request_body_is_refused(gateway_factory, fake_provider):
    """L13: Content-Encoding bodies were forwarded unread and limits counted compressed bytes
    (100 KB of gzip became 100 MB at an inflating upstream)."""
    policy = '[[plugins]]\nuse = "body_limit"\nmax_body = "1MiB"\n'
    gw = await gateway_factory(one_provider_config(fake_provider), {"default": policy})
    bomb = _gzip_bomb()
    assert len(bomb) < 200_000
    for encoding in ("gzip", "deflate", "br", "GZIP", "identity, gzip"):
        response = await send_raw(
            gw.port,
            request_bytes(
                "POST", "/v1/chat/completions", {**JSON, "Content-Encoding": encoding}, bomb
            ),
        )
        assert response.status == 415, encoding
        assert orjson.loads(response.body)["error"]["type"] == "unsupported_content_encoding"
    assert not fake_provider.requests
    plain = await send_raw(
        gw.port,
        request_bytes(
            "POST", "/v1/chat/completions", {**JSON, "Content-Encoding": "identity"}, BODY
        ),
    )
    assert plain.status == 200


SMUGGLED = {
    "content-length and transfer-encoding": (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "obs-folded transfer-encoding": (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"
    ),
    "obs-folded other header": (
        b"GET /v1/files/x HTTP/1.1\r\nHost: a\r\nX-Thing: a\r\n\tb\r\n\r\n"
    ),
    "bare LF head": b"GET /v1/files/x HTTP/1.1\nHost: a\n\n",
    "bare LF after the request line": b"GET /v1/files/x HTTP/1.1\nHost: a\r\n\r\n",
}


# Where Granian (hyper) differs, as docs/deploy.md#engines says: both Content-Length and
# Transfer-Encoding are read by the latter and the connection closed after the answer (RFC
# 9112 6.1: nothing after it on that connection can be misread); bare LF is a line ending.
GRANIAN_FRAMING = {
    "content-length and transfer-encoding": "answered, then closed",
    "bare LF head": "accepted",
    "bare LF after the request line": "accepted",
}


@pytest.mark.parametrize("name", list(SMUGGLED))
async def test_ambiguous_framing_is_refused_and_the_connection_closed(
    gateway_factory, fake_provider, serving_engine, name
):
    """L8: h11 accepted all of these and kept the connection open."""
    gw = await gateway_factory(one_provider_config(fake_provider), {"default": POLICY})
    response = await send_raw(gw.port, SMUGGLED[name])
    expected = GRANIAN_FRAMING.get(name) if serving_engine == "granian" else None
    if expected == "answered, then closed":
        assert response.closed
    elif expected == "accepted":
        assert response.status == 200
    else:
        assert response.status == 400
        assert response.closed
        assert not fake_provider.requests


LIMITS = 'head_timeout = "1s"\nbody_timeout = "1s"\nmax_connections = 3\nheader_limit = "16KiB"\n'


async def _trickle(port: int, head: bytes, drip: bytes) -> tuple[bytes, int]:
    """Send ``head``, then ``drip`` a byte every 0.2 s until the server closes (at most
    60 bytes); return what the server said and how many bytes were dripped."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        for sent in range(min(60, len(drip))):
            try:
                said = await asyncio.wait_for(reader.read(4096), 0.2)
            except TimeoutError:
                writer.write(drip[sent : sent + 1])
                await writer.drain()
                continue
            return said, sent
        return b"", len(drip)
    except ConnectionError:
        return b"", -1
    finally:
        writer.close()


@pytest.fixture
async def limited(gateway_factory, fake_provider):
    config = '[server]\nlisten = ["@LISTEN@"]\nadmin_listen = "@ADMIN@"\n' + LIMITS
    return await gateway_factory(config + one_provider_config(fake_provider), {"default": POLICY})


def _chunked(
    *, size_end: bytes = b"\r\n", data_end: bytes = b"\r\n", last: bytes = b"0\r\n\r\n"
) -> bytes:
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    return head + b"%x" % len(BODY) + size_end + BODY + data_end + last


# The body's own framing lines: (Hypercorn, Granian). llhttp (Hypercorn's default HTTP/1.1
# parser) wants CRLF everywhere (h11 took a bare LF in the trailer section, which
# proxy/framing.py refuses, and waited on `0\n\n` until body_timeout: 408); hyper
# refuses bare LF in chunk lines (which Granian hands the app as a disconnect: it answered
# 500, now 400, proxy/engines/body_deadline.py) and waits for a CRLF to end the trailers.
CHUNK_FRAMING = {
    "bare LF ending a chunk-size line": (_chunked(size_end=b"\n"), 400, 400),
    "bare LF after a chunk's data": (_chunked(data_end=b"\n"), 400, 400),
    "bare LF ending the last chunk": (_chunked(last=b"0\n\n"), 400, 400),
    "bare LF in the trailer section": (_chunked(last=b"0\r\nX-T: 1\n\r\n"), 400, 408),
    "bare LF ending an empty trailer section": (_chunked(last=b"0\r\n\n"), 400, 408),
}


async def test_a_chunked_body_with_crlf_framing_is_forwarded(limited, fake_provider):
    response = await send_raw(limited.port, _chunked(last=b"0\r\nX-T: 1\r\n\r\n"))
    assert response.status == 200
    forwarded = orjson.loads(fake_provider.requests[-1].body)
    assert forwarded["messages"] == orjson.loads(BODY)["messages"]


@pytest.mark.parametrize("name", list(CHUNK_FRAMING))
async def test_bare_lf_in_chunked_framing_is_refused(limited, fake_provider, serving_engine, name):
    """400 where the server can tell, 408 (body_timeout) where it waits for a CRLF that
    never comes; never 500, never forwarded, the connection closed either way."""
    raw, hypercorn, granian = CHUNK_FRAMING[name]
    response = await send_raw(limited.port, raw)
    assert response.status == (granian if serving_engine == "granian" else hypercorn)
    assert response.closed
    assert not fake_provider.requests


async def test_a_trickled_head_is_cut_off(limited, fake_provider, serving_engine):
    """L7: heads trickled a byte at a time were held for the whole keep-alive (75 s)."""
    head = b"POST /v1/chat/completions HTTP/1.1\r\n"
    said, sent = await _trickle(limited.port, head, b"X-Slow: " + b"a" * 100)
    # hyper closes a late head without an answer; Hypercorn's guard answers 408 first
    assert said == b"" if serving_engine == "granian" else said.startswith(b"HTTP/1.1 408"), said
    assert 0 < sent < 60
    assert not fake_provider.requests


async def test_a_trickled_body_is_cut_off(limited, fake_provider):
    head = request_bytes("POST", "/v1/chat/completions", {**JSON, "Content-Length": "500"})
    said, sent = await _trickle(limited.port, head, b" " * 500)
    assert said.startswith(b"HTTP/1.1 408"), said
    assert 0 < sent < 60
    assert not fake_provider.requests


async def test_a_head_past_header_limit_is_refused(limited, fake_provider):
    # Past one socket read (64 KiB): h11 checks its limit only on a head still incomplete.
    big = request_bytes("GET", "/v1/files/x", {"X-Big": "a" * 100_000})
    response = await send_raw(limited.port, big)
    # 431 Request Header Fields Too Large (hyper), 400 (h11 under Hypercorn); closed either way
    assert response.status in (400, 431) and response.closed
    assert not fake_provider.requests
    small = await send_raw(limited.port, request_bytes("GET", "/v1/files/x", {"X-A": "a" * 8000}))
    assert small.status == 200


async def test_a_whole_head_past_header_limit_in_one_read_is_refused(limited, fake_provider):
    # 20 KB against a 16 KiB limit, in one write: h11 alone parses a complete head whatever
    # its size (its limit is for heads still incomplete), so the strict reader counts it.
    head = request_bytes("GET", "/v1/files/x", {"X-Big": "a" * 20_000})
    response = await send_raw(limited.port, head)
    assert response.status == 431 and response.closed
    assert not fake_provider.requests


async def test_silent_connections_are_closed_and_free_their_places(gateway_factory, fake_provider):
    """A connection that sends nothing, or stops inside the HTTP/2 preface, is closed:
    Hypercorn after ``keep_alive`` / ``head_timeout``; Granian held them until the client
    left (hyper-util reads the protocol version with no timer), so ``max_connections`` of
    them locked the listener (proxy/engines/silent_connections.py)."""
    config = '[server]\nlisten = ["@LISTEN@"]\nadmin_listen = "@ADMIN@"\n' + LIMITS
    config += 'keep_alive = "1s"\n'
    gw = await gateway_factory(config + one_provider_config(fake_provider), {"default": POLICY})
    held = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(3)]
    try:
        held[2][1].write(b"PRI * HTTP/2.0\r\n")
        for reader, _ in held:
            # closed with nothing said, or a 408 (Hypercorn answers a started head)
            said = await until_closed(reader, 10)
            assert said is not None and (said == b"" or said.startswith(b"HTTP/1.1 408")), said
        response = await send_raw(
            gw.port, request_bytes("POST", "/v1/chat/completions", JSON, BODY)
        )
        assert response.status == 200
    finally:
        for _, writer in held:
            writer.close()
    assert len(fake_provider.requests) == 1


async def test_a_request_slower_than_head_timeout_is_not_cut(limited, fake_provider):
    """The silent-connection guard judges bytes, not time alone: a request the provider
    takes longer than ``head_timeout`` to answer completes."""
    fake_provider.mode = "slow_first_byte"
    fake_provider.first_byte_delay = 2.5
    response = await send_raw(
        limited.port, request_bytes("POST", "/v1/chat/completions", JSON, BODY)
    )
    assert response.status == 200


@pytest.fixture
async def capped(gateway_factory, fake_provider):
    """Three connections at most, with timeouts long enough that held ones stay open."""
    config = '[server]\nlisten = ["@LISTEN@"]\nadmin_listen = "@ADMIN@"\n'
    config += 'head_timeout = "60s"\nkeep_alive = "60s"\nmax_connections = 3\n'
    return await gateway_factory(config + one_provider_config(fake_provider), {"default": POLICY})


async def test_connections_past_the_cap_are_refused_but_admin_still_answers(capped, serving_engine):
    limited = capped
    held = [await asyncio.open_connection("127.0.0.1", limited.port) for _ in range(3)]
    try:
        if serving_engine == "granian":
            await _past_the_cap_waits_in_the_backlog(limited, held)
            return
        over = await send_raw(limited.port, request_bytes("GET", "/v1/files/x"))
        assert over.status == 503 and over.closed and over.header("retry-after") == "1"
        # A request the server never reads (a 32 KiB body) still gets its 503, not a reset:
        # the refusal reads what was sent before it closes (issue 15).
        body = b'{"model": "m", "input": "' + b"x" * 32_000 + b'"}'
        post = request_bytes("POST", "/v1/chat/completions", JSON, body)
        for _ in range(5):
            refused = await send_raw(limited.port, post)
            assert refused.status == 503 and refused.header("retry-after") == "1"
        assert (await limited.client.get(f"{limited.admin_url}/-/health")).status_code == 200
        _, writer = held.pop()
        writer.close()
        await writer.wait_closed()
        for _ in range(400):  # the server notices the close on its next read (bounded)
            again = await send_raw(limited.port, request_bytes("GET", "/v1/files/x"))
            if again.status != 503:
                break
            await asyncio.sleep(0.05)
        assert again.status == 200
    finally:
        for _, writer in held:
            writer.close()


async def _past_the_cap_waits_in_the_backlog(limited, held) -> None:
    """Granian stops accepting at the cap (its backpressure): the next connection waits
    in the listen backlog, unanswered, and is served once a held one closes."""
    over = asyncio.create_task(send_raw(limited.port, request_bytes("GET", "/v1/files/x")))
    assert (await limited.client.get(f"{limited.admin_url}/-/health")).status_code == 200
    await asyncio.sleep(0.5)
    assert not over.done()
    _, writer = held.pop()
    writer.close()
    await writer.wait_closed()
    assert (await over).status == 200
