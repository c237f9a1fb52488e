"""One contract, two backends: every test runs against memory and against a real redis."""

from __future__ import annotations

import asyncio
import math

import pytest

from proxy.config.types import Rate
from proxy.state import Lease
from tests.integration.state.state_harness import Harness

DAY = 86400.0
MARGIN = 60.0  # real seconds a redis-side duration may have shrunk by before the test reads it


def close_below(value: float, nominal: float) -> bool:
    """``value`` is ``nominal`` (memory, exact) or at most MARGIN under it (redis clock ran)."""
    return nominal - MARGIN < value <= nominal + 1e-6


async def test_concurrent_gcra_admits_exactly_the_allowance(harness: Harness) -> None:
    rate = Rate(1, 3600)  # one an hour: no refill can happen while the test runs
    decisions = await asyncio.gather(*(harness.store.gcra("k", rate, 49) for _ in range(300)))
    assert sum(d.allowed for d in decisions) == 50
    remaining = sorted(d.remaining for d in decisions if d.allowed)
    assert remaining == list(range(50))  # each admission saw a distinct bucket level


async def test_gcra_burst_headers_and_retry_after(harness: Harness) -> None:
    rate = Rate(1, DAY)
    first = [await harness.store.gcra("k", rate, 2) for _ in range(3)]
    assert [d.allowed for d in first] == [True, True, True]
    assert [d.remaining for d in first] == [2, 1, 0]
    assert all(d.limit == 3 and d.retry_after == 0 for d in first)
    assert close_below(first[-1].reset_after, 3 * DAY)
    refused = await harness.store.gcra("k", rate, 2)
    assert not refused.allowed and refused.limit == 3 and refused.remaining == 0
    assert close_below(refused.retry_after, DAY)
    assert close_below(refused.reset_after, 3 * DAY)


async def test_gcra_decisions_have_the_same_types(harness: Harness) -> None:
    """An admission, a refusal and a cost no wait can meet read alike from both backends:
    redis's flag and count come as hiredis reads integer replies (no ``bool()``/``int()``
    on the reply), as bool and int (the header fields format them)."""
    rate, store = Rate(1, DAY), harness.store
    decisions = [await store.gcra("k", rate, 0), await store.gcra("k", rate, 0),
                 await store.gcra("other", rate, 0, cost=2)]  # fmt: skip
    assert [d.allowed for d in decisions] == [True, False, False]
    for decision in decisions:
        assert [type(field) for field in decision] == [bool, int, int, float, float]


async def test_gcra_refills_after_one_interval(harness: Harness) -> None:
    rate = Rate(10, 3.0)  # one every 0.3 s
    assert (await harness.store.gcra("k", rate, 0)).allowed
    refused = await harness.store.gcra("k", rate, 0)
    assert not refused.allowed and 0 < refused.retry_after <= 0.3 + 1e-6

    async def admitted() -> bool:
        return (await harness.store.gcra("k", rate, 0)).allowed

    await harness.elapse(0.3, admitted)


async def test_gcra_cost(harness: Harness) -> None:
    rate, store = Rate(1, DAY), harness.store
    taken = await store.gcra("k", rate, 4, cost=3)
    assert taken.allowed and taken.remaining == 2
    too_much = await store.gcra("k", rate, 4, cost=3)
    assert not too_much.allowed and too_much.remaining == 2
    assert close_below(too_much.retry_after, DAY)
    peek = await store.gcra("k", rate, 4, cost=0)
    assert peek.allowed and peek.remaining == 2
    assert (await store.gcra("k", rate, 4, cost=2)).allowed
    assert not (await store.gcra("k", rate, 4, cost=1)).allowed
    never = await store.gcra("other", rate, 4, cost=6)
    assert not never.allowed and math.isinf(never.retry_after) and never.remaining == 5


