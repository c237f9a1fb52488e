"""A lean redis client for the state store: one multiplexed RESP2 connection, hiredis parsing.

Why not redis-py's asyncio client: on the gateway's hot path (one GCRA script per limiter per
request) it cost ~100 us of CPU per call: pool checkout and release (BlockingConnectionPool
takes a condition lock both ways), the retry wrapper, a timeout context per read, and its
parser wrapper. Profiling the ``gateway-jwt-redis`` benchmark put almost half of the
gateway's per-request work there. This client does what the store needs and nothing else:

- **One connection, multiplexed.** Every caller writes its command straight to the socket and
  waits on a future; replies arrive in order (RESP guarantees it), so ``data_received`` hands
  each parsed reply to the oldest waiter. Concurrent requests pipeline naturally; there is no
  pool to check out from. Redis runs commands one at a time anyway, so more connections
  would add no throughput for these small scripts.
- **Failure is loud and quick.** A refused or dropped connection, or a reply later than
  ``timeout``, raises ``StateUnavailable`` (the ``on_error`` policy applies upstream of here).
  A late reply also aborts the connection: a silent redis fails every waiter at once instead
  of each timing out in turn, and the next call reconnects. Concurrent callers share one
  connection attempt, so an outage costs one connect per attempt, not one per caller.
- **Error replies.** ``LOADING``, ``READONLY``, ``MASTERDOWN``, ``CLUSTERDOWN``, ``TRYAGAIN``
  and ``BUSY`` mean "not available right now" and become ``StateUnavailable``; any other
  error reply is a ``ReplyError`` (a bug, e.g. a wrong type), which ``evalsha`` uses to spot
  ``NOSCRIPT`` and reload the script once.

A cancelled caller (the client went away) leaves its future in the queue; its reply is read
and dropped, so the order stays right for everyone else.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import deque
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import hiredis

from proxy.state.base import StateUnavailable

_UNAVAILABLE_REPLIES = ("LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY ")
_QUERY_OPTIONS = frozenset({"db", "socket_timeout", "socket_connect_timeout"})


class ReplyError(Exception):
    """Redis answered a command with an error reply (``-ERR ...``)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to connect, parsed from a ``redis://``, ``rediss://`` or ``unix://`` URL."""

    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None  # unix socket
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False
    timeout: float = 0.5
    connect_timeout: float = 0.5


