"""Upstream timeouts and admission through real sockets: connect, first-byte, idle and total
timeouts as the client sees them, and the admission queue's priorities and shedding. Split
from ``test_resilience.py`` (balancing, retries, breakers), whose helpers it shares."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_resilience import (
    POLICY,
    Factory,
    chat,
    config,
    metric,
    stream_text,
    until,
)

NO_RETRY = "retry = { attempts = 1 }\n"


async def test_connect_timeout_gives_a_504_envelope(
    gateway_factory: Any, fake_provider_factory: Factory
) -> None:
    import socket

    # A listener whose accept queue is full: the kernel drops new SYNs, so connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        fake = FakeProvider(name="a", port=port)  # never started: only its url is used
        timeouts = 'timeouts = { connect = "200ms", first_byte = "2s", total = "5s" }\n'
        gw = await gateway_factory(config({"a": fake}, NO_RETRY + timeouts), POLICY)
        response = await chat(gw.client, gw.url)
        assert response.status_code == 504
        assert response.json()["error"]["type"] == "upstream_timeout"
    finally:
        for sock in [*fillers, listener]:
            sock.close()


async def test_first_byte_timeout_gives_a_504_envelope(
    gateway_factory: Any, fake_provider_factory: Factory
) -> None:
    fake = await fake_provider_factory(name="a", mode="hang")
    timeouts = 'timeouts = { connect = "1s", first_byte = "200ms", total = "5s" }\n'
    gw = await gateway_factory(config({"a": fake}, NO_RETRY + timeouts), POLICY)
    response = await chat(gw.client, gw.url)
    assert response.status_code == 504
    assert response.json()["error"]["type"] == "upstream_timeout"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("timeouts", "chunk_delay"),
    [
        ('{ first_byte = "1s", total = "5s", idle = "150ms" }', 0.6),  # idle
        ('{ first_byte = "1s", total = "400ms", idle = "5s" }', 0.15),  # total
    ],
    ids=["idle", "total"],
)
async def test_idle_and_total_timeouts_end_a_stream_with_an_sse_error_event(
    gateway_factory: Any, fake_provider_factory: Factory, timeouts: str, chunk_delay: float
) -> None:
    fake = await fake_provider_factory(name="a", chunk_delay=chunk_delay, chunks=10)
    gw = await gateway_factory(config({"a": fake}, f"{NO_RETRY}timeouts = {timeouts}\n"), POLICY)
    code, body = await stream_text(gw.client, gw.url)
    assert code == 200
    events = [line[6:] for line in body.splitlines() if line.startswith("data: ")]
    assert "tok0" in events[0]
    assert events[-1] == "[DONE]"
    error = orjson.loads(events[-2])["error"]
    assert (error["type"], error["code"]) == ("upstream_timeout", 504)
    assert fake.completed_streams == 0


# -- admission ---------------------------------------------------------------------------------

# A held stream (the fake's gate, after its first event) must outlast every step of the test
# however loaded the machine: with test_resilience's FAST (idle 300 ms) the holder was cut
# while the test was still queueing, its slot freed and bronze-1 admitted before gold came.
HELD = NO_RETRY + 'timeouts = { connect = "5s", first_byte = "60s", idle = "60s" }\n'


async def test_admission_serves_higher_priority_first_and_sheds_a_full_queue(
    gateway_factory: Any, fake_provider_factory: Factory
) -> None:
    fake = await fake_provider_factory(name="a")
    fake.gate = asyncio.Event()
    admission = (
        'admission = { max_in_flight = 1, queue = 3, max_wait = "10s", '
        'priority = "header.x-tier", priorities = { gold = 10 } }\n'
    )
    gw = await gateway_factory(config({"a": fake}, HELD + admission), POLICY)

    async def queued(n: int) -> bool:
        status = await gw.status()
        return bool(status["upstreams"]["chat"]["admission"]["queued"] == n)

    holder = asyncio.create_task(stream_text(gw.client, gw.url, {"x-tier": "holder"}))
    await until(lambda: asyncio.sleep(0, len(fake.requests) == 1), "the holder to be upstream")
    waiting = []
    for n, tier in enumerate(["bronze-1", "gold", "bronze-2"], start=1):
        waiting.append(asyncio.create_task(stream_text(gw.client, gw.url, {"x-tier": tier})))
        await until(lambda n=n: queued(n), f"{n} requests queued")
    shed = await chat(gw.client, gw.url)
    assert shed.status_code == 503
    assert shed.json()["error"]["type"] == "overloaded"
    assert shed.headers["retry-after"] == "10"
    fake.gate.set()
    results = await asyncio.gather(holder, *waiting)
    assert all(code == 200 for code, _ in results)
    order = [r.headers["x-tier"] for r in fake.requests]
    assert order == ["holder", "gold", "bronze-1", "bronze-2"]


async def test_admission_answers_503_when_max_wait_passes(
    gateway_factory: Any, fake_provider_factory: Factory
) -> None:
    fake = await fake_provider_factory(name="a")
    fake.gate = asyncio.Event()
    admission = 'admission = { max_in_flight = 1, queue = 5, max_wait = "200ms" }\n'
    gw = await gateway_factory(config({"a": fake}, HELD + admission), POLICY)
    holder = asyncio.create_task(stream_text(gw.client, gw.url))
    await until(lambda: asyncio.sleep(0, len(fake.requests) == 1), "the holder to be upstream")
    late = await chat(gw.client, gw.url)
    assert late.status_code == 503
    assert late.headers["retry-after"] == "1"
    assert len(fake.requests) == 1
    fake.gate.set()
    assert (await holder)[0] == 200
    waited = await metric(
        gw, 'sluicegate_admission_wait_seconds_count{outcome="timeout",upstream="chat"}'
    )
    assert waited == 1
