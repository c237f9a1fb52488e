"""Gateway: the ASGI entry point. It holds the current Runtime and swaps it on reload.

Requests read ``self.runtime`` once, when they start, so a swap is a single attribute
assignment: new requests see the new config, in-flight ones finish on the old.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from proxy.runtime import Runtime

log = logging.getLogger("sluicegate.app")

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class Gateway:
    def __init__(self, runtime: Runtime, shutdown_timeout: float = 30.0) -> None:
        self.runtime = runtime
        self.shutdown_timeout = shutdown_timeout
        self.admin_port: int | None = None
        self.admin_app: ASGIApp | None = None
        self.started = False
        self.stopping = False
        self._retiring: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            if (
                self.admin_app is not None
                and scope["server"]
                and scope["server"][1] == self.admin_port
            ):
                await self.admin_app(scope, receive, send)
                return
            await self.runtime.handle(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1003})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.runtime.open()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self.runtime.start()
                self.started = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stopping = True
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def swap(self, runtime: Runtime) -> asyncio.Task[None]:
        """Make ``runtime`` current; the old one retires once its requests are done (the
        returned task)."""
        old, self.runtime = self.runtime, runtime
        if self.started:
            runtime.start()
        keep_store = old.store is runtime.store
        keep_keys = old.keys is runtime.keys
        task = asyncio.create_task(
            old.retire(self.shutdown_timeout, close_store=not keep_store, close_keys=not keep_keys)
        )
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        log.info("config %s is live (was %s)", runtime.version, old.version)
        return task

    async def shutdown(self) -> None:
        if self._retiring:
            await asyncio.wait(set(self._retiring), timeout=self.shutdown_timeout)
        await self.runtime.retire(self.shutdown_timeout, close_store=True, close_keys=True)
