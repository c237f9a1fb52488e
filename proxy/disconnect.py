"""Noticing that a client went away, so the provider call is cancelled too.

Hypercorn reports a vanished client only through ``receive``, so something must wait on it
— which can start only once nothing else reads ``receive`` (the body is in). A watcher task
per request would cost more than the rest of the gateway's work on a fast call, and a timer
per request was measurable too (tens of µs of event-loop work per request at 64 connections). So one
sweeper per pipeline (``proxy.deadlines.DeadlineSweeper``, the keep-alive's and the body
deadline's) wakes every ``after`` seconds and starts a watcher task only for the requests
still running by then: a fast request costs one dict insert and one delete.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from proxy.deadlines import DeadlineSweeper
from proxy.exchange import Exchange
from proxy.requestbody import ClientDisconnected
from proxy.runningtask import RunningTask


class DisconnectWatcher:
    """Starts watcher tasks for long-running requests; one per Pipeline."""

    def __init__(self, after: float = 0.05) -> None:
        self.after = after
        self._pending: DeadlineSweeper[Watch] = DeadlineSweeper(after, after, Watch.start)
        self._add = self._pending.add
        self._discard = self._pending.discard
        self.running_task = RunningTask()

    def watch(self, ex: Exchange) -> Watch:
        """Watch ``ex`` from now on; end with ``settled()`` and, when that says so,
        ``close()`` (``async with`` does both, for callers that need no fast path)."""
        watch = Watch(self, ex)
        self._add(watch)
        return watch


class Watch:
    """For one request: cancels its forwarding task when the client disconnects."""

    __slots__ = ("_ex", "_task", "_watcher", "_watching", "disconnected")

    def __init__(self, watcher: DisconnectWatcher, ex: Exchange) -> None:
        self._watcher = watcher
        self._ex = ex
        self._task = watcher.running_task()
        self._watching: asyncio.Task[None] | None = None
        self.disconnected = False

    async def __aenter__(self) -> Watch:
        return self

    def settled(self) -> bool:
        """Stop watching; True when that is all (no watcher task ran): the request path
        then owes no ``close()``, and no coroutine is made for one."""
        self._watcher._discard(self)
        return self._watching is None and not self.disconnected

    def start(self) -> bool:
        """Start watching now, if nothing else reads ``receive`` (else: try next sweep)."""
        if not self._ex.receive_idle:
            return False
        self._watching = asyncio.get_running_loop().create_task(self._watch())
        return True

    async def _watch(self) -> None:
        while True:
            message = await self._ex.receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                if self._task is not None:
                    self._task.cancel()
                return

    async def __aexit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        self.settled()
        return await self.close(kind)

    async def close(self, kind: Any) -> bool:
        """End the watcher task; a request cancelled because its client left (``kind`` is
        how the request ended) raises ``ClientDisconnected`` instead."""
        if self._watching is not None and not self._watching.done():
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        if self.disconnected and kind is asyncio.CancelledError and self._task is not None:
            self._task.uncancel()
            raise ClientDisconnected()
        return False
