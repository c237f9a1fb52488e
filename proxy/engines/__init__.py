"""The HTTP servers the gateway runs under, by name: ``[server] engine`` (docs/deploy.md).

An engine takes the sockets ``bind`` made (in the parent of several workers, or in the one
worker) and serves the Gateway on them until ``stop`` is set, then drains. Everything else
— config loading, SIGHUP reloads, signals, worker processes, metrics snapshots — is the
engine-independent part of ``proxy.server``. Engines are imported only when chosen, so a
deployment on Hypercorn never loads Granian's Rust extension, and the config can name the
registry's keys without importing either server.

- ``hypercorn`` (the default): Python, h2, and HTTP/1.1 parsed by llhttp
  (``proxy.engines.h1``) or h11 (``[server] http1``); the connection guards of
  ``proxy.listener`` and the strict heads of ``proxy.framing`` are its own code.
- ``granian``: a Rust HTTP stack (hyper) calling the same ASGI app; measured 1.73x the
  Hypercorn floor's requests per second at 64 connections, bare (issue 15).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hypercorn.protocol.h11 import H11Protocol

    from proxy.app import Gateway
    from proxy.config.models import ServerConfig


@dataclass
class Listeners:
    """The bound (not yet listening) sockets: the public ones, then the admin one.

    Picklable, so the parent of several workers binds once and hands them to each.
    """

    public: list[socket.socket]
    admin: socket.socket | None = None

    def all(self) -> list[socket.socket]:
        return [*self.public, *([self.admin] if self.admin is not None else [])]

    def close(self) -> None:
        for sock in self.all():
            sock.close()


class Engine(Protocol):
    async def serve(
        self, gateway: Gateway, server: ServerConfig, listeners: Listeners, stop: asyncio.Event
    ) -> None:
        """Start the gateway (its lifespan), serve ``listeners`` until ``stop`` is set, stop
        accepting, let in-flight requests finish (up to ``server.shutdown_timeout``), and
        shut the gateway down."""
        ...


def _hypercorn() -> Engine:
    from proxy.engines.hypercorn import HypercornEngine

    return HypercornEngine()


def _granian() -> Engine:
    from proxy.engines.granian import GranianEngine

    return GranianEngine()


# name -> starter; the keys are the values `[server] engine` accepts.
ENGINES: dict[str, Callable[[], Engine]] = {"hypercorn": _hypercorn, "granian": _granian}


def _h11() -> type[H11Protocol]:
    from proxy.engines.h11_heads import GatewayH11Protocol

    return GatewayH11Protocol


def _httptools() -> type[H11Protocol]:
    from proxy.engines.h1 import HttptoolsProtocol

    return HttptoolsProtocol


# name -> Hypercorn's HTTP/1.1 protocol class; the keys are the values `[server] http1`
# accepts (Granian parses HTTP/1.1 in Rust whatever this says).
HTTP1: dict[str, Callable[[], type[H11Protocol]]] = {"h11": _h11, "httptools": _httptools}


def engine(name: str) -> Engine:
    return ENGINES[name]()


def bind(server: ServerConfig) -> Listeners:
    """Bind every listener of ``[server]`` (``listen`` then ``admin_listen``); the engine
    starts listening with ``server.backlog``."""
    public = [_bind(address) for address in server.listen]
    admin = _bind(server.admin_listen) if server.admin_listen else None
    return Listeners(public, admin)


def _bind(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    sock.set_inheritable(True)
    return sock
