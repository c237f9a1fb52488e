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
- **Error replies.** ``NOSCRIPT``, ``MOVED`` and ``ASK`` prove the command did not run and
  are raised as ``ReplyError`` for the layer that follows them (``evalsha`` loads the script
  once; the cluster client follows the redirect). Every other error reply — ``LOADING``,
  ``READONLY``, ``MASTERDOWN``, ``CLUSTERDOWN``, ``TRYAGAIN``, ``BUSY``, ``OOM``, a wrong
  password, even a ``WRONGTYPE`` bug — is a ``NodeUnavailable`` (a ``StateUnavailable``
  carrying the reply's first word), so no redis reply can ever become a 500.

A cancelled caller (the client went away) leaves its future in the queue; its reply is read
and dropped, so the order stays right for everyone else.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import hiredis

from proxy.state.base import StateUnavailable
from proxy.state.connection import (
    Convert,
    Endpoint,
    NodeUnavailable,
    ReplyError,
    _Connection,
    _Retry,
    error,
)
from proxy.state.packing import Script, pack

__all__ = ["Convert", "Endpoint", "NodeUnavailable", "ReplyError", "RespClient", "error"]

_ASKING = pack("ASKING")


class RespClient:
    """``await client.execute("GET", key)``: one command, one reply (bytes, int, list...)."""

    def __init__(
        self,
        endpoint: Endpoint,
        redirected: Callable[[ReplyError, str], StateUnavailable] | None = None,
    ) -> None:
        """``redirected``: for a client that follows no redirects (one node), what a
        ``MOVED``/``ASK`` becomes; without it they are raised for the cluster client."""
        self.endpoint = endpoint
        self._redirected = redirected
        self._conn: _Connection | None = None
        self._opening: asyncio.Task[_Connection] | None = None
        self._closed = False

    async def execute(self, *args: Any) -> Any:
        conn = self._conn
        if conn is None or conn.lost:
            conn = await self._connect()
        return await self._submit(conn, hiredis.pack_command(args))

    async def asking(self, *args: Any) -> Any:
        """``ASKING`` and ``args`` in one write, so nothing lands between them (Cluster ASK)."""
        conn = self._conn
        if conn is None or conn.lost:
            conn = await self._connect()
        return await self._submit(conn, _ASKING + pack(*args), 2)  # ASKING's +OK dropped

    def evalsha(
        self,
        script: Script,
        command: bytes,
        convert: Convert | None = None,
        *,
        asking: bool = False,
    ) -> Awaitable[Any]:
        """Run ``command``, ``script``'s packed ``EVALSHA``; its reply ``convert``-ed.

        On NOSCRIPT (a restart, SCRIPT FLUSH, a failover) the connection loads the script
        and sends the call again, once: NOSCRIPT means the script did not run, so the
        retry can never count twice. Connected, the call is one future, no coroutine: every
        GCRA of ``rate_limit`` comes this way.
        """
        replies = 1
        if asking:  # ASKING's +OK is read and dropped; nothing can land between the two
            command, replies = _ASKING + command, 2
        conn = self._conn
        if conn is None or conn.lost:
            return self._connect_and_submit(command, replies, convert, script)
        transport = conn.transport
        if transport is None or transport.is_closing():  # fails it, as ``_submit`` says
            return self._submit(conn, command, replies, convert)
        return conn.queue(command, replies, convert, (script, command, replies))

    async def _connect_and_submit(
        self, command: bytes, replies: int, convert: Convert | None, script: Script
    ) -> Any:
        conn = await self._connect()
        return await self._submit(conn, command, replies, convert, (script, command, replies))

    async def scan(self, match: str, limit: int) -> list[bytes]:
        """Keys matching ``match``, at most ``limit`` (``SCAN`` pages of 1,000, bounded)."""
        found: list[bytes] = []
        cursor = b"0"
        for _ in range(100_000):  # a cursor always returns to 0; this only bounds a bug
            cursor, page = await self.execute("SCAN", cursor, "MATCH", match, "COUNT", 1000)
            found.extend(page)
            if cursor in (b"0", 0) or len(found) >= limit:
                break
        return found[:limit]

    @staticmethod
    def _submit(
        conn: _Connection,
        command: bytes,
        replies: int = 1,
        convert: Convert | None = None,
        retry: _Retry | None = None,
    ) -> asyncio.Future[Any]:
        """Queue ``command`` on ``conn``; the future of its reply (a plain function: awaiting
        the future directly spares a coroutine frame per command)."""
        transport = conn.transport
        if transport is None or transport.is_closing():
            conn.lost = True
            closed = conn.loop.create_future()
            message = f"redis {conn.node}: ConnectionError: connection closed"
            closed.set_exception(StateUnavailable(message, conn.node))
            return closed
        return conn.queue(command, replies, convert, retry)

    async def _connect(self) -> _Connection:
        if self._closed:
            raise StateUnavailable("redis: the store is closed", self.endpoint.name)
        opening = self._opening
        if opening is None or opening.done():
            opening = asyncio.get_running_loop().create_task(self._open())
            opening.add_done_callback(_retrieve)
            self._opening = opening
        # shield: one caller giving up must not cancel the attempt the others wait on
        return await asyncio.shield(opening)

    async def _open(self) -> _Connection:
        e = self.endpoint
        node = e.name
        loop = asyncio.get_running_loop()
        make = functools.partial(_Connection, node, e.timeout, self._redirected)
        try:
            async with asyncio.timeout(e.connect_timeout):
                if e.path is not None:
                    _, conn = await loop.create_unix_connection(make, e.path)
                else:
                    context = ssl.create_default_context() if e.tls else None
                    _, conn = await loop.create_connection(make, e.host, e.port, ssl=context)
                try:
                    if e.password is not None:
                        auth = (e.username, e.password) if e.username else (e.password,)
                        await self._submit(conn, pack("AUTH", *auth))
                    if e.db:
                        await self._submit(conn, pack("SELECT", e.db))
                except BaseException:
                    conn.abort()
                    raise
        except TimeoutError:
            raise StateUnavailable(
                f"redis {node}: TimeoutError: no connection within {e.connect_timeout:g}s", node
            ) from None
        except OSError as exc:
            raise StateUnavailable(f"redis {node}: ConnectionError: {exc}", node) from None
        if self._closed:
            conn.abort()
            raise StateUnavailable("redis: the store is closed", node)
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


def _retrieve(task: asyncio.Task[_Connection]) -> None:
    """Mark a failed connect as seen, so asyncio does not warn about it when nobody waited."""
    if not task.cancelled():
        task.exception()