async def test_gcra_rejects_bad_arguments(harness: Harness) -> None:
    with pytest.raises(ValueError):
        await harness.store.gcra("k", Rate(1, 1), -1)
    with pytest.raises(ValueError):
        await harness.store.gcra("k", Rate(1, 1), 0, cost=-1)
    with pytest.raises(ValueError):
        await harness.store.gcra("", Rate(1, 1), 0)


async def test_concurrent_reserve_never_exceeds_the_limit(harness: Harness) -> None:
    store = harness.store
    results = await asyncio.gather(*(store.reserve("b", 3, 100, ttl=60) for _ in range(100)))
    granted = [value for ok, value in results if ok]
    assert len(granted) == 33
    assert sorted(granted) == [3.0 * i for i in range(1, 34)]
    assert all(value <= 100 for _, value in results)
    assert await store.reserve("b", 0, 100, ttl=60) == (True, 99.0)


async def test_adjust_settles_and_never_goes_negative(harness: Harness) -> None:
    store = harness.store
    assert await store.reserve("b", 10, 10, ttl=60) == (True, 10.0)
    assert await store.reserve("b", 1, 10, ttl=60) == (False, 10.0)
    assert await store.adjust("b", -4, ttl=60) == 6.0
    assert await store.adjust("b", 2.5, ttl=60) == 8.5
    assert await store.adjust("b", -100, ttl=60) == 0.0
    assert await store.adjust("fresh", -5, ttl=60) == 0.0  # a refund is never credit


async def test_incr_counts_and_expires(harness: Harness) -> None:
    store = harness.store
    assert await store.incr("n", 1.5, ttl=0.3) == 1.5
    assert await store.incr("n", 2, ttl=0.3) == 3.5

    async def restarted() -> bool:
        return await store.incr("n", 0, ttl=0.3) == 0

    await harness.elapse(0.3, restarted)
    assert await store.incr("n", 1, ttl=0.3) == 1


async def test_hit_counts_within_a_sliding_window(harness: Harness) -> None:
    store = harness.store
    # Concurrent events are each counted once: a window far longer than the burst, so a slow
    # (loaded) machine cannot let early events slide out before the last is counted.
    counts = await asyncio.gather(*(store.hit("burst", window=60) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))
    assert await store.hit("other", window=0.3) == 1
    for _ in range(20):
        await store.hit("ip", window=0.3)

    polls = 0

    async def window_slid() -> bool:
        # Each poll is an event too, so only the 20 old events dropping out can make the
        # count fall to at most the number of polls made so far.
        nonlocal polls
        polls += 1
        return await store.hit("ip", window=0.3) <= polls

    await harness.elapse(0.3, window_slid)


async def test_values_set_get_delete_and_expire(harness: Harness) -> None:
    store = harness.store
    assert await store.get("v") is None
    await store.set("v", b"\x00bytes\xff", ttl=0.3)
    await store.set("keep", b"1", ttl=None)
    assert await store.get("v") == b"\x00bytes\xff"

    async def expired() -> bool:
        return await store.get("v") is None

    await harness.elapse(0.3, expired)
    assert await store.get("keep") == b"1"
    await store.delete("keep")
    await store.delete("never-set")
    assert await store.get("keep") is None


async def test_take_hands_a_value_to_exactly_one_caller(harness: Harness) -> None:
    store = harness.store
    await store.set("refresh:abc", b"family-7", ttl=60)
    taken = await asyncio.gather(*(store.take("refresh:abc") for _ in range(20)))
    assert taken.count(b"family-7") == 1 and taken.count(None) == 19
    assert await store.get("refresh:abc") is None
    assert await store.take("never-set") is None


