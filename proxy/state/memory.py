"""The in-process backend: exact within one process, nothing shared with any other.

Every operation runs without an ``await`` between its read and its write, so on one event
loop it is as atomic as a Lua script in redis. Nothing lives in module globals: two stores are
two worlds (which is also what ``workers > 1`` gives you — each worker process counts on its
own, so limits multiply by the number of workers; use redis to share them).

Memory stays bounded by expiry: every entry carries its own deadline, an expired entry is
dropped when it is next touched, and a sweep over all tables runs at most once per
``sweep_interval`` seconds of the store's clock, from inside ordinary calls (no background
task, so a store can be built outside an event loop). A GCRA entry lives only until its
bucket is full again, a hit log only for its window.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from proxy.config.types import Rate
from proxy.state.base import (
    MAX_LISTED_BANS,
    BackendErrorHook,
    GcraDecision,
    Lease,
    check_gcra_args,
    check_key,
    coalesce,
)
from proxy.state.gcra import gcra_step

Clock = Callable[[], float]


@dataclass(slots=True)
class _Leader:
    token: str
    expires: float
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class _Hits:
    window: float
    times: deque[float] = field(default_factory=deque)


class MemoryStore:
    """``StateStore`` in this process's memory; ``clock`` is injectable for exact tests."""

    shared = False

    def __init__(self, clock: Clock | None = None, sweep_interval: float = 60.0) -> None:
        self.errors_total = 0
        self.on_backend_error: BackendErrorHook | None = None
        self._clock: Clock = clock or time.monotonic
        self._sweep_interval = sweep_interval
        self._next_sweep = self._clock() + sweep_interval
        self._tats: dict[str, float] = {}
        self._counters: dict[str, tuple[float, float]] = {}  # key -> (value, expires)
        self._hits: dict[str, _Hits] = {}
        self._values: dict[str, tuple[bytes, float]] = {}  # key -> (value, expires or inf)
        self._bans: dict[str, float] = {}  # key -> expires
        self._leaders: dict[str, _Leader] = {}
        self._tokens = itertools.count(1)

    def _now(self) -> float:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        return now

    def _sweep(self, now: float) -> None:
        """Drop every expired entry; runs at most once per ``sweep_interval``."""
        self._next_sweep = now + self._sweep_interval
        self._tats = {k: t for k, t in self._tats.items() if t > now}
        self._counters = {k: e for k, e in self._counters.items() if e[1] > now}
        self._values = {k: e for k, e in self._values.items() if e[1] > now}
        self._bans = {k: e for k, e in self._bans.items() if e > now}
        self._hits = {
            k: h for k, h in self._hits.items() if h.times and h.times[-1] > now - h.window
        }

    def size(self) -> int:
        """Entries held across all tables (expired ones included until swept): for tests."""
        tables = (self._tats, self._counters, self._hits, self._values, self._bans)
        return sum(len(t) for t in tables) + len(self._leaders)

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        check_key(key)
        check_gcra_args(rate, burst, cost)
        now = self._now()
        decision, new_tat = gcra_step(self._tats.get(key), now, rate.interval, burst, cost)
        if new_tat is not None:
            self._tats[key] = new_tat
        return decision

    def _counter(self, key: str, now: float, ttl: float) -> tuple[float, float]:
        entry = self._counters.get(key)
        if entry is None or entry[1] <= now:
            return 0.0, now + ttl
        return entry

    async def incr(self, key: str, amount: float, ttl: float) -> float:
        check_key(key)
        now = self._now()
        value, expires = self._counter(key, now, ttl)
        value += amount
        self._counters[key] = (value, expires)
        return value

    async def reserve(
        self, key: str, amount: float, limit: float, ttl: float
    ) -> tuple[bool, float]:
        check_key(key)
        now = self._now()
        value, expires = self._counter(key, now, ttl)
        if value + amount > limit:
            return False, value
        self._counters[key] = (value + amount, expires)
        return True, value + amount

    async def adjust(self, key: str, delta: float, ttl: float) -> float:
        check_key(key)
        now = self._now()
        value, expires = self._counter(key, now, ttl)
        value = max(0.0, value + delta)
        self._counters[key] = (value, expires)
        return value

    async def hit(self, key: str, window: float) -> int:
        check_key(key)
        now = self._now()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = _Hits(window)
        hits.window = window
        times = hits.times
        while times and times[0] <= now - window:
            times.popleft()
        times.append(now)
        return len(times)

    async def get(self, key: str) -> bytes | None:
        check_key(key)
        now = self._now()
        entry = self._values.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._values[key]
            return None
        return entry[0]

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        check_key(key)
        expires = float("inf") if ttl is None else self._now() + ttl
        self._values[key] = (value, expires)

    async def delete(self, key: str) -> None:
        check_key(key)
        self._values.pop(key, None)

    async def take(self, key: str) -> bytes | None:
        value = await self.get(key)
        self._values.pop(key, None)
        return value

    async def ban(self, key: str, ttl: float) -> None:
        check_key(key)
        self._bans[key] = self._now() + ttl

    async def banned(self, key: str) -> float | None:
        check_key(key)
        expires = self._bans.get(key)
        if expires is None:
            return None
        left = expires - self._now()
        if left <= 0:
            self._bans.pop(key, None)
            return None
        return left

    async def bans(self, prefix: str = "") -> dict[str, float]:
        now = self._now()
        live = ((k, e - now) for k, e in self._bans.items() if e > now and k.startswith(prefix))
        return dict(itertools.islice(live, MAX_LISTED_BANS))

    async def unban(self, key: str) -> bool:
        check_key(key)
        expires = self._bans.pop(key, None)
        return expires is not None and expires > self._now()

    async def lead(self, key: str, ttl: float) -> Lease | None:
        check_key(key)
        now = self._now()
        current = self._leaders.get(key)
        if current is not None:
            if current.expires > now:
                return None
            current.done.set()  # a leader that outlived its ttl: wake its waiters, take over
        token = str(next(self._tokens))
        self._leaders[key] = _Leader(token, now + ttl)
        return Lease(key, token)

    async def release(self, lease: Lease) -> None:
        current = self._leaders.get(lease.key)
        if current is not None and current.token == lease.token:
            del self._leaders[lease.key]
            current.done.set()

    async def wait_released(self, key: str, timeout: float) -> bool:
        current = self._leaders.get(key)
        if current is None:
            return True
        try:
            await asyncio.wait_for(current.done.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def coalesce(
        self, key: str, ttl: float = 30.0, timeout: float = 10.0
    ) -> AbstractAsyncContextManager[bool]:
        return coalesce(self, key, ttl, timeout)

    def node_for(self, key: str) -> str:
        return "memory"

    def topology(self) -> dict[str, Any]:
        return {"kind": "memory", "nodes": []}

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        for leader in self._leaders.values():
            leader.done.set()
        self._leaders.clear()
