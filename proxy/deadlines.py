"""One sweeper for many deadlines: a dict insert and delete per item, one timer in all.

Three of the gateway's timeouts fire rarely and are set on every request: the keep-alive of
an idle Hypercorn connection (``proxy.keepalive``), the body deadline of a request under
Granian or HTTP/2 (``proxy.engines.body_deadline``) and the delay before a long request gets
a watcher for its client leaving (``proxy.disconnect``). A timer per item costs a
``TimerHandle`` and a heap push and pop (cancelled or not) per request, and a task per item
more: tens of µs of event-loop work per request at 64 connections for the disconnect timer,
and ~4 % of a Hypercorn worker's CPU for Hypercorn's own keep-alive task per connection
(py-spy: ``AsyncioSingleTask``, ``_idle_timeout``, ``wait_for``;
``benchmarks/results/2026-12-07-*-profile-c64-*``). Here an item costs a dict insert when
its clock starts and a delete when it stops; one timer wakes every ``tick`` while items are
pending and hands each one past its deadline to ``due``. An item is late by up to a tick,
which each owner picks against its timeout (a quarter of it, at most 1 s, for the two
timeouts; the delay itself for the disconnect watcher).

``due(item)`` returns True when the item is done with (it leaves the sweeper) and False to
be asked again at the next sweep, keeping its deadline: a body deadline cannot cancel a read
that is not in progress, and a disconnect watcher cannot start while the body is still
being read. An item removed by an earlier ``due`` of the same sweep is not asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class DeadlineSweeper(Generic[T]):
    """Items with a deadline ``after`` seconds from when they were added."""

    __slots__ = ("_clock", "_due", "_pending", "_timer", "after", "tick")

    def __init__(
        self,
        after: float,
        tick: float,
        due: Callable[[T], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.after = after
        self.tick = tick
        self._due = due
        self._clock = clock
        self._pending: dict[T, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, item: T) -> None:
        """Start (or restart) ``item``'s clock."""
        self._pending[item] = self._clock() + self.after
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.tick, self._sweep)

    def discard(self, item: T) -> None:
        """Stop ``item``'s clock (nothing if it is not running)."""
        self._pending.pop(item, None)

    def drain(self) -> list[T]:
        """Every pending item, removed without being handed to ``due``."""
        items = list(self._pending)
        self._pending.clear()
        return items

    def close(self) -> None:
        """Stop the timer; items added later start it again."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _sweep(self) -> None:
        self._timer = None
        now = self._clock()
        pending = self._pending
        for item, deadline in list(pending.items()):
            due = deadline <= now and pending.pop(item, None) is not None
            if due and not self._due(item):
                pending.setdefault(item, deadline)  # unless ``due`` restarted it
        if pending:
            self._timer = asyncio.get_running_loop().call_later(self.tick, self._sweep)
