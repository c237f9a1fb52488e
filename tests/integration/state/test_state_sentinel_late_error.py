"""A late error from the old primary must not undo a followed Sentinel failover.

A command sent to the primary just before a failover can come back ``READONLY`` after the
client has already followed the sentinels to the new primary. That reply concerns a node
the client no longer writes to: marking the *current* primary stale for it sent every
following call back to the sentinels, answered 503 for ``rediscover_interval`` while the new
primary was fine (seen as a rare 503 after the switch in ``test_fleet``'s planned failover).

The failover here runs on a Sentinel set of its own, so the session's set sees only the
failovers its own tests make.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from proxy.state import StateUnavailable
from proxy.state.resp import RespClient
from proxy.state.sentinel import SentinelClient
from proxy.state.urls import parse_state_url
from tests.fixtures.redis_topology import SentinelSet, self_role, wait_for

FOLLOW_ATTEMPTS = 200  # 10 ms apart: the sentinels name the new primary within a few seconds


@pytest.fixture
def own_sentinel(tmp_path: Path) -> Iterator[SentinelSet]:
    sentinels = SentinelSet(tmp_path)
    try:
        yield sentinels.start()
    finally:
        sentinels.stop()


async def test_a_late_error_from_the_old_primary_keeps_the_new_one(
    own_sentinel: SentinelSet,
) -> None:
    redis_sentinel = own_sentinel
    client = SentinelClient(parse_state_url(redis_sentinel.url), rediscover_interval=0.0)
    try:
        await client.command("k", "SET", "k", "before")
        gate = asyncio.Event()

        async def late_write(node: RespClient) -> Any:
            await gate.wait()  # held until the client has followed the failover
            return await node.execute("SET", "late", "1")

        late = asyncio.create_task(client._call(late_write))
        await asyncio.sleep(0)  # the late call holds the old primary
        old = redis_sentinel.primary()
        with redis.Redis(port=redis_sentinel.sentinel_ports[0], socket_timeout=2) as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", redis_sentinel.service)
        await asyncio.to_thread(wait_for, lambda: self_role(old) == "slave", "the demotion")
        for _ in range(FOLLOW_ATTEMPTS):
            try:
                await client.command("k", "SET", "k", "after")
                break
            except StateUnavailable:
                await asyncio.sleep(0.01)
        else:
            pytest.fail("the client never followed the failover")
        assert client.node_for("k") != f"127.0.0.1:{old.port}"

        # No rediscovery from here on: a stale mark would now answer 503 for a minute.
        client.rediscover_interval = 60.0
        gate.set()
        with pytest.raises(StateUnavailable):
            await late  # the old primary, now a replica (its client closed), fails the write
        assert await client.command("k", "GET", "k") == b"after"
        assert await client.command("k", "SET", "k", "still") is not None
    finally:
        await client.close()
