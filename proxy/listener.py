"""Connection limits on the public listener: a head deadline, a per-read timeout and a cap.

Hypercorn bounds a connection's idle time (``keep_alive``), but a client that trickles its
request head one byte at a time is "not idle" only after the head is complete, and the
idle timer is the same long keep-alive timer (75 s): 250 trickling connections were all held
for 60 s (issue 17, L7). Its ``read_timeout`` bounds one read, not a whole head. Hypercorn
has no connection cap at all.

``LimitedTCPServer`` replaces Hypercorn's asyncio ``TCPServer`` (once, at import, from
``proxy.server``) and adds, on every listener but the admin one:

- ``head_timeout``: from the first byte of a request head, the whole head must arrive
  within this long (an idle connection that sends nothing is ``keep_alive``'s business);
- ``body_timeout``: from the end of the head, an HTTP/1.1 request body must be complete
  within this long (a client that trickles or goes silent mid-body), checked on the
  socket's reads, so no timer per request in the app;
- ``max_connections``: past this many open connections on the public listeners, a new one
  gets ``503`` with ``Connection: close`` and is closed at once;
- Hypercorn's keep-alive timer, kept by one sweeper instead of two tasks and a timer per
  request (``proxy.keepalive``), and the Date header formatted once a second.

A slow head or body gets ``408`` (when nothing was answered yet) and the connection is
closed. A body the gateway never reads cannot hold a connection either: Hypercorn closes a
connection whose request body was left unread once the response is over. HTTP/2 bodies are
timed where the app reads them (``proxy.engines.hypercorn``), since these reads cannot tell
one stream from another.

An HTTP/2 connection that opens no stream was held for good: Hypercorn's h11 protocol marks
the connection busy on the preface's ``PRI * HTTP/2.0`` line before handing it to the h2
protocol, which marks it idle only when a stream closes, so its ``keep_alive`` timer never
ran again. The read that completed a head checks for that (an attribute test per request)
and marks such a connection idle: ``keep_alive`` closes it when silent, ``head_timeout``
when it sends frames but no request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from wsgiref.handlers import format_date_time

import h11
import hypercorn.asyncio.run as hypercorn_run
from hypercorn.asyncio.tcp_server import MAX_RECV, TCPServer
from hypercorn.config import Config as HypercornConfig
from hypercorn.events import Closed, Event, RawData, Updated
from hypercorn.protocol.h2 import H2Protocol
from hypercorn.protocol.h11 import H11Protocol

from proxy.app import AdminListener
from proxy.engines.h1 import HttptoolsProtocol
from proxy.keepalive import STOPPED, IdleConnections, SweptIdleTask

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\n"
    b"connection: close\r\n\r\n"
)
_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class GatewayServerConfig(HypercornConfig):
    """Hypercorn's config plus the limits above (None: no limit)."""

    head_timeout: float | None = None
    body_timeout: float | None = None
    max_connections: int | None = None
    admin_listener: AdminListener | None = None
    http1_protocol: type[H11Protocol] | None = None  # [server] http1's (None: h11's)
    _idle: IdleConnections | None = None
    _date = (0, b"")  # the second and its Date value

    def idle_connections(self) -> IdleConnections:
        """The keep-alive sweeper of the public listeners (made in the serving process)."""
        if self._idle is None:
            self._idle = IdleConnections(self.keep_alive_timeout)
        return self._idle

    def response_headers(self, protocol: str) -> list[tuple[bytes, bytes]]:
        """Hypercorn's, with the Date value formatted once a second rather than for every
        response (``wsgiref``'s ``format_date_time``: ~2.7 % of the worker at 64
        connections). The value is the same: the header has a resolution of one second."""
        if self.include_server_header or self.alt_svc_headers or not self.include_date_header:
            return super().response_headers(protocol)
        now = time.time()
        second, value = self._date
        if int(now) != second:
            value = format_date_time(now).encode("ascii")
            self._date = (int(now), value)
        return [(b"date", value)]


