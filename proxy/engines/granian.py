"""Serving under Granian (``[server] engine = "granian"``): hyper in Rust threads, the
gateway's ASGI app on this process's event loop.

Granian's process manager is not used: ``proxy.server`` keeps its own (one parent binds,
workers reload in place on SIGHUP, metrics snapshots), and each worker runs one Granian
ASGI worker per listening socket inside its own event loop — the way
``granian.server.embed`` does, minus what it adds per request (a copy of the lifespan
state and a ``root_path`` into every scope). The admin socket gets its own Granian worker
whose app is the admin app, so "admin only on the admin socket" is by construction.

What Granian does instead of ``proxy.listener`` / ``proxy.framing`` (docs/deploy.md
lists the differences for operators):

- ``head_timeout`` is hyper's ``header_read_timeout``: it also bounds a kept-alive
  connection's idle time before its next request (so it replaces ``keep_alive``), and a
  slow head is closed without a 408. hyper starts no timer before a connection's first
  24 bytes, so ``proxy.engines.silent_connections`` closes a new connection that sends
  none (or only the start of the HTTP/2 preface) within ``head_timeout``.
- ``header_limit`` is hyper's HTTP/1.1 read buffer (431 past it) and the HTTP/2 header
  list size.
- ``max_connections`` is Granian's ``backpressure`` (per listener): past it, new
  connections wait in the listen backlog instead of getting a 503.
- ``body_timeout`` is kept by ``proxy.engines.body_deadline`` (hyper has none): a body
  not complete in time is answered 408 and its connection closed, HTTP/2 streams included.
- hyper refuses obs-folded header lines and conflicting Content-Length values; a request
  with both Content-Length and Transfer-Encoding is read by the latter and its connection
  closed after the response (RFC 9112 6.1); bare-LF line endings are accepted.
- HTTP/2 over cleartext is by prior knowledge only (no ``Upgrade: h2c``).

ASGI rather than Granian's RSGI: RSGI hands over and takes ``str`` headers while the core
works on bytes, and a seam converting them cost as much as it saved (Granian core 658,858 ->
659,895 instructions per request, full chain 1,021,233 -> 1,040,531; bare floors RSGI -24 k
answering in one piece: docs/benchmarks.md, "ASGI or RSGI?").

This module drives Granian below its public API (``_granian.ASGIWorker`` and its task
scheduler, as ``granian.server.embed`` does), so the version is pinned to a minor in
pyproject.toml; the serving tests run on both engines and catch a change.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, cast

from granian import _granian
from granian._futures import _new_cbscheduler
from granian.http import HTTP1Settings, HTTP2Settings

from proxy.app import Gateway
from proxy.config.models import ServerConfig
from proxy.engines import Listeners
from proxy.engines.body_deadline import BodyDeadlines
from proxy.engines.silent_connections import SilentConnections

log = logging.getLogger("sluicegate.granian")

# What serves one request: its scope and Granian's protocol object (receive, send) to the
# app's coroutine.
Call = Callable[[dict[str, Any], Any], Awaitable[None]]

# hyper's smallest read buffer; a header_limit below it is rounded up.
_MIN_BUFFER = 8192
# The admin listener serves probes and scrapes: a fixed, small cap of its own.
_ADMIN_CONNECTIONS = 256


class GranianEngine:
    async def serve(
        self, gateway: Gateway, server: ServerConfig, listeners: Listeners, stop: asyncio.Event
    ) -> None:
        await gateway.start()
        silent = SilentConnections(listeners.public, server.head_timeout)
        silent.start()
        try:
            loop = asyncio.get_running_loop()
            workers = [
                _Worker(loop, sock, public_call(gateway, server), server, server.max_connections)
                for sock in listeners.public
            ]
            if listeners.admin is not None:
                admin = admin_call(gateway)
                workers.append(_Worker(loop, listeners.admin, admin, server, _ADMIN_CONNECTIONS))
            await stop.wait()
            # Stop accepting; hyper ends each connection after its in-flight request.
            for worker in workers:
                worker.stop()
            _, pending = await asyncio.wait(
                [worker.stopped for worker in workers], timeout=server.shutdown_timeout
            )
            if pending:
                log.warning("requests still in flight after %ss; stopping", server.shutdown_timeout)
        finally:
            silent.stop()
            await gateway.stop()


def public_call(gateway: Gateway, server: ServerConfig) -> Call:
    """The proxy: whichever runtime is current when a request starts, its body under
    ``body_timeout``. A plain function handing back the pipeline's coroutine, so Granian's
    task runs the pipeline with no frame of ours in between."""
    deadlines = BodyDeadlines(server.body_timeout)

    def public(scope: dict[str, Any], proto: Any) -> Awaitable[None]:
        send = proto.send
        return gateway.runtime.handle(scope, deadlines.receive(scope, proto.receive, send), send)

    return public


def admin_call(gateway: Gateway) -> Call:
    """The admin app of the current config (rebuilt on every reload)."""

    def admin(scope: dict[str, Any], proto: Any) -> Awaitable[None]:
        app = gateway.admin_app
        assert app is not None  # an admin socket is bound only with an admin app
        return app(scope, proto.receive, proto.send)

    return admin


class _Worker:
    """One Granian ASGI worker serving one listening socket on this event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        call: Call,
        server: ServerConfig,
        connections: int,
    ) -> None:
        self.stopped: asyncio.Future[None] = loop.create_future()
        self._signal = _granian.WorkerSignal()
        self._signal.add_cb(lambda: loop.call_soon_threadsafe(self._done))
        # Granian's listener owns (and closes) a duplicate; the caller keeps ``sock``.
        holder = cast(Any, _granian.SocketHolder)(os.dup(sock.fileno()), False, server.backlog)
        worker = cast(Any, _granian.ASGIWorker)(
            worker_id=1,
            sock=(None, holder),
            ipc=None,
            threads=1,
            backpressure=connections,
            http_mode="auto",
            http1_opts=HTTP1Settings(
                header_read_timeout=int(server.head_timeout * 1000),
                keep_alive=True,
                max_buffer_size=max(server.header_limit, _MIN_BUFFER),
            ),
            http2_opts=HTTP2Settings(max_headers_size=server.header_limit),
            websockets_enabled=False,
        )
        scheduler = cast(Any, _new_cbscheduler)(loop, _watched(call), impl_asyncio=True)
        worker.serve_async(scheduler, loop, self._signal)

    def stop(self) -> None:
        self._signal.set()

    def _done(self) -> None:
        if not self.stopped.done():
            self.stopped.set_result(None)


def _watched(call: Call) -> Callable[[Any], Awaitable[None]]:
    """Granian's per-request entry: run the app, then tell the watcher how it ended."""

    async def run(watcher: Any) -> None:
        try:
            await call(watcher.scope, watcher.proto)
        except asyncio.CancelledError:
            # Cancelled by the drain (shutdown_timeout passed with the request still open):
            # no application error, so no traceback in the log; the process is exiting and
            # the connection goes with it.
            watcher.done()
            return
        except BaseException as exc:
            watcher.err(exc)
            return
        watcher.done()

    return run
