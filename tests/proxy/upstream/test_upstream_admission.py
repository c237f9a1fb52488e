"""AdmissionController: slots, the priority queue, rejection, cancellation, no leaks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from proxy.upstream.admission import AdmissionController, AdmissionRejected


async def settle(condition: Callable[[], bool], rounds: int = 10_000) -> None:
    """Let other tasks run (no wall-clock waiting) until ``condition`` holds."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def test_admits_at_once_below_the_limit() -> None:
    ctl = AdmissionController(max_in_flight=2, queue=0)
    await ctl.acquire()
    await ctl.acquire()
    assert ctl.in_flight == 2
    ctl.release()
    ctl.release()
    assert ctl.in_flight == 0


async def test_higher_priority_first_and_fifo_within_a_priority() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=10, max_wait=60.0)
    await ctl.acquire()  # hold the only slot
    order: list[str] = []

    async def waiter(label: str, priority: int) -> None:
        await ctl.acquire(priority)
        order.append(label)
        ctl.release()

    tasks = []
    for n, (label, priority) in enumerate(
        [("low-1", 0), ("high-1", 5), ("mid", 1), ("high-2", 5), ("low-2", 0), ("neg", -3)]
    ):
        tasks.append(asyncio.create_task(waiter(label, priority)))
        await settle(lambda n=n: ctl.queued == n + 1)
    ctl.release()
    await asyncio.gather(*tasks)
    assert order == ["high-1", "high-2", "mid", "low-1", "low-2", "neg"]
    assert ctl.in_flight == 0
    assert ctl.queued == 0


async def test_full_queue_rejects_at_once() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=2, max_wait=7.0)
    await ctl.acquire()
    waiters = [asyncio.create_task(ctl.acquire()) for _ in range(2)]
    await settle(lambda: ctl.queued == 2)
    with pytest.raises(AdmissionRejected) as info:
        await ctl.acquire(priority=100)  # even high priority: the queue bound is absolute
    assert info.value.reason == "queue_full"
    assert info.value.retry_after == 7.0
    assert ctl.queued == 2
    ctl.release()  # the holder's slot goes to the first waiter...
    ctl.release()  # ...and the first waiter's to the second
    await asyncio.gather(*waiters)
    assert ctl.in_flight == 1  # the last waiter still holds its slot
    assert ctl.queued == 0
    ctl.release()
    assert ctl.in_flight == 0


async def test_queue_zero_means_no_waiting() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=0)
    async with ctl.admit():
        with pytest.raises(AdmissionRejected, match="queue_full"):
            await ctl.acquire()
    assert ctl.in_flight == 0


async def test_wait_longer_than_max_wait_is_rejected_and_leaves_no_trace() -> None:
    observed: list[tuple[float, str]] = []
    ctl = AdmissionController(
        max_in_flight=1, queue=5, max_wait=0.01, on_wait=lambda s, o: observed.append((s, o))
    )
    await ctl.acquire()
    with pytest.raises(AdmissionRejected) as info:
        await ctl.acquire()
    assert info.value.reason == "timeout"
    assert info.value.retry_after == 1.0  # never below one second
    assert ctl.queued == 0
    ctl.release()  # must not hand the slot to the timed-out waiter
    assert ctl.in_flight == 0
    assert [o for _, o in observed] == ["admitted", "timeout"]
    assert observed[1][0] >= 0.0


async def test_cancelled_waiter_is_removed_and_no_slot_leaks() -> None:
    observed: list[str] = []
    ctl = AdmissionController(
        max_in_flight=1, queue=5, max_wait=60.0, on_wait=lambda s, o: observed.append(o)
    )
    await ctl.acquire()
    task = asyncio.create_task(ctl.acquire())
    await settle(lambda: ctl.queued == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ctl.queued == 0
    ctl.release()
    assert ctl.in_flight == 0
    await ctl.acquire()  # the slot is really free
    assert ctl.in_flight == 1
    assert observed == ["admitted", "cancelled", "admitted"]


async def test_cancel_landing_after_the_handoff_passes_the_slot_on() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=5, max_wait=60.0)
    await ctl.acquire()
    first = asyncio.create_task(ctl.acquire(priority=1))
    second = asyncio.create_task(ctl.acquire(priority=0))
    await settle(lambda: ctl.queued == 2)
    ctl.release()  # resolves first's future: the slot is now first's
    first.cancel()  # ...but first is cancelled before it ever runs again
    with pytest.raises(asyncio.CancelledError):
        await first
    await settle(second.done)  # the slot was passed on, not lost (a leak would hang here)
    await second
    assert ctl.in_flight == 1
    assert ctl.queued == 0
    ctl.release()
    assert ctl.in_flight == 0


async def test_admit_releases_when_the_block_raises() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=1)
    with pytest.raises(RuntimeError):
        async with ctl.admit():
            raise RuntimeError("upstream blew up")
    assert ctl.in_flight == 0
    assert ctl.snapshot()["in_flight"] == 0


async def test_a_thousand_concurrent_waiters_with_cancellations_leak_nothing() -> None:
    ctl = AdmissionController(max_in_flight=8, queue=1000, max_wait=60.0)
    rng = random.Random(42)
    running = peak = done = 0

    async def request() -> None:
        nonlocal running, peak, done
        async with ctl.admit(rng.randint(0, 3)):
            running += 1
            peak = max(peak, running)
            try:
                await asyncio.sleep(0)
                await asyncio.sleep(0)
            finally:
                running -= 1
            done += 1

    tasks = [asyncio.create_task(request()) for _ in range(1000)]
    await asyncio.sleep(0)
    cancelled = tasks[::7]
    for task in cancelled:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, asyncio.CancelledError) for e in errors)
    assert len(errors) == len(cancelled)
    assert done == 1000 - len(cancelled)
    assert 1 < peak <= 8
    assert ctl.in_flight == 0
    assert ctl.queued == 0
    assert len(ctl._heap) == 0


async def test_many_timeouts_keep_the_heap_small() -> None:
    ctl = AdmissionController(max_in_flight=1, queue=500, max_wait=0.0)
    await ctl.acquire()
    results = await asyncio.gather(*(ctl.acquire() for _ in range(300)), return_exceptions=True)
    assert all(isinstance(r, AdmissionRejected) and r.reason == "timeout" for r in results)
    assert ctl.queued == 0
    assert len(ctl._heap) <= 16
    ctl.release()
    assert ctl.in_flight == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_in_flight": 0},
        {"max_in_flight": 1, "queue": -1},
        {"max_in_flight": 1, "max_wait": -1.0},
    ],
)
def test_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AdmissionController(**kwargs)  # type: ignore[arg-type]


def test_the_priority_source_is_checked_and_compiled_at_load() -> None:
    from pydantic import ValidationError

    from proxy.config.upstreams import AdmissionConfig
    from proxy.exchange import Identity
    from proxy.testing import make_exchange
    from proxy.upstream.admission import compile_priority

    with pytest.raises(ValidationError, match=r'"identity\.tier" or "header\.<name>"'):
        AdmissionConfig(priority="tier")
    assert compile_priority(AdmissionConfig()) is None
    by_tier = compile_priority(AdmissionConfig(priority="identity.tier", priorities={"gold": 9}))
    by_header = compile_priority(AdmissionConfig(priority="header.X-Prio"))
    assert by_tier is not None and by_header is not None
    ex = make_exchange(headers={"X-Prio": "3"})
    assert (by_tier(ex), by_header(ex)) == (0, 3)
    ex.identity = Identity("u", tier="gold")
    assert by_tier(ex) == 9
