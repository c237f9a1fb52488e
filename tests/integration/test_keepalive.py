"""Hypercorn's keep-alive, kept by one sweeper (``proxy.keepalive``) instead of a timer task per
request: an idle connection is closed after ``keep_alive``, a busy one never is, and a
shutdown closes idle connections at once instead of waiting for them. A request answered
before its body came in keeps its connection: the rest of the body is read and dropped
(``proxy.engines.h1_cycle``), up to ``DRAIN_LIMIT``."""

from __future__ import annotations

import asyncio

import orjson

from proxy.engines.h1_cycle import DRAIN_LIMIT
from tests.fixtures.rawhttp import read_response, request_bytes, until_closed
from tests.fixtures.upstreams import one_provider_config

BODY = orjson.dumps({"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]})
CHAT = request_bytes("POST", "/v1/chat/completions", {"Content-Type": "application/json"}, BODY)
POLICY = '[[plugins]]\nuse = "request_id"\n'
REFUSING = '[[plugins]]\nuse = "ip_filter"\ndeny = ["127.0.0.0/8"]\n'  # 403 on the head


def _config(provider, keep_alive: str) -> str:  # type: ignore[no-untyped-def]
    server = f'keep_alive = "{keep_alive}"\nshutdown_timeout = "60s"'
    return one_provider_config(provider, server=server)


async def test_an_idle_connection_is_closed_after_keep_alive_and_a_busy_one_is_not(
    gateway_factory, fake_provider
):
    fake_provider.mode = "slow_first_byte"
    fake_provider.first_byte_delay = 1.5  # longer than keep_alive: a request in flight
    gw = await gateway_factory(_config(fake_provider, "1s"), {"default": POLICY})
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    try:
        for _ in range(2):  # kept alive between the two, busy past keep_alive within each
            writer.write(CHAT)
            response = await asyncio.wait_for(read_response(reader), 20)
            assert response.status == 200 and not response.closed
        # idle now: the server closes the connection (EOF) without being asked
        assert await asyncio.wait_for(reader.read(), 20) == b""
    finally:
        writer.close()
    assert len(fake_provider.requests) == 2


async def test_a_shutdown_closes_idle_connections_at_once(gateway_factory, fake_provider):
    gw = await gateway_factory(_config(fake_provider, "60s"), {"default": POLICY})
    connections = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(3)]
    for reader, writer in connections[:2]:  # two idle after a request, one before any
        writer.write(CHAT)
        assert (await asyncio.wait_for(read_response(reader), 20)).status == 200
    # Neither keep_alive (60 s) nor shutdown_timeout (60 s) passes: idle connections are
    # closed as the server stops, and it stops without waiting for them.
    await asyncio.wait_for(gw.stop(), 20)
    for reader, writer in connections:
        assert await asyncio.wait_for(reader.read(), 20) == b""
        writer.close()


async def test_a_request_answered_before_its_body_arrived_keeps_the_connection(
    gateway_factory, fake_provider
):
    """The client sends the head, gets the 403 (the body not read), then the body and its
    next request on the same connection (as a client that pooled it does): answered. The
    connection was closed with the body unread — a reset, and the client's ReadError."""
    gw = await gateway_factory(_config(fake_provider, "60s"), {"default": REFUSING})
    head, body = CHAT[: CHAT.index(b"\r\n\r\n") + 4], BODY
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    try:
        writer.write(head)
        first = await asyncio.wait_for(read_response(reader), 20)
        assert first.status == 403 and not first.closed
        writer.write(body + CHAT)
        second = await asyncio.wait_for(read_response(reader), 20)
        assert second.status == 403 and not second.closed
    finally:
        writer.close()


async def test_a_body_past_the_drain_limit_after_its_answer_closes_the_connection(
    gateway_factory, fake_provider
):
    """A large upload refused on its head is not read whole: past ``DRAIN_LIMIT`` dropped
    bytes the connection is closed."""
    gw = await gateway_factory(_config(fake_provider, "60s"), {"default": REFUSING})
    size = 4 * DRAIN_LIMIT
    head = request_bytes(
        "POST",
        "/v1/chat/completions",
        {"Content-Type": "application/json", "Content-Length": str(size)},
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    try:
        writer.write(head)
        first = await asyncio.wait_for(read_response(reader), 20)
        assert first.status == 403 and not first.closed
        writer.write(b" " * (DRAIN_LIMIT + 1))
        assert await until_closed(reader, 20) == b""
    finally:
        writer.close()