def parse_url(url: str, timeout: float) -> Endpoint:
    """An ``Endpoint`` for ``url``; ``?socket_timeout=`` / ``?socket_connect_timeout=`` (seconds)
    and ``?db=`` override. Anything else in the query is refused, so a typo fails at load."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"redis URL must start with redis://, rediss:// or unix:// (got {url!r})")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - _QUERY_OPTIONS)
    if unknown:
        raise ValueError(f"unsupported redis URL option(s): {', '.join(unknown)}")
    try:
        db = int(query.get("db") or (parts.path.strip("/") if parts.scheme != "unix" else "") or 0)
        read_timeout = float(query.get("socket_timeout", timeout))
        connect_timeout = float(query.get("socket_connect_timeout", timeout))
        port = parts.port or 6379
    except ValueError as exc:
        raise ValueError(f"bad redis URL {url.split('@')[-1]!r}: {exc}") from None
    if read_timeout <= 0 or connect_timeout <= 0:
        raise ValueError("redis socket timeouts must be positive")
    return Endpoint(
        host=parts.hostname or "127.0.0.1",
        port=port,
        path=parts.path if parts.scheme == "unix" else None,
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme == "rediss",
        timeout=read_timeout,
        connect_timeout=connect_timeout,
    )


class Script:
    """A Lua script known by its SHA1, run with ``RespClient.evalsha``."""

    __slots__ = ("sha", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class _Connection(asyncio.Protocol):
    """One socket: writes commands, parses replies, resolves waiters in order."""

    def __init__(self) -> None:
        self.reader = hiredis.Reader(replyError=ReplyError)
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only duck-typed ones
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        reader.feed(data)
        waiting = self.waiting
        while (reply := reader.gets()) is not False:
            if not waiting:  # a reply nobody asked for: the stream is out of step
                self.abort()
                return
            future = waiting.popleft()
            if not future.done():
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        failure = StateUnavailable(f"redis: ConnectionError: connection lost ({exc or 'closed'})")
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(failure)

    def abort(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.abort()


class RespClient:
    """``await client.execute("GET", key)``: one command, one reply (bytes, int, list...)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._conn: _Connection | None = None
        self._opening: asyncio.Task[_Connection] | None = None
        self._closed = False

    async def execute(self, *args: Any) -> Any:
        conn = self._conn
        if conn is None or conn.lost:
            conn = await self._connect()
        return self._check(await self._send(conn, args))

    async def evalsha(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Run ``script`` by SHA; on NOSCRIPT (a restart, SCRIPT FLUSH) load it and retry once."""
        try:
            return await self.execute("EVALSHA", script.sha, len(keys), *keys, *args)
        except ReplyError as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
        await self.execute("SCRIPT", "LOAD", script.text)
        return await self.execute("EVALSHA", script.sha, len(keys), *keys, *args)

    async def _send(self, conn: _Connection, args: tuple[Any, ...]) -> Any:
        transport = conn.transport
        if transport is None or transport.is_closing():
            conn.lost = True
            raise StateUnavailable("redis: ConnectionError: connection closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        transport.write(hiredis.pack_command(args))
        conn.waiting.append(future)
        timer = loop.call_later(self.endpoint.timeout, _expire, conn, future, self.endpoint.timeout)
        try:
            return await future
        finally:
            timer.cancel()

    @staticmethod
    def _check(reply: Any) -> Any:
        if isinstance(reply, ReplyError):
            if str(reply).startswith(_UNAVAILABLE_REPLIES):
                raise StateUnavailable(f"redis: {reply}")
            raise reply
        return reply

    async def _connect(self) -> _Connection:
        if self._closed:
            raise StateUnavailable("redis: the store is closed")
        opening = self._opening
        if opening is None or opening.done():
            opening = asyncio.get_running_loop().create_task(self._open())
            opening.add_done_callback(_retrieve)
            self._opening = opening
        # shield: one caller giving up must not cancel the attempt the others wait on
        return await asyncio.shield(opening)

    async def _open(self) -> _Connection:
        e = self.endpoint
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(e.connect_timeout):
                if e.path is not None:
                    _, conn = await loop.create_unix_connection(_Connection, e.path)
                else:
                    context = ssl.create_default_context() if e.tls else None
                    _, conn = await loop.create_connection(_Connection, e.host, e.port, ssl=context)
                try:
                    if e.password is not None:
                        auth = (e.username, e.password) if e.username else (e.password,)
                        self._check(await self._send(conn, ("AUTH", *auth)))
                    if e.db:
                        self._check(await self._send(conn, ("SELECT", e.db)))
                except BaseException:
                    conn.abort()
                    raise
        except TimeoutError:
            raise StateUnavailable(
                f"redis: TimeoutError: no connection within {e.connect_timeout:g}s"
            ) from None
        except OSError as exc:
            raise StateUnavailable(f"redis: ConnectionError: {exc}") from None
        if self._closed:
            conn.abort()
            raise StateUnavailable("redis: the store is closed")
        self._conn = conn
        return conn

    async def close(self) -> None:
        """Drop the connection; every later call raises ``StateUnavailable``."""
        self._closed = True
        if self._opening is not None and not self._opening.done():
            self._opening.cancel()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            if conn.transport is not None:
                conn.transport.close()
            conn.connection_lost(None)


def _expire(conn: _Connection, future: asyncio.Future[Any], timeout: float) -> None:
    """No reply in time: fail this call, and drop the connection so the rest fail fast too."""
    if not future.done():
        future.set_exception(StateUnavailable(f"redis: TimeoutError: no reply within {timeout:g}s"))
        conn.abort()


def _retrieve(task: asyncio.Task[_Connection]) -> None:
    """Mark a failed connect as seen, so asyncio does not warn about it when nobody waited."""
    if not task.cancelled():
        task.exception()
