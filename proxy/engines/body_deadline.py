"""``body_timeout`` under Granian, and for HTTP/2 bodies under Hypercorn: hyper bounds a
request head (``header_read_timeout``) but not its body, and Hypercorn's guard
(``proxy.listener``) times the socket's reads, which cannot tell one HTTP/2 stream from
another; so a client could announce a body and trickle it, or go silent, holding a
connection (and a place under ``max_connections``) for as long as it likes.

The deadline is kept where the app reads the body, in ``receive``, the way
``proxy.disconnect`` watches for vanished clients: no timer per request. A read of an
unfinished body registers its deadline with one ``proxy.deadlines.DeadlineSweeper`` per
listener, which wakes every ``tick`` while reads are pending and cancels those past their
deadline. A cancelled read
answers ``408`` with ``Connection: close`` (hyper then closes the connection, whose body was
never finished) and tells the app the client is gone. A request costs a dict insert and
delete; a body that arrives whole is done on its first read.

Done on its first read because this wrapper also ends the body where its Content-Length
says: Granian hands a body over as a chunk with ``more_body`` set and then, on a second
``receive``, an empty last message — a second future resolved from a Rust thread, ~13 µs
of CPU per request at 64 connections (measured with a bare app, one read 38-45 against two
53-56 µs per request). When the bytes read reach the declared length (and no
Transfer-Encoding overrides it) the chunk is handed on as the last one; hyper has already
read the whole body by then, so the connection is kept alive as before. The empty message
stays queued for whoever reads next (the disconnect watcher skips it).

A body hyper cannot read — chunked framing with a bare-LF line ending or a size that is
not hex — reaches the app as ``http.disconnect``, like a client that left; the app then
answered nothing and Granian sent ``500``. The wrapper answers ``400`` with ``Connection:
close`` instead (sent nowhere when the client did leave), as Hypercorn (h11) does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from proxy.deadlines import DeadlineSweeper
from proxy.runningtask import RunningTask

_DISCONNECT = {"type": "http.disconnect"}
_CLOSE_HEADERS = [(b"content-length", b"0"), (b"connection", b"close")]
# HTTP/2 forbids connection-specific fields (h2 refuses to send them, RFC 9113 8.2.2): the
# answer ends the stream, and the connection carries on with its other streams.
_H2_HEADERS = [(b"content-length", b"0")]


class BodyDeadlines:
    """The sweeper: one per listener."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.tick = min(1.0, timeout / 4)
        self._pending: DeadlineSweeper[TimedBody] = DeadlineSweeper(
            timeout, self.tick, TimedBody.expire
        )
        self._add = self._pending.add
        self._discard = self._pending.discard
        self.running_task = RunningTask()

    def receive(self, scope: dict[str, Any], receive: Any, send: Any) -> TimedBody:
        return TimedBody(self, scope, receive, send)


class TimedBody:
    """``receive`` for one request, its body reads under the deadline."""

    __slots__ = (
        "_deadlines",
        "_done",
        "_expected",
        "_expired",
        "_read",
        "_reading",
        "_receive",
        "_scope",
        "_send",
        "_task",
    )

    def __init__(
        self, deadlines: BodyDeadlines, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        self._deadlines = deadlines
        self._scope = scope
        self._receive = receive
        self._send = send
        self._read = 0
        self._expected: int | None = None  # the declared length, once a chunk asks for it
        self._done = False
        self._expired = False
        self._reading = False
        self._task: asyncio.Task[Any] | None = None

    async def __call__(self) -> dict[str, Any]:
        if self._done:
            return await self._receive()  # type: ignore[no-any-return]
        if self._expired:
            return _DISCONNECT
        if self._task is None:
            self._deadlines._add(self)
        self._task = self._deadlines.running_task()
        self._reading = True
        try:
            message: dict[str, Any] = await self._receive()
        except asyncio.CancelledError:
            if not self._expired:
                raise
            if self._task is not None:
                self._task.uncancel()
            await self._answer(408)
            return _DISCONNECT
        finally:
            self._reading = False
        if message.get("more_body", False):
            if self._expected is None:
                self._expected = declared_length(self._scope["headers"])
            body = message.get("body", b"")
            self._read += len(body)
            if self._read != self._expected:
                return message
            message["more_body"] = False  # Granian's own new dict, read by nobody else
        self._done = True
        self._deadlines._discard(self)
        if message["type"] != "http.request":
            await self._answer(400)  # a body hyper could not read, or a client that left
        return message

    def expire(self) -> bool:
        """Past the deadline: cancel the read in progress (False: none is, try later)."""
        if self._done or not self._reading or self._task is None:
            return False
        self._expired = True
        self._task.cancel()
        return True

    async def _answer(self, status: int) -> None:
        # The app answers nothing while it is still reading the body; if it had, the
        # server refuses a second status line and the connection is simply closed.
        with contextlib.suppress(Exception):
            h2 = self._scope.get("http_version") == "2"
            headers = _H2_HEADERS if h2 else _CLOSE_HEADERS
            start = {"type": "http.response.start", "status": status, "headers": headers}
            await self._send(start)
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})


def declared_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The body length a request's head declares; -1 when it declares none, or when a
    Transfer-Encoding makes hyper read it chunked instead (RFC 9112 6.1)."""
    fields = dict(headers)
    if len(fields) == len(headers):  # no name twice (nearly always): two lookups in C
        if b"transfer-encoding" in fields:
            return -1
        value = fields.get(b"content-length")
        if value is None:
            return -1
        try:
            return int(value)
        except ValueError:
            return -1
    length = -1
    for name, value in headers:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
        elif name == b"transfer-encoding":
            return -1
    return length
