"""Noticing that a client went away, so the provider call is cancelled too."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from proxy.exchange import ClientDisconnected, Exchange


class DisconnectWatch:
    """Cancels the forwarding task when the client disconnects, which cancels the upstream.

    Hypercorn reports a vanished client only through ``receive``, so something must be
    waiting on it — which can start only once nothing else reads ``receive`` (the body is
    in). Most requests finish within milliseconds, so the watcher task is started only when
    one is still running after ``WATCH_AFTER`` seconds: a timer is far cheaper than a task.
    """

    WATCH_AFTER = 0.05

    def __init__(self, ex: Exchange) -> None:
        self._ex = ex
        self._task = asyncio.current_task()
        self._watcher: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.disconnected = False

    async def __aenter__(self) -> DisconnectWatch:
        self._timer = asyncio.get_running_loop().call_later(self.WATCH_AFTER, self._start)
        return self

    def _start(self) -> None:
        self._timer = None
        if self._ex.receive_idle:
            self._watcher = asyncio.create_task(self._watch())
        else:  # the body is still streaming upstream: look again later
            self._timer = asyncio.get_running_loop().call_later(self.WATCH_AFTER, self._start)

    async def _watch(self) -> None:
        while True:
            message = await self._ex.receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                if self._task is not None:
                    self._task.cancel()
                return

    async def __aexit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        if self._timer is not None:
            self._timer.cancel()
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.disconnected and kind is asyncio.CancelledError and self._task is not None:
            self._task.uncancel()
            raise ClientDisconnected()
        return False
