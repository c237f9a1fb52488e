"""Noticing that the gateway's own event loop stalled, so a timeout can be blamed rightly.

A burst of thousands of new streams keeps one loop iteration busy for seconds. Meanwhile the
kernel completes the provider's handshake and receives its answer, but an event loop runs
its expired timers before it polls for I/O, so the connect or first-byte timer "expires"
with the answer already waiting (issue 15: 369 of 2,000 streams got a 504 for a connect
that had succeeded, and opened the provider's breaker). Such a timeout is the gateway's
overload, not the provider's failure: a 503 with ``Retry-After``, counted by no breaker.

One timer every ``interval`` (50 ms) measures how late it runs; a tick later than
``stall`` (250 ms) records the time. A tick scheduled every 50 ms falls due before any
request's timer that expired in the same stall, so it runs first and the stall is on record
when the timed-out request looks.
"""

from __future__ import annotations

import asyncio


class LoopLag:
    __slots__ = ("_due", "_handle", "_loop", "interval", "last_stall", "stall")

    def __init__(self, interval: float = 0.05, stall: float = 0.25) -> None:
        self.interval = interval
        self.stall = stall
        self.last_stall = float("-inf")  # loop.time() of the last stall noticed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0

    def ensure_started(self) -> None:
        """Start watching the running loop (once; cheap to call per request)."""
        if self._handle is None:
            self._loop = asyncio.get_running_loop()
            self._schedule(self._loop.time())

    def _schedule(self, now: float) -> None:
        assert self._loop is not None
        self._due = now + self.interval
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        if now - self._due > self.stall:
            self.last_stall = now
        self._schedule(now)

    def stalled_since(self, started: float) -> bool:
        """Whether the loop stalled after ``started`` (a ``loop.time()``)."""
        return self.last_stall >= started

    def now(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
