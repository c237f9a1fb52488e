"""A fresh gateway's first calls on a Sentinel URL wait for its discovery of the primary.

Calls that came while the first discovery was confirming the primary the sentinels named
(its ``ROLE``) were refused under ``on_error = "deny"`` as if that primary had failed: a 503
"primary ... is failing" for a node that had not failed. The primary here is a scripted node
holding its ``ROLE`` reply until the test lets it go.
"""

from __future__ import annotations

import asyncio

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
