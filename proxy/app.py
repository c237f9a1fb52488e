"""Gateway: the ASGI entry point. It holds the current Runtime and swaps it on reload.

Requests read ``self.runtime`` once, when they start, so a swap is a single attribute
assignment: new requests see the new config, in-flight ones finish on the old.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from proxy.runtime import Runtime

log = logging.getLogger("sluicegate.app")

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class AdminListener:
    """The admin listening socket's address: a connection is the admin's only when it
    arrived on that socket, never merely on the same port number (issue 17, L6: a public
    listener on another address with the admin port number served the admin API).

    ``scope["server"]`` is the accepted connection's local address. On a socket bound to one
    address that address is exact; on a wildcard (``0.0.0.0`` or ``::``) every address of
    its family with that port is the socket's, as no other socket can bind that port there.
    """

    host: str
    port: int

    @classmethod
    def parse(cls, bind: str) -> AdminListener:
        """From a bind string or ``getsockname()`` host: ``127.0.0.1:9901``, ``[::1]:9901``."""
        host, _, port = bind.rpartition(":")
        return cls(host.strip("[]"), int(port))

    def accepts(self, server: tuple[str, int] | list[Any] | None) -> bool:
        if not server or server[1] != self.port:
            return False
        local = str(server[0])
        if self.host in ("", "::"):
            return True
        if self.host == "0.0.0.0":
            return ":" not in local or local.startswith("::ffff:")
        return local == self.host or local == f"::ffff:{self.host}"


class Gateway:
    def __init__(self, runtime: Runtime, shutdown_timeout: float = 30.0) -> None:
        self.runtime = runtime
        self.shutdown_timeout = shutdown_timeout
        self.admin_listener: AdminListener | None = None
        self.admin_app: ASGIApp | None = None
        self.started = False
        self.stopping = False
        self._retiring: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            admin = self.admin_listener
            if self.admin_app is not None and admin is not None and admin.accepts(scope["server"]):
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
                    await self.start()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def start(self) -> None:
        """Before the first request: open the runtime's pools and stores."""
        await self.runtime.open()
        self.runtime.start()
        self.started = True

    async def stop(self) -> None:
        """After the server stopped serving: retire the runtime (and any still retiring)."""
        self.stopping = True
        await self.shutdown()

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
