"""The end of a request/response cycle on ``proxy.engines.h1``'s connections: kept, drained
or closed.

A cycle ends when its response is over. The connection is then kept for the next request
when both sides allow it (keep-alive, not terminating, not an upgrade), or closed. A
response that is over before its request's body came in whole (a plugin refused on the
head: 401, 403, 429) keeps the connection too: the rest of the body is read and dropped (up
to ``DRAIN_LIMIT`` bytes, within ``body_timeout``), then the next request is served.
Closing at once, as Hypercorn's h11 protocol does, closed a connection the response had not
said ``close`` on, with the client's body unread: the kernel answers that with a reset,
which can destroy the response before the client reads it, and a client that already
pooled the connection sent its next request into it (a client ``ReadError`` under load,
when the head and the body arrived in two reads: tests/integration/test_keepalive.py).
Kept apart from the protocol so each file has one job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hypercorn.events import Closed, Updated
from hypercorn.events import Event as ServerEvent
from hypercorn.protocol.events import StreamClosed
from hypercorn.protocol.http_stream import HTTPStream
from hypercorn.protocol.ws_stream import WSStream
from hypercorn.typing import Event, WorkerContext

from proxy.engines.h1_parse import BODY, END, STREAM_ID, Message

# The most of a request body read and dropped after its response to keep the connection;
# past it the connection is closed (a large upload refused on its head is not read whole).
DRAIN_LIMIT = 64 * 1024


class ConnectionCycle:
    """Mixin of ``HttptoolsProtocol``: what follows a cycle's response."""

    # the protocol's, set in its __init__
    can_read: Event
    context: WorkerContext
    send: Callable[[ServerEvent], Awaitable[None]]
    stream: HTTPStream | WSStream | None
    _message: Message | None
    _request_done: bool
    _response_done: bool
    _keep_alive: bool
    _closing: bool

    _gone = False  # the connection has closed: queued requests are not served
    _draining = False  # the response is over, the rest of the request body is dropped
    _drained = 0  # bytes of it dropped so far

    def _reusable(self) -> bool:
        return (
            not self.context.terminated.is_set()
            and self._keep_alive
            and self._response_done
            and self._message is not None
            and not self._message.upgrade  # h11 never recycles a websocket's connection
            and not self._closing
            and not self._gone
        )

    async def _drain(self, kind: int, payload: object) -> None:
        """An event of a request whose response is over: its body is dropped; at its end
        the connection serves the next request, past ``DRAIN_LIMIT`` it is closed."""
        if kind is BODY:
            self._drained += len(payload)  # type: ignore[arg-type]
            if self._drained > DRAIN_LIMIT:
                self._draining = False
                await self._close()
        elif kind is END:
            self._draining = False
            self._request_done = True
            await (self._next_cycle() if self._reusable() else self._close())
        else:  # a malformed rest of the body: nothing more is answered on this connection
            self._draining = False
            await self._close()

    async def _next_cycle(self) -> None:
        self._message = None
        await self.can_read.set()
        await self.send(Updated(idle=True))

    async def _close(self) -> None:
        self._closing = True
        self._message = None
        await self.can_read.set()
        await self.send(Closed())

    async def _close_stream(self) -> None:
        if self.stream is not None:
            await self.stream.handle(StreamClosed(stream_id=STREAM_ID))
            self.stream = None
