"""The contract-suite harness: the same tests against the memory and the redis backend.

Time is the one thing the backends cannot share: the memory store runs on a fake clock the
test moves, redis on the server's clock. ``Harness.elapse`` hides the difference: it moves
the fake clock, or polls redis (bounded, never a fixed sleep) until the expected effect of
real time passing shows up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from proxy.state import StateStore
from proxy.testing import FakeClock

POLL_BOUND = 5.0  # seconds of real time a redis TTL may lag its nominal value in these tests


@dataclass
class Harness:
    kind: str
    store: StateStore
    clock: FakeClock | None

    async def elapse(self, seconds: float, until: Callable[[], Awaitable[bool]]) -> None:
        """Let ``seconds`` pass, then require ``until()`` to hold."""
        if self.clock is not None:
            self.clock.advance(seconds)
            assert await until(), f"not true after advancing the clock {seconds}s"
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds + POLL_BOUND
        while not await until():
            assert loop.time() < deadline, f"not true {seconds + POLL_BOUND}s later"
            await asyncio.sleep(0.02)
