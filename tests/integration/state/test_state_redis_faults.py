"""Redis failing under a live store: killed, stalled and restarted, with both on_error policies.

The session redis-server is killed (SIGKILL) mid-test and restarted on the same port; the
``redis_url`` fixture restarts it for later tests if an assertion stops this one early.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from proxy.config.types import Rate
from proxy.state import GuardedStore, StateStore, StateUnavailable, create_store
from tests.fixtures.redis import RedisServer

RATE = Rate(1, 3600)
RECOVERY_BOUND = 10.0


async def wait_until_reachable(store: StateStore) -> None:
    """Poll ``ping`` until redis answers again, for at most RECOVERY_BOUND seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECOVERY_BOUND
    while True:
        try:
            await store.ping()
            return
        except StateUnavailable:
            assert loop.time() < deadline, "redis did not come back"
            await asyncio.sleep(0.02)


@pytest.fixture
async def make_store(redis_url: str) -> AsyncIterator[Callable[..., GuardedStore]]:
    built: list[StateStore] = []

    def build(on_error: str, seen: list[str], timeout: float = 0.5) -> GuardedStore:
        hook = lambda op, node: seen.append(op)  # noqa: E731
        store = create_store(
            "redis", redis_url, on_error, "sgtest:", on_backend_error=hook, timeout=timeout
        )
        assert isinstance(store, GuardedStore)
        built.append(store)
        return store

    yield build
    for store in built:
        await store.close()


async def test_allow_keeps_serving_while_redis_is_dead_and_resumes_limits(
    redis_server: RedisServer, make_store: Callable[..., GuardedStore]
) -> None:
    seen: list[str] = []
    store = make_store("allow", seen)
    assert (await store.gcra("k", RATE, 0)).allowed
    assert not (await store.gcra("k", RATE, 0)).allowed
    await store.ban("ip:1", 3600)
    redis_server.stop()
    try:
        assert (await store.gcra("k", RATE, 0)).allowed  # fail open
        assert await store.banned("ip:1") is None
        assert await store.reserve("budget", 5, 1, ttl=60) == (True, 5)
        async with store.coalesce("c") as leader:
            assert leader  # no lock to be had: everyone computes
        assert seen[:4] == ["gcra", "banned", "reserve", "lead"]
        assert store.errors_total == len(seen) >= 4
    finally:
        redis_server.start()
    await wait_until_reachable(store)
    assert (await store.gcra("k", RATE, 0)).allowed  # a fresh, empty redis
    assert not (await store.gcra("k", RATE, 0)).allowed  # and the limit holds again
    errors = store.errors_total
    await store.ban("ip:2", 60)
    assert await store.banned("ip:2") is not None
    assert store.errors_total == errors


async def test_deny_raises_503_while_redis_is_dead_and_recovers(
    redis_server: RedisServer, make_store: Callable[..., GuardedStore]
) -> None:
    seen: list[str] = []
    store = make_store("deny", seen)
    assert (await store.gcra("k", RATE, 0)).allowed
    redis_server.stop()
    try:
        with pytest.raises(StateUnavailable) as caught:
            await store.gcra("k", RATE, 0)
        assert caught.value.status == 503
        with pytest.raises(StateUnavailable):
            await store.get("cache")
        with pytest.raises(StateUnavailable):
            await store.ping()
        assert seen == ["gcra", "get"] and store.errors_total == 2
    finally:
        redis_server.start()
    await wait_until_reachable(store)
    assert (await store.gcra("k", RATE, 0)).allowed
    assert not (await store.gcra("k", RATE, 0)).allowed


async def test_a_stalled_redis_times_out_instead_of_hanging(
    redis_server: RedisServer, make_store: Callable[..., GuardedStore]
) -> None:
    seen: list[str] = []
    store = make_store("deny", seen, timeout=0.2)
    await store.ping()
    admin = redis_server.client()
    try:
        admin.execute_command("CLIENT", "PAUSE", 1000, "ALL")  # the server stops answering
        with pytest.raises(StateUnavailable, match="Timeout"):
            await asyncio.wait_for(store.gcra("k", RATE, 0), RECOVERY_BOUND)
        assert seen == ["gcra"]
    finally:
        admin.close()
    await wait_until_reachable(store)
    assert (await store.gcra("k", RATE, 0)).allowed


async def test_concurrent_calls_during_an_outage_all_get_the_policy(
    redis_server: RedisServer, make_store: Callable[..., GuardedStore]
) -> None:
    seen: list[str] = []
    store = make_store("allow", seen)
    await store.ping()
    redis_server.stop()
    try:
        decisions = await asyncio.gather(*(store.gcra("k", RATE, 0) for _ in range(100)))
    finally:
        redis_server.start()
    assert all(d.allowed for d in decisions)
    assert store.errors_total == 100 and seen == ["gcra"] * 100
