"""Hypercorn's keep-alive timer, kept by one sweeper per server instead of a task per request.

Hypercorn closes a connection that stays idle (no request in flight) for ``keep_alive``, or
at once when the server shuts down, with an ``idle_task`` per connection: every request
cancels it, waits for the cancelled task to finish, and once answered starts a new task
running ``asyncio.wait_for`` on the shutdown event (a second task and a timer). At 64
connections that was ~4 % of the worker's CPU (py-spy: ``AsyncioSingleTask``,
``_idle_timeout``, ``wait_for``; ``benchmarks/results/2026-12-07-*-profile-c64-*``), the same
shape of cost ``proxy.disconnect`` and ``proxy.engines.body_deadline`` avoid for their timers.

Here a connection going idle costs a dict insert, a request starting a delete; one
``proxy.deadlines.DeadlineSweeper`` per server (the one the body deadline and the disconnect
watcher use) wakes every ``tick`` (a quarter of ``keep_alive``, at most 1 s) while
connections are idle and closes those idle past their deadline, the way Hypercorn's timer
does (``_initiate_server_close``). One task per server waits for the shutdown and closes every
idle connection then, and a connection that goes idle after it is closed at once — as
Hypercorn's ``wait_for`` on the already-set event did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from hypercorn.asyncio.worker_context import AsyncioSingleTask

from proxy.deadlines import DeadlineSweeper


class IdleConnection(Protocol):
    """What the sweeper needs of a connection (``proxy.listener.LimitedTCPServer``)."""

    def close_idle(self) -> None:
        """Close the connection: it stayed idle past the keep-alive timeout."""


class IdleConnections:
    """The keep-alive deadlines of one server's connections."""

    def __init__(self, keep_alive: float) -> None:
        self.keep_alive = keep_alive
        self.tick = min(1.0, keep_alive / 4)
        self._idle: DeadlineSweeper[IdleConnection] = DeadlineSweeper(
            keep_alive, self.tick, _close_idle
        )
        self.busy = self._idle.discard  # a request started on the connection
        self._shutdown: asyncio.Task[None] | None = None
        self._terminated = False

    def watch_shutdown(self, terminated: Callable[[], Awaitable[Any]]) -> None:
        """Close every idle connection once ``terminated()`` returns (once per server)."""
        if self._shutdown is None:
            self._shutdown = asyncio.get_running_loop().create_task(self._on_shutdown(terminated))

    async def _on_shutdown(self, terminated: Callable[[], Awaitable[Any]]) -> None:
        await terminated()
        self._terminated = True
        for connection in self._idle.drain():
            connection.close_idle()

    def idle(self, connection: IdleConnection) -> None:
        if self._terminated:
            connection.close_idle()
            return
        self._idle.add(connection)

    def close(self) -> None:
        self._idle.close()
        if self._shutdown is not None:
            self._shutdown.cancel()
            self._shutdown = None


def _close_idle(connection: IdleConnection) -> bool:
    connection.close_idle()
    return True


class SweptIdleTask(AsyncioSingleTask):
    """A connection's ``idle_task`` (Hypercorn's ``SingleTask`` seam): idle and busy moves
    recorded in ``IdleConnections``, no task (nor lock) of its own."""

    def __init__(self, connections: IdleConnections, connection: IdleConnection) -> None:
        self._connections = connections
        self._connection = connection

    async def restart(self, task_group: Any, action: Any) -> None:
        self._connections.idle(self._connection)

    async def stop(self) -> None:
        self._connections.busy(self._connection)


class _Stopped(AsyncioSingleTask):
    """The ``idle_task`` of a connection that has ended: holds nothing (no reference
    cycle back to the connection), does nothing."""

    def __init__(self) -> None:
        pass

    async def restart(self, task_group: Any, action: Any) -> None:
        return None

    async def stop(self) -> None:
        return None


STOPPED = _Stopped()