async def test_bans_expire_list_and_lift(harness: Harness) -> None:
    store = harness.store
    await store.ban("ip:10.0.0.1", ttl=0.3)
    await store.ban("ip:10.0.0.2", ttl=DAY)
    await store.ban("jti:abc", ttl=DAY)
    left = await store.banned("ip:10.0.0.1")
    assert left is not None and 0 < left <= 0.3
    assert await store.banned("ip:10.0.0.3") is None
    listed = await store.bans("ip:")
    assert set(listed) == {"ip:10.0.0.1", "ip:10.0.0.2"}
    assert close_below(listed["ip:10.0.0.2"], DAY)
    assert set(await store.bans()) == {"ip:10.0.0.1", "ip:10.0.0.2", "jti:abc"}

    async def expired() -> bool:
        return await store.banned("ip:10.0.0.1") is None

    await harness.elapse(0.3, expired)
    assert set(await store.bans("ip:")) == {"ip:10.0.0.2"}
    assert await store.unban("ip:10.0.0.2") is True
    assert await store.unban("ip:10.0.0.2") is False
    assert await store.banned("ip:10.0.0.2") is None
    await store.ban("jti:abc", ttl=0.3)  # a second ban replaces the first one's expiry
    shortened = await store.banned("jti:abc")
    assert shortened is not None and shortened <= 0.3


async def test_key_spaces_do_not_collide(harness: Harness) -> None:
    store = harness.store
    await store.set("x", b"value", ttl=60)
    assert await store.incr("x", 1, ttl=60) == 1
    assert (await store.gcra("x", Rate(1, 60), 0)).allowed
    assert await store.hit("x", window=60) == 1
    await store.ban("x", 60)
    assert await store.lead("x", ttl=60) is not None
    assert await store.get("x") == b"value"


async def test_concurrent_lead_has_exactly_one_winner(harness: Harness) -> None:
    leases = await asyncio.gather(*(harness.store.lead("k", ttl=60) for _ in range(50)))
    assert sum(lease is not None for lease in leases) == 1


async def test_stale_lease_cannot_release_its_successor(harness: Harness) -> None:
    store = harness.store
    stale = await store.lead("k", ttl=0.3)
    assert stale is not None
    successor: list[Lease] = []

    async def taken_over() -> bool:
        lease = await store.lead("k", ttl=60)
        if lease is not None:
            successor.append(lease)
        return lease is not None

    await harness.elapse(0.3, taken_over)
    await store.release(stale)
    assert await store.lead("k", ttl=60) is None
    await store.release(successor[0])
    assert await store.lead("k", ttl=60) is not None


async def test_coalesce_fifty_callers_one_leader(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = harness.store
    lost = 0
    everyone_tried = asyncio.Event()
    real_lead = store.lead

    async def counting_lead(key: str, ttl: float) -> Lease | None:
        nonlocal lost
        lease = await real_lead(key, ttl)
        if lease is None:
            lost += 1
            if lost == 49:
                everyone_tried.set()
        return lease

    monkeypatch.setattr(store, "lead", counting_lead)
    computed = 0

    async def caller() -> tuple[bool, bytes | None]:
        nonlocal computed
        async with store.coalesce("answer", ttl=30, timeout=20) as leader:
            if leader:
                await everyone_tried.wait()  # hold the lease until all 49 others lost
                computed += 1
                await store.set("answer", b"42", ttl=60)
                return True, b"42"
        return False, await store.get("answer")

    results = await asyncio.wait_for(asyncio.gather(*(caller() for _ in range(50))), 30)
    assert sum(leader for leader, _ in results) == 1
    assert computed == 1
    assert all(value == b"42" for _, value in results)  # waiters read the leader's result
    assert await real_lead("answer", ttl=1) is not None  # and leadership was released


async def test_coalesce_releases_when_the_leader_fails(harness: Harness) -> None:
    store = harness.store
    with pytest.raises(RuntimeError):
        async with store.coalesce("k") as leader:
            assert leader
            raise RuntimeError("upstream failed")
    async with store.coalesce("k") as leader:
        assert leader  # the failed leader's lease did not linger


async def test_waiter_gives_up_after_timeout(harness: Harness) -> None:
    store = harness.store
    assert await store.lead("k", ttl=60) is not None
    async with store.coalesce("k", timeout=0.05) as leader:
        assert leader is False
