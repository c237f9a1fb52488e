"""Slow and silent HTTP/2 clients (h2c, prior knowledge): the connection bounds of
docs/security.md#connections hold for HTTP/2 as for HTTP/1.1, on both engines."""

from __future__ import annotations

import asyncio

import h2.config
import h2.connection

from tests.fixtures.gateway import BOTH_ENGINES
from tests.fixtures.rawhttp import send_h2, until_closed
from tests.fixtures.upstreams import one_provider_config

pytestmark = BOTH_ENGINES

POLICY = '[[plugins]]\nuse = "request_id"\n'
SERVER = 'head_timeout = "1s"\nbody_timeout = "1s"\nkeep_alive = "1s"\n'
JSON = {"content-type": "application/json"}


async def test_a_stalled_h2_body_is_answered_408(gateway_factory, fake_provider):
    """A stream that declares 500 bytes and sends 10 is cut at ``body_timeout`` with the
    status HTTP/1.1 gets, and never reaches the provider."""
    gw = await gateway_factory(
        one_provider_config(fake_provider, server=SERVER), {"default": POLICY}
    )
    response = await send_h2(
        gw.port, "POST", "/v1/chat/completions", JSON, b'{"model": ', content_length=500
    )
    assert response.status == 408
    assert not fake_provider.requests


async def test_an_h2_body_in_time_is_forwarded(gateway_factory, fake_provider):
    gw = await gateway_factory(
        one_provider_config(fake_provider, server=SERVER), {"default": POLICY}
    )
    body = b'{"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}'
    response = await send_h2(gw.port, "POST", "/v1/chat/completions", JSON, body)
    assert response.status == 200
    assert len(fake_provider.requests) == 1


async def _open_h2(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """An h2c connection past the preface and the settings exchange, with no stream."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    conn.receive_data(await asyncio.wait_for(reader.read(65536), 10))
    writer.write(conn.data_to_send())  # the settings acknowledged
    await writer.drain()
    return reader, writer


async def test_an_h2_connection_that_opens_no_stream(
    gateway_factory, fake_provider, serving_engine
):
    """Hypercorn: closed after ``keep_alive`` (its h11 protocol had marked the connection busy
    on the preface, and the h2 protocol never marked it idle: held for good). Granian: held,
    as docs/deploy.md says (hyper has no idle timeout for HTTP/2), and still serving."""
    gw = await gateway_factory(
        one_provider_config(fake_provider, server=SERVER), {"default": POLICY}
    )
    reader, writer = await _open_h2(gw.port)
    try:
        if serving_engine == "granian":
            assert await until_closed(reader, 3) is None
        else:
            assert await until_closed(reader, 10) is not None
    finally:
        writer.close()
    again = await send_h2(gw.port, "GET", "/v1/models")
    assert again.status == 200