class LimitedTCPServer(TCPServer):
    open_connections = 0  # per process, public listeners only

    _limits: GatewayServerConfig | None = None
    _in_request = False
    _check_h2 = False
    _deadline: float | None = None

    async def run(self) -> None:
        try:
            await self._serve()
        except asyncio.CancelledError:
            # The drain cancelled a connection still open past shutdown_timeout. This task is
            # the outermost (asyncio's streams callback owns it, and on Python 3.11 it calls
            # ``task.exception()`` on a cancelled task, logging a traceback): end it quietly.
            return
        finally:
            if self._limits is not None:
                self._limits.idle_connections().busy(self)
            self._unlink()

    def close_idle(self) -> None:
        """Idle past ``keep_alive`` (or the server is shutting down): closed as Hypercorn's
        own idle timer closes it, in the connection's task group."""
        group = self.__dict__.get("_task_group")
        if group is not None:
            with contextlib.suppress(RuntimeError):  # the group is already finishing
                group._task_group.create_task(self._initiate_server_close())

    def _unlink(self) -> None:
        """Break the reference cycles Hypercorn leaves behind a finished connection.

        The protocol holds this server's bound ``protocol_send`` and the server holds the
        protocol, so every connection's ~40 objects (streams, transport, h11 state, task
        group) were freed only by the cyclic collector: with 500 streams in flight, ~20,000
        objects a burst that the collector had to find, and young collections that scanned
        the live streams to find them (benchmarks/gc_pauses.py). Dropped here, reference
        counting frees the connection the moment its task ends."""
        self.__dict__.pop("protocol", None)
        self.__dict__.pop("_task_group", None)
        self.idle_task = STOPPED  # a SweptIdleTask refers back to this connection

    async def _serve(self) -> None:
        config = self.config
        if isinstance(config, GatewayServerConfig):
            admin = config.admin_listener
            sock = self.writer.get_extra_info("socket")
            if admin is None or not admin.accepts(sock.getsockname()[:2]):
                self._limits = config
        if self._limits is None:
            await super().run()
            return
        cap = self._limits.max_connections
        if cap is not None and LimitedTCPServer.open_connections >= cap:
            await self._answer_and_close(_BUSY)
            return
        idle = self._limits.idle_connections()
        idle.watch_shutdown(self.context.terminated.wait)
        self.idle_task = SweptIdleTask(idle, self)
        LimitedTCPServer.open_connections += 1
        try:
            await super().run()
        finally:
            LimitedTCPServer.open_connections -= 1

    async def _answer_and_close(self, response: bytes) -> None:
        """Answer, then close lingering (RFC 9112 9.6): closing with the client's request
        still unread resets the connection, and a reset can overtake the answer (issue 15:
        131 resets beside 3,537 503s at 8,000 streams, the likely cause). So: half-close,
        and read what the client sent (at most 64 KiB, 1 s) first."""
        try:
            self.writer.write(response)
            await asyncio.wait_for(self.writer.drain(), 1.0)
            if self.writer.can_write_eof():
                self.writer.write_eof()
            await asyncio.wait_for(self._discard_input(64 * 1024), 1.0)
        except (OSError, TimeoutError):
            pass
        self.writer.close()

    async def _discard_input(self, limit: int) -> None:
        while limit > 0:
            data = await self.reader.read(limit)
            if not data:
                return
            limit -= len(data)

    async def protocol_send(self, event: Event) -> None:
        if self._limits is not None and isinstance(event, Updated):
            # A head is complete (not idle): its body's clock starts. A response is over
            # (idle): the next head's clock starts with its first byte.
            self._in_request = not event.idle
            self._check_h2 = not event.idle
            body = self._limits.body_timeout
            self._deadline = time.monotonic() + body if not event.idle and body else None
        await super().protocol_send(event)

    def _reading_body(self) -> bool:
        protocol = self.protocol.protocol
        if isinstance(protocol, HttptoolsProtocol):
            return protocol.reading_body()
        return (
            isinstance(protocol, H11Protocol) and protocol.connection.their_state is h11.SEND_BODY
        )

    async def _read_data(self) -> None:
        limits = self._limits
        if limits is None:
            await super()._read_data()
            return
        while not self.reader.at_eof():
            timeout = None
            if self._deadline is not None and (not self._in_request or self._reading_body()):
                timeout = self._deadline - time.monotonic()
                if timeout <= 0:
                    await self._timed_out()
                    break
            try:
                if timeout is None:  # most reads: no wait_for (a coroutine per read) around it
                    data = await self.reader.read(MAX_RECV)
                else:
                    data = await asyncio.wait_for(self.reader.read(MAX_RECV), timeout)
            except TimeoutError:
                await self._timed_out()
                break
            except (ConnectionError, OSError):
                break
            if data and not self._in_request and self._deadline is None and limits.head_timeout:
                self._deadline = time.monotonic() + limits.head_timeout
            await self.protocol.handle(RawData(data))
            if self._check_h2:  # the read that completed a head: was it HTTP/2's preface?
                self._check_h2 = False
                protocol = self.protocol.protocol
                if isinstance(protocol, H2Protocol) and protocol.idle:
                    await self.protocol_send(Updated(idle=True))
        await self.protocol.handle(Closed())
        # The keep-alive timer would otherwise hold this connection's task (and its place
        # under the cap) for the rest of ``keep_alive`` after the client is gone.
        await self.idle_task.stop()

    async def _timed_out(self) -> None:
        """A head or body too slow: 408 when nothing was answered yet, then close."""
        protocol = self.protocol.protocol
        if isinstance(protocol, HttptoolsProtocol):
            if protocol.answered_nothing():
                await self._answer_and_close(_TIMEOUT)
        elif isinstance(protocol, H11Protocol) and protocol.connection.our_state in (
            h11.IDLE,
            h11.SEND_RESPONSE,
        ):
            await self._answer_and_close(_TIMEOUT)


def install() -> None:
    """Serve every Hypercorn asyncio connection through ``LimitedTCPServer``."""
    target: Any = hypercorn_run
    target.TCPServer = LimitedTCPServer


install()
