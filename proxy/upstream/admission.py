"""Admission control: a bound on in-flight requests per upstream group, with a queue.

Past ``max_in_flight``, a request waits in a bounded priority queue: higher priority
first, first come first served within a priority. A full queue rejects at once; a wait
longer than ``max_wait`` rejects with ``reason="timeout"``. Both become a 503 with
``Retry-After`` at the caller. Shedding early keeps the latency of admitted requests
flat under overload instead of letting every request get slow together.

A finished request hands its slot *directly* to the best waiter (its future is
resolved), so there is no thundering herd and no window where a newcomer can jump the
queue. Cancellation (client disconnect) while waiting removes the waiter; if the slot
had already been handed over when the cancel landed, it is passed on, so no slot ever
leaks.

Priority convention: an ``int``, higher is served sooner, default 0. The caller maps its
configured source (``identity.tier``, a header) to that integer.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Literal

from proxy.upstream.quota import Clock

if TYPE_CHECKING:
    from proxy.config.upstreams import AdmissionConfig
    from proxy.exchange import Exchange

PriorityOf = Callable[["Exchange"], int]

Reason = Literal["queue_full", "timeout"]
WaitOutcome = Literal["admitted", "queue_full", "timeout", "cancelled"]
WaitObserver = Callable[[float, WaitOutcome], None]


class AdmissionRejected(Exception):
    """The group is overloaded: answer 503 with ``Retry-After: retry_after``."""

    def __init__(self, reason: Reason, retry_after: float) -> None:
        super().__init__(f"upstream group overloaded ({reason})")
        self.reason: Reason = reason
        self.retry_after = retry_after


class AdmissionController:
    """``max_in_flight`` slots plus a priority queue of at most ``queue`` waiters.

    ``on_wait(seconds, outcome)`` is called once per admission decision (0.0 for a
    request admitted or rejected at once) so metrics can record queue wait.
    ``retry_after`` on rejections is ``max(1, max_wait)`` seconds: the time after which
    a queue that was full has at least been through one full waiting cycle.
    """

    def __init__(
        self,
        max_in_flight: int,
        queue: int = 0,
        max_wait: float = 5.0,
        *,
        clock: Clock = time.monotonic,
        on_wait: WaitObserver | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if queue < 0 or max_wait < 0:
            raise ValueError("queue and max_wait must not be negative")
        self.max_in_flight = max_in_flight
        self.queue_limit = queue
        self.max_wait = max_wait
        self.retry_after = max(1.0, max_wait)
        self._clock = clock
        self._on_wait = on_wait
        self._in_flight = 0
        self._queued = 0
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @property
    def in_flight(self) -> int:
        """Requests holding a slot (including ones handed a slot but not yet resumed)."""
        return self._in_flight

    @property
    def queued(self) -> int:
        """Requests waiting for a slot."""
        return self._queued

    def _observe(self, seconds: float, outcome: WaitOutcome) -> None:
        if self._on_wait is not None:
            self._on_wait(seconds, outcome)

    def try_acquire(self) -> bool:
        """Take a free slot now if there is one (no coroutine for the common case); False
        when the caller must ``await acquire()``."""
        if self._in_flight < self.max_in_flight:
            self._in_flight += 1
            if self._on_wait is not None:  # ``_observe``, inline: once per provider call
                self._on_wait(0.0, "admitted")
            return True
        return False

    async def acquire(self, priority: int = 0) -> None:
        """Take a slot, waiting if needed; raises ``AdmissionRejected``. Pair with
        ``release()`` (or use ``admit()``)."""
        if self._in_flight < self.max_in_flight:
            self._in_flight += 1
            self._observe(0.0, "admitted")
            return
        if self._queued >= self.queue_limit:
            self._observe(0.0, "queue_full")
            raise AdmissionRejected("queue_full", self.retry_after)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (-priority, next(self._seq), future))
        self._queued += 1
        started = self._clock()
        timer = loop.call_later(self.max_wait, self._expire, future)
        try:
            await future
        except asyncio.CancelledError:
            if future.cancelled():
                self._queued -= 1
                self._observe(self._clock() - started, "cancelled")
                self._compact()
            elif future.exception() is None:
                # The slot was handed to us just as we were cancelled: pass it on.
                self.release()
            raise
        except AdmissionRejected:
            self._observe(self._clock() - started, "timeout")
            raise
        finally:
            timer.cancel()
        self._observe(self._clock() - started, "admitted")

    def _expire(self, future: asyncio.Future[None]) -> None:
        if not future.done():
            self._queued -= 1
            future.set_exception(AdmissionRejected("timeout", self.retry_after))
            self._compact()

    def release(self) -> None:
        """Give a slot back: straight to the best live waiter, else to the pool."""
        while self._heap:
            _, _, future = heapq.heappop(self._heap)
            if not future.done():
                self._queued -= 1
                future.set_result(None)
                return
        self._in_flight -= 1

    def _compact(self) -> None:
        """Drop dead waiters once they outnumber the live ones (keeps the heap small)."""
        if len(self._heap) > 2 * self._queued + 16:
            self._heap = [entry for entry in self._heap if not entry[2].done()]
            heapq.heapify(self._heap)

    @asynccontextmanager
    async def admit(self, priority: int = 0) -> AsyncIterator[None]:
        """``async with controller.admit(priority):`` holds a slot for the block."""
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()

    def snapshot(self) -> dict[str, object]:
        return {
            "in_flight": self._in_flight,
            "max_in_flight": self.max_in_flight,
            "queued": self._queued,
            "queue": self.queue_limit,
            "max_wait": self.max_wait,
        }


def compile_priority(config: AdmissionConfig | None) -> PriorityOf | None:
    """The request's admission priority, read the way ``admission.priority`` says — decided
    once, at load, not per request. None when the group has no priority source."""
    if config is None or config.priority is None:
        return None
    table = dict(config.priorities)
    if config.priority == "identity.tier":

        def read(ex: Exchange) -> str | None:
            return ex.identity.tier if ex.identity is not None else None

    else:
        header = config.priority.removeprefix("header.").lower()

        def read(ex: Exchange) -> str | None:
            return ex.request_headers.get(header)

    def priority(ex: Exchange) -> int:
        value = read(ex)
        if value is None:
            return 0
        if value in table:
            return table[value]
        # A header is the client's: only a short plain integer counts (a 5000-digit one made
        # int() raise, issue 17 L10); anything else is the default priority.
        digits = value[1:] if value[:1] == "-" else value
        return int(value) if 0 < len(digits) <= 9 and digits.isascii() and digits.isdigit() else 0

    return priority
