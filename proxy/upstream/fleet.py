"""Breaker states shared by a fleet: what one instance learns, every instance acts on.

With ``breaker = { shared = true }`` each target's breaker publishes its transitions to the
state store and, every ``sync_interval``, adopts what the others published (BreakerSync in
breaker.py has the rules). This class only owns the set of syncs and the pull loop.
"""

from __future__ import annotations

import asyncio
import contextlib

from proxy.upstream.breaker import BreakerSync, CircuitBreaker, SharedStore


class SharedBreakers:
    def __init__(self, store: SharedStore | None, interval: float) -> None:
        self._store = store
        self._interval = interval
        self.syncs: list[BreakerSync] = []
        self._task: asyncio.Task[None] | None = None

    def share(self, key: str, breaker: CircuitBreaker) -> None:
        if self._store is None:
            return
        sync = BreakerSync(self._store, key, breaker)
        breaker.subscribe(sync.notify)
        self.syncs.append(sync)

    def start(self) -> None:
        """Begin pulling shared states (nothing to do when no breaker is shared)."""
        if self.syncs and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._pull_loop())

    async def _pull_loop(self) -> None:
        while True:
            await self.pull()
            await asyncio.sleep(self._interval)

    async def pull(self) -> None:
        """Adopt what the rest of the fleet published about each target's breaker."""
        for sync in self.syncs:
            await sync.pull()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sync in self.syncs:
            await sync.drain()
