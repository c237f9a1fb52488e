"""The memory backend on a fake clock: exact limits, TTLs, windows, bans and leadership."""

from __future__ import annotations

import asyncio

import pytest

from proxy.config.types import Rate
from proxy.state import MemoryStore, StateStore
from proxy.testing import FakeClock


def test_memory_store_satisfies_the_protocol(store: MemoryStore) -> None:
    assert isinstance(store, StateStore)
    assert store.errors_total == 0


async def test_gcra_refills_with_the_clock(store: MemoryStore, clock: FakeClock) -> None:
    rate = Rate(10, 1.0)  # one every 0.1 s
    assert [(await store.gcra("k", rate, 1)).allowed for _ in range(3)] == [True, True, False]
    clock.advance(0.05)
    denied = await store.gcra("k", rate, 1)
    assert not denied.allowed and denied.retry_after == pytest.approx(0.05)
    clock.advance(0.05)
    assert (await store.gcra("k", rate, 1)).allowed
    assert not (await store.gcra("k", rate, 1)).allowed


async def test_two_stores_share_nothing(clock: FakeClock) -> None:
    first, second = MemoryStore(clock=clock), MemoryStore(clock=clock)
    rate = Rate(1, 60)
    assert (await first.gcra("k", rate, 0)).allowed
    assert (await second.gcra("k", rate, 0)).allowed
    await first.ban("ip", 10)
    assert await second.banned("ip") is None


async def test_counter_ttl_starts_at_creation(store: MemoryStore, clock: FakeClock) -> None:
    assert await store.incr("c", 1, ttl=10) == 1
    clock.advance(6)
    assert await store.incr("c", 1, ttl=10) == 2  # a later incr does not extend the window
    clock.advance(4)
    assert await store.incr("c", 5, ttl=10) == 5


async def test_hit_window_boundary(store: MemoryStore, clock: FakeClock) -> None:
    assert await store.hit("h", window=1.0) == 1
    clock.advance(0.5)
    assert await store.hit("h", window=1.0) == 2
    clock.advance(0.5)  # the first event is now exactly one window old: dropped
    assert await store.hit("h", window=1.0) == 2
    clock.advance(1.0)
    assert await store.hit("h", window=1.0) == 1


async def test_sweep_bounds_memory(clock: FakeClock) -> None:
    store = MemoryStore(clock=clock, sweep_interval=5.0)
    for i in range(500):
        await store.gcra(f"ip:{i}", Rate(1, 1), 0)
        await store.incr(f"n:{i}", 1, ttl=1)
        await store.set(f"kv:{i}", b"x", ttl=1)
        await store.hit(f"h:{i}", window=1)
        await store.ban(f"b:{i}", ttl=1)
    assert store.size() == 2500
    clock.advance(5.0)
    await store.get("anything")  # any call past the sweep deadline sweeps everything
    assert store.size() == 0


async def test_set_without_ttl_persists(store: MemoryStore, clock: FakeClock) -> None:
    await store.set("forever", b"1", ttl=None)
    clock.advance(10**9)
    assert await store.get("forever") == b"1"


async def test_expired_leader_is_taken_over_and_its_waiters_woken(
    store: MemoryStore, clock: FakeClock
) -> None:
    stale = await store.lead("k", ttl=5)
    assert stale is not None
    waiter = asyncio.create_task(store.wait_released("k", timeout=30))
    await asyncio.sleep(0)  # let the waiter start waiting on the stale leader
    assert not waiter.done()
    clock.advance(5)
    fresh = await store.lead("k", ttl=5)
    assert fresh is not None and fresh.token != stale.token
    assert await waiter is True
    await store.release(stale)  # the stale leader's release must not free the new lease
    assert await store.lead("k", ttl=5) is None
    await store.release(fresh)
    assert await store.lead("k", ttl=5) is not None


async def test_wait_released_times_out(store: MemoryStore) -> None:
    assert await store.lead("k", ttl=60) is not None
    assert await store.wait_released("k", timeout=0.01) is False
    assert await store.wait_released("nobody", timeout=0.01) is True


async def test_close_wakes_waiters(store: MemoryStore) -> None:
    assert await store.lead("k", ttl=60) is not None
    waiter = asyncio.create_task(store.wait_released("k", timeout=30))
    await asyncio.sleep(0)
    await store.close()
    assert await waiter is True
