"""After its cooldown a node that is out gets one call at a time, a probe: its answer ends the
outage at once, its failure starts the cooldown again, and meanwhile every other call for
that node takes the policy without waiting (a black-holed node holds one call, not all)."""

from __future__ import annotations

import asyncio

import pytest

from proxy.config.types import Rate
from proxy.state import GcraDecision, GuardedStore, MemoryStore, StateUnavailable
from proxy.testing import FakeClock

RATE = Rate(1, 3600)


class HeldNode(MemoryStore):
    """A memory store on one node: fails while ``down``, and holds each call on ``gate``
    while it is set (a slow node) — the calls that reached it are counted."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.gate: asyncio.Event | None = None
        self.reached = 0

    def node_for(self, key: str) -> str:
        return "n:1"

    async def _arrive(self) -> None:
        self.reached += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise StateUnavailable("redis n:1: TimeoutError: no reply", "n:1")

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        await self._arrive()
        return await super().gcra(key, rate, burst, cost)

    async def get(self, key: str) -> bytes | None:
        await self._arrive()
        return await super().get(key)

    async def wait_released(self, key: str, timeout: float) -> bool:
        await self._arrive()
        return await super().wait_released(key, timeout)


def make(clock: FakeClock) -> tuple[GuardedStore, HeldNode]:
    inner = HeldNode()
    return GuardedStore(inner, "deny", cooldown=0.05, clock=clock), inner


async def test_one_probe_at_a_time_and_its_answer_ends_the_outage(clock: FakeClock) -> None:
    store, inner = make(clock)
    with pytest.raises(StateUnavailable):
        await store.gcra("a", RATE, 1)  # the first call fails: the node is out
    inner.down, inner.gate = False, asyncio.Event()  # reachable again, but slow
    with pytest.raises(StateUnavailable, match="cooling down"):
        await store.gcra("a", RATE, 1)  # within the cooldown nobody asks
    clock.advance(0.05)
    probe = asyncio.create_task(store.gcra("a", RATE, 1))
    await asyncio.sleep(0)
    assert inner.reached == 2
    with pytest.raises(StateUnavailable, match="cooling down"):
        await store.get("b")  # the probe is out: the policy at once, the node not asked
    assert inner.reached == 2
    inner.gate.set()
    assert (await probe).allowed
    assert store.topology()["healthy"] is True
    assert await store.get("b") is None  # every call reaches the node again
    assert inner.reached == 3


async def test_a_failed_probe_starts_the_cooldown_again(clock: FakeClock) -> None:
    store, inner = make(clock)
    for _ in range(2):
        with pytest.raises(StateUnavailable):
            await store.get("a")  # the first call, then the probe after the cooldown
        with pytest.raises(StateUnavailable, match="cooling down"):
            await store.get("a")
        clock.advance(0.05)
    assert inner.reached == 2
    inner.down = False
    assert await store.get("a") is None
    assert store.errors_total == 4


async def test_a_cancelled_probe_lets_the_next_call_probe(clock: FakeClock) -> None:
    store, inner = make(clock)
    with pytest.raises(StateUnavailable):
        await store.get("a")
    inner.down, inner.gate = False, asyncio.Event()
    clock.advance(0.05)
    probe = asyncio.create_task(store.get("a"))
    await asyncio.sleep(0)
    probe.cancel()  # its client went away
    with pytest.raises(asyncio.CancelledError):
        await probe
    inner.gate.set()
    assert await store.get("a") is None  # the next call is the probe, and it answers
    assert inner.reached == 3


async def test_wait_released_is_never_the_probe(clock: FakeClock) -> None:
    """It may poll for seconds: as a probe it would hold every other call off that long."""
    store, inner = make(clock)
    with pytest.raises(StateUnavailable):
        await store.get("a")
    clock.advance(1.0)
    with pytest.raises(StateUnavailable, match="cooling down"):
        await store.wait_released("a", timeout=5)
    assert inner.reached == 1
