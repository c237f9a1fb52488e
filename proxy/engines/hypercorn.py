"""Serving under Hypercorn (the default engine), driven programmatically.

The listen backlog, header limits, keep-alive and drain timeout come from ``[server]``; the
connection guards (head and body timeouts, the connection cap: ``proxy.listener``) and the
HTTP/1.1 protocol ``[server] http1`` names (``http1_protocol``: llhttp, ``proxy.engines.h1``,
by default; or h11 with the strict heads of ``proxy.framing`` and the response heads
validated once of ``proxy.engines.h11_heads``) are installed into Hypercorn at import.
llhttp cut the core's instructions per request through sockets from 1,541,660 to 1,062,194
(``benchmarks/results/2026-12-07-040000-h1-httptools-cachesim.txt``). HTTP/2 request bodies
are timed where the app reads them (``hypercorn_app``). The admin
app is served by the same server on its own socket, chosen by the listening socket's
address (``AdminListener``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import hypercorn.protocol as hypercorn_protocol
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.protocol.h11 import H11Protocol

import proxy.engines.h11_heads  # response heads validated once, installed at import
import proxy.framing  # strict HTTP/1.1 request heads, installed at import
from proxy.app import Gateway
from proxy.config.models import ServerConfig
from proxy.engines import HTTP1, Listeners
from proxy.engines.body_deadline import BodyDeadlines
from proxy.engines.h11_heads import GatewayH11Protocol
from proxy.listener import GatewayServerConfig

Scope = dict[str, Any]


def hypercorn_config(server: ServerConfig) -> GatewayServerConfig:
    config = GatewayServerConfig()
    config.head_timeout = server.head_timeout
    config.body_timeout = server.body_timeout
    config.max_connections = server.max_connections
    config.bind = [*server.listen, *([server.admin_listen] if server.admin_listen else [])]
    config.backlog = max(server.backlog, 1024)
    config.h11_max_incomplete_size = server.header_limit
    proxy.framing.head_limit = server.header_limit  # a whole head that arrived in one read
    config.h2_max_header_list_size = server.header_limit
    config.keep_alive_timeout = server.keep_alive
    config.graceful_timeout = server.shutdown_timeout
    config.include_server_header = False
    config.accesslog = None
    config.errorlog = logging.getLogger("sluicegate.hypercorn")
    config.workers = server.workers
    config.http1_protocol = HTTP1[server.http1]()
    return config


def http1_protocol(app: Any, config: Config, *args: Any) -> H11Protocol:
    """Hypercorn's ``ProtocolWrapper`` builds its HTTP/1.1 protocol here (installed at
    import in place of ``H11Protocol``): the class ``[server] http1`` names, h11's
    (``GatewayH11Protocol``) for a config that names none."""
    chosen = config.http1_protocol if isinstance(config, GatewayServerConfig) else None
    return (chosen or GatewayH11Protocol)(app, config, *args)


def install() -> None:
    target: Any = hypercorn_protocol
    target.H11Protocol = http1_protocol


def hypercorn_app(gateway: Gateway, server: ServerConfig) -> Callable[..., Awaitable[None]]:
    """The app as Hypercorn calls it (with its ``sync_spawn`` and ``call_soon``): a plain
    function handing back the pipeline's coroutine for a proxied request, as Granian's
    entry does, so no frame of its own (nor ``wrap_app``'s, nor ``Gateway.__call__``'s) sits
    between the request's task and the pipeline, resumed again at every wait. Admin
    requests, lifespan and websockets take ``Gateway.__call__`` as before.

    A proxied HTTP/2 request's body is read under ``body_timeout`` here: ``proxy.listener``
    times an HTTP/1.1 body on the socket's reads, which cannot tell one HTTP/2 stream from
    another, so an h2 stream that declared a body and stalled was held until the client
    gave up. The sweeper Granian uses keeps it (``proxy.engines.body_deadline``: ``408`` on
    the stream, no timer per request); an HTTP/1.1 request pays one dict lookup."""
    deadlines = BodyDeadlines(server.body_timeout)

    def app(scope: Scope, receive: Any, send: Any, *_: Any) -> Awaitable[None]:
        if scope["type"] == "http":
            admin, listener = gateway.admin_app, gateway.admin_listener
            if admin is None or listener is None or not listener.accepts(scope["server"]):
                if scope["http_version"] == "2":
                    receive = deadlines.receive(scope, receive, send)
                return gateway.runtime.handle(scope, receive, send)
        return gateway(scope, receive, send)

    return app


class HypercornEngine:
    async def serve(
        self, gateway: Gateway, server: ServerConfig, listeners: Listeners, stop: asyncio.Event
    ) -> None:
        config = hypercorn_config(server)
        config.admin_listener = gateway.admin_listener  # the admin socket's bound address
        sockets = Sockets(secure_sockets=[], insecure_sockets=listeners.all(), quic_sockets=[])
        await worker_serve(
            hypercorn_app(gateway, server),  # type: ignore[arg-type]
            config,
            sockets=sockets,
            shutdown_trigger=stop.wait,
        )


install()
