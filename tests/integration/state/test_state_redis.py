"""Redis-only properties: EVALSHA with NOSCRIPT reload, prefixes, hash tags on a real
cluster-mode server, and several gateway instances sharing one limiter exactly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis
from redis.crc import key_slot

from proxy.config.types import Rate
from proxy.state.redis import RedisStore
from tests.fixtures.redis import start_redis


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    backend = RedisStore.from_url(redis_url, "sgtest:")
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[Redis[bytes]]:
    client: Redis[bytes] = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()  # type: ignore[attr-defined]


async def exercise(store: RedisStore) -> None:
    """One call of every primitive, the ones the gateway runs as scripts included."""
    await store.gcra("k", Rate(1, 60), 1)
    await store.incr("k", 1, ttl=60)
    await store.reserve("k", 1, 10, ttl=60)
    await store.adjust("k", -1, ttl=60)
    await store.hit("k", window=60)
    await store.set("k", b"v", ttl=60)
    await store.get("k")
    await store.ban("k", 60)
    await store.banned("k")
    await store.bans("")
    await store.unban("k")
    async with store.coalesce("k") as leader:
        assert leader


async def command_calls(raw: Redis[bytes]) -> dict[str, int]:
    stats = await raw.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


async def test_scripts_run_by_sha_and_survive_script_flush(
    store: RedisStore, raw: Redis[bytes]
) -> None:
    await exercise(store)  # loads every script once
    await raw.config_resetstat()
    await exercise(store)
    calls = await command_calls(raw)
    assert calls.get("evalsha", 0) == 6  # gcra, incr, reserve, adjust, hit, release: by sha
    assert "eval" not in calls and "script|load" not in calls
    await raw.script_flush()
    await raw.config_resetstat()
    await exercise(store)
    calls = await command_calls(raw)
    assert calls["script|load"] == 6  # NOSCRIPT made the client load each script once
    assert calls["evalsha"] == 12  # the failed attempt, then the successful retry
    assert (await store.gcra("k", Rate(1, 60), 1)).allowed is False  # state intact


async def test_keys_carry_prefix_and_one_hash_tag_per_call(
    store: RedisStore, raw: Redis[bytes]
) -> None:
    await exercise(store)
    await store.hit("user:{weird}key", window=60)
    keys = sorted([k.decode() async for k in raw.scan_iter()])
    assert keys and all(k.startswith("sgtest:") for k in keys)
    assert "sgtest:rl:{k}" in keys and "sgtest:hit:{k}:seq" in keys
    await store.ban("203.0.113.9", 60)
    assert await raw.pttl("sgtest:ban:{203.0.113.9}") > 59_000  # one key per ban, expiring
    assert key_slot(b"sgtest:hit:{k}") == key_slot(b"sgtest:hit:{k}:seq")
    weird = store.key("hit", "user:{weird}key")
    assert key_slot(weird.encode()) == key_slot((weird + ":seq").encode())


async def test_prefixes_isolate_two_deployments(redis_url: str) -> None:
    blue, green = RedisStore.from_url(redis_url, "blue:"), RedisStore.from_url(redis_url, "green:")
    try:
        assert (await blue.gcra("k", Rate(1, 3600), 0)).allowed
        assert (await green.gcra("k", Rate(1, 3600), 0)).allowed
        await blue.ban("ip", 60)
        assert await green.banned("ip") is None
        assert await blue.banned("ip") is not None
    finally:
        await blue.close()
        await green.close()


async def test_three_instances_admit_exactly_the_allowance(redis_url: str) -> None:
    instances = [RedisStore.from_url(redis_url, "sgtest:") for _ in range(3)]
    rate, burst = Rate(1, 3600), 99
    try:
        calls = [instances[i % 3].gcra("shared", rate, burst) for i in range(600)]
        decisions = await asyncio.gather(*calls)
    finally:
        for instance in instances:
            await instance.close()
    assert sum(d.allowed for d in decisions) == burst + 1
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(burst + 1))
    assert all(d.retry_after > 3500 for d in decisions if not d.allowed)


async def test_works_on_a_cluster_mode_server(tmp_path: Path) -> None:
    """A cluster-enabled redis rejects any script whose keys span slots (CROSSSLOT)."""
    server = start_redis(tmp_path, cluster=True)
    try:
        admin = server.client()
        admin.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        deadline = time.monotonic() + 10
        while b"cluster_state:ok" not in admin.execute_command("CLUSTER", "INFO"):
            assert time.monotonic() < deadline, "single-node cluster never became ok"
            await asyncio.sleep(0.02)
        with pytest.raises(redis.ResponseError, match="same slot"):
            admin.eval("return 1", 2, "sgtest:a", "sgtest:b")  # the server does enforce it
        admin.close()
        store = RedisStore.from_url(server.url, "sgtest:")
        try:
            await exercise(store)
            assert await store.hit("k", window=60) == 2
            assert await store.banned("k") is None
        finally:
            await store.close()
    finally:
        server.stop()
