"""The shared deadline sweeper (keep-alive, body deadline, disconnect watcher) on a fake
clock: who is handed to ``due`` and when, what stays, and the one timer's life."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from proxy.deadlines import DeadlineSweeper
from proxy.testing import FakeClock


class Due:
    """``due`` that records its calls and answers from ``done`` (True when absent)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.done: dict[str, bool] = {}

    def __call__(self, item: str) -> bool:
        self.calls.append(item)
        return self.done.get(item, True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def due() -> Due:
    return Due()


@pytest.fixture
def sweep(due: Due, clock: FakeClock) -> Iterator[DeadlineSweeper[str]]:
    """Deadlines 10 s after ``add``."""
    sweeper: DeadlineSweeper[str] = DeadlineSweeper(10.0, 1.0, due, clock)
    yield sweeper
    sweeper.close()


async def test_only_items_past_their_deadline_are_handed_over_once(
    sweep: DeadlineSweeper[str], due: Due, clock: FakeClock
) -> None:
    sweep.add("early")
    clock.advance(5)
    sweep.add("late")
    clock.advance(4.9)
    sweep._sweep()
    assert due.calls == [] and len(sweep) == 2
    clock.advance(0.1)  # "early" reaches its deadline
    sweep._sweep()
    assert due.calls == ["early"] and len(sweep) == 1
    clock.advance(5)
    sweep._sweep()
    sweep._sweep()
    assert due.calls == ["early", "late"] and len(sweep) == 0


async def test_an_item_not_done_keeps_its_deadline_and_is_asked_again(
    sweep: DeadlineSweeper[str], due: Due, clock: FakeClock
) -> None:
    due.done["busy"] = False
    sweep.add("busy")
    clock.advance(10)
    sweep._sweep()
    sweep._sweep()  # still past its deadline, not restarted by being kept
    assert due.calls == ["busy", "busy"] and len(sweep) == 1
    due.done["busy"] = True
    sweep._sweep()
    assert due.calls == ["busy"] * 3 and len(sweep) == 0


async def test_discard_and_restart_move_or_stop_the_clock(
    sweep: DeadlineSweeper[str], due: Due, clock: FakeClock
) -> None:
    sweep.add("gone")
    sweep.add("restarted")
    clock.advance(8)
    sweep.discard("gone")
    sweep.discard("never added")
    sweep.add("restarted")
    clock.advance(8)
    sweep._sweep()
    assert due.calls == []
    clock.advance(2)
    sweep._sweep()
    assert due.calls == ["restarted"]


async def test_an_item_removed_by_an_earlier_due_of_the_same_sweep_is_not_asked(
    clock: FakeClock,
) -> None:
    calls: list[str] = []

    def due(item: str) -> bool:
        calls.append(item)
        own.discard("b")  # e.g. closing one connection ends another's request
        return True

    own: DeadlineSweeper[str] = DeadlineSweeper(1.0, 1.0, due, clock)
    own.add("a")
    own.add("b")
    clock.advance(1)
    own._sweep()
    assert calls == ["a"] and len(own) == 0
    own.close()


async def test_a_due_that_restarts_its_item_keeps_the_new_deadline(clock: FakeClock) -> None:
    def due(item: str) -> bool:
        own.add(item)  # e.g. a connection closed and idle again at once
        return False

    own: DeadlineSweeper[str] = DeadlineSweeper(1.0, 1.0, due, clock)
    own.add("a")
    clock.advance(1)
    own._sweep()
    assert own._pending["a"] == clock.now + 1
    own.close()


async def test_drain_hands_back_every_item_without_asking_due(
    sweep: DeadlineSweeper[str], due: Due, clock: FakeClock
) -> None:
    sweep.add("a")
    sweep.add("b")
    assert sorted(sweep.drain()) == ["a", "b"]
    assert len(sweep) == 0 and due.calls == []


async def test_one_timer_runs_while_items_are_pending_and_stops_when_none_are(
    clock: FakeClock, due: Due
) -> None:
    sweep: DeadlineSweeper[str] = DeadlineSweeper(0.0, 0.001, due, clock)
    assert sweep._timer is None
    sweep.add("a")
    timer = sweep._timer
    sweep.add("b")
    assert timer is not None and sweep._timer is timer  # one timer, however many items
    for _ in range(1000):  # the loop runs the sweep; bounded
        if sweep._timer is None:
            break
        await asyncio.sleep(0.001)
    assert sorted(due.calls) == ["a", "b"] and sweep._timer is None and len(sweep) == 0
    sweep.add("c")
    assert sweep._timer is not None  # started again by the next item
    sweep.close()
    assert sweep._timer is None
