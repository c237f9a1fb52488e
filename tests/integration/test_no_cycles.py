"""Requests leave no reference cycles behind: what a request allocates is freed by reference
counting the moment it ends, never left for the cyclic collector to find.

With 500 streams in flight every young collection scans the live streams; per-request
cycles made those collections frequent and each one long (issue 15's stream tail:
benchmarks/gc_pauses.py). Hypercorn's connection (server <-> protocol) was one: ~35
objects per connection, 0 now. The gateway runs on uvloop, as ``proxy serve`` runs it
(asyncio's own selector transport holds a cycle of its own, 3.11).
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import uvloop

from tests.fixtures.gateway import BOTH_ENGINES, start_gateway
from tests.fixtures.upstreams import FakeProvider, one_provider_config

CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}
POLICIES = {
    "core": '[[plugins]]\nuse = "request_id"\n',
    # The public chain's plugins that need no outside service (jwt and rate_limit on redis
    # were checked the same way by hand: none either).
    "public": """
[[plugins]]
use = "tracing"
sample_ratio = 1.0
exporter = "discard"
[[plugins]]
use = "request_id"
[[plugins]]
use = "security_headers"
[[plugins]]
use = "input_scan"
checks = ["xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii"]
""",
}
REQUESTS = 30

pytestmark = BOTH_ENGINES


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only explicit collections run: what a request leaves is still there to be counted."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def collect_cycles() -> Counter[str]:
    """Collect every generation; count what only the cyclic collector could free, by type."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    found = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage)
    gc.set_debug(0)
    gc.garbage.clear()
    gc.collect()  # now freed for good
    return found


async def one_connection_each(
    port: int, body: dict[str, object], count: int, path: str = "/v1/chat/completions"
) -> list[int]:
    """``count`` requests, each on a connection of its own (as the stream benchmark opens
    them), closed by the gateway after the answer. A bare HTTP/1.1 client: httpx's own
    objects (anyio, httpcore) hold cycles and would hide the gateway's."""
    payload = orjson.dumps(body)
    head = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    answers = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + payload)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        await writer.wait_closed()
        answers.append(int(answer.split(b" ", 2)[1]))
    return answers


@pytest.mark.parametrize("policy", list(POLICIES))
def test_requests_on_fresh_connections_leave_no_cycles(
    tmp_path: Path, serving_engine: str | None, policy: str, no_collector: None
) -> None:
    # uvloop, as ``proxy serve`` runs: asyncio's own selector transport holds a cycle (3.11).
    uvloop.run(_requests_leave_no_cycles(tmp_path, serving_engine, POLICIES[policy]))


async def _requests_leave_no_cycles(directory: Path, engine: str | None, policy: str) -> None:
    provider = await FakeProvider().start()
    gw = await start_gateway(directory, one_provider_config(provider), {"default": policy}, engine)
    try:
        await one_connection_each(gw.port, {**CHAT, "stream": True}, 3)  # warm: pools, caches
        await gw.settled()
        collect_cycles()  # what starting the gateway left
        statuses = await one_connection_each(gw.port, {**CHAT, "stream": True}, REQUESTS)
        statuses += await one_connection_each(gw.port, CHAT, REQUESTS)
        provider.mode = "500"
        failed = await one_connection_each(gw.port, CHAT, REQUESTS)
        unrouted = await one_connection_each(gw.port, CHAT, REQUESTS, "/nowhere")
        await gw.settled()
        await asyncio.sleep(0.1)  # the server side of the last connection has ended
        found = collect_cycles()
    finally:
        await gw.stop()
        await provider.stop()
    assert statuses == [200] * (2 * REQUESTS)
    # The provider's 500s passed on, then its breaker's 503s; and the router's 404s.
    assert failed[0] == 500 and set(failed) == {500, 503} and set(unrouted) == {404}
    # Whatever a request leaves shows as a count of REQUESTS or more of some type; the
    # gateway's one-off objects (a lazily built query) stay below it.
    per_request = {name: n for name, n in found.items() if n >= REQUESTS}
    assert per_request == {}, found.most_common(20)
