"""A gateway's store comes back as soon as a node answers: a fresh gateway whose Sentinel
primary is slow to confirm, and a node whose first call timed out.

Both were seen to turn a reachable primary into 503s for every request under
``on_error = "deny"``: calls that came while the first discovery was confirming the primary
(its ``ROLE``) were refused as if the primary had failed, and one failed call held every call
for that node off for a 0.5 s cooldown that nothing could end early. The primary is a
scripted node holding its ``ROLE`` reply for the first, and a real redis-server paused with
``CLIENT PAUSE`` (a real timeout) for the second.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
import redis

from tests.fixtures.redis import RedisServer
from tests.fixtures.redis_topology import ScriptedRedis
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_fleet_replies import LIMIT
from tests.integration.test_limits import Factory, config, post

ADMITTED = b"*4\r\n:1\r\n:1\r\n$1\r\n0\r\n$10\r\n3600000000\r\n"  # the GCRA script's yes
MASTER = b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"  # ROLE of a primary without replicas


def bulk(*items: bytes) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(b"$%d\r\n%s\r\n" % (len(i), i) for i in items)


async def test_calls_during_the_first_discovery_wait_for_it(
    gateway_factory: Factory, fake_provider: FakeProvider
) -> None:
    """The second request comes while the primary the sentinels named has not answered
    ``ROLE`` yet: it waits for that discovery (one ``ROLE`` asked) and is admitted."""
    role_asked, confirm = asyncio.Event(), asyncio.Event()

    async def held_role() -> bytes:
        role_asked.set()
        await confirm.wait()
        return MASTER

    def primary_answer(command: list[bytes]) -> bytes | asyncio.Task[bytes]:
        if command[0].upper() == b"ROLE":
            return asyncio.ensure_future(held_role())
        return ADMITTED

    async with ScriptedRedis(primary_answer) as primary:
        named = bulk(b"127.0.0.1", str(primary.port).encode())

        def sentinel_answer(command: list[bytes]) -> bytes:
            if [c.upper() for c in command[:2]] == [b"SENTINEL", b"GET-MASTER-ADDR-BY-NAME"]:
                return named
            return b"*0\r\n"  # SENTINEL REPLICAS: none

        async with ScriptedRedis(sentinel_answer) as sentinel:
            url = f"redis+sentinel://127.0.0.1:{sentinel.port}/sgprimary"
            gw = await gateway_factory(config(fake_provider, url, "deny"), {"limits": LIMIT})
            first = asyncio.create_task(post(gw, **{"x-user": "a"}))
            await asyncio.wait_for(role_asked.wait(), 30)
            second = asyncio.create_task(post(gw, **{"x-user": "b"}))
            await asyncio.wait({second}, timeout=0.5)  # time to reach the store, bounded
            assert not second.done(), f"refused during the discovery: {second.result().text}"
            confirm.set()
            answers = [await first, await second]
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert sum(1 for c in primary.commands if c[0].upper() == b"ROLE") == 1


async def test_one_answer_ends_the_outage_a_timed_out_first_call_started(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The node stalls through the gateway's first call (0.1 s socket timeout: a 503 under
    ``deny``); the first request after it answers again is admitted, not refused for the
    rest of a cooldown."""
    conf = config(fake_provider, redis_url, "deny").replace("timeout=5&", "timeout=0.1&")
    gw = await gateway_factory(conf, {"limits": LIMIT})
    raw = redis.Redis(port=redis_server.port, socket_timeout=10)
    with raw, caplog.at_level(logging.WARNING, logger="sluicegate.state"):
        raw.execute_command("CLIENT", "PAUSE", 450, "ALL")  # every command held 0.45 s
        stalled = await post(gw, **{"x-user": "stalled"})
        assert await asyncio.to_thread(raw.ping)  # answered once the pause is over
        after = [await post(gw, **{"x-user": "u"}) for _ in range(3)]
    assert stalled.status_code == 503 and stalled.json()["error"]["type"] == "state_unavailable"
    assert [r.status_code for r in after] == [200, 200, 429]  # the store's answers: burst 1
    lines = [r.getMessage() for r in caplog.records if r.name == "sluicegate.state"]
    assert len(lines) == 2 and "unavailable" in lines[0] and "answers again" in lines[1], lines
