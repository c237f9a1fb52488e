"""An asyncio client for clamd's INSTREAM protocol, over a unix socket or TCP.

Protocol (clamd(8)): send `zINSTREAM\\0`, then chunks each prefixed by a 4-byte big-endian
length, then a zero-length chunk; clamd answers one NUL-terminated line:
`stream: OK`, `stream: <Signature> FOUND`, or `... ERROR` (for instance
`INSTREAM size limit exceeded. ERROR` once StreamMaxLength is passed, after which clamd
closes the socket mid-upload).

Every way clamd can fail us - refused connection, timeout, reset, an ERROR reply, a reply we
cannot parse - raises `ClamdUnavailable`, and only that. The caller maps it to its
`on_error = "allow" | "deny"`; a found signature is a normal result, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

_MAX_REPLY = 4096


class ClamdUnavailable(Exception):
    """clamd could not give a verdict (down, slow, over its limits, or unintelligible)."""


@dataclass(frozen=True)
class ClamdAddress:
    """Where clamd listens: `unix:///run/clamav/clamd.ctl` or `tcp://127.0.0.1:3310`."""

    unix_path: str | None = None
    host: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, url: str) -> ClamdAddress:
        """Parse the config form; raise ValueError naming what is wrong."""
        parts = urlsplit(url)
        if parts.scheme == "unix" and parts.path and not parts.netloc:
            return cls(unix_path=parts.path)
        if parts.scheme == "tcp" and parts.hostname and parts.port and parts.path in ("", "/"):
            return cls(host=parts.hostname, port=parts.port)
        raise ValueError(f"clamd address {url!r}: expected unix:///path or tcp://host:port")

    def __str__(self) -> str:
        if self.unix_path is not None:
            return f"unix://{self.unix_path}"
        return f"tcp://{self.host}:{self.port}"


@dataclass(frozen=True)
class ClamdResult:
    """A verdict: `signature` is None for a clean stream."""

    signature: str | None

    @property
    def infected(self) -> bool:
        return self.signature is not None


def parse_reply(raw: bytes) -> ClamdResult:
    """Interpret one INSTREAM reply line; ERROR or anything unexpected -> ClamdUnavailable."""
    line = raw.rstrip(b"\0\n").decode("utf-8", "replace").strip()
    if line.endswith("ERROR"):
        raise ClamdUnavailable(f"clamd error: {line}")
    if line == "stream: OK":
        return ClamdResult(None)
    if line.startswith("stream: ") and line.endswith(" FOUND"):
        signature = line[len("stream: ") : -len(" FOUND")].strip()
        if signature:
            return ClamdResult(signature)
    raise ClamdUnavailable(f"unexpected clamd reply: {line[:200]!r}")


class InstreamSession:
    """One INSTREAM upload in progress: `send()` bytes as they arrive, then `finish()`.

    Use as an async context manager so an abandoned scan (file rejected early, client gone)
    closes the connection; clamd then discards the partial stream.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: ClamdClient
    ) -> None:
        self._reader, self._writer, self._client = reader, writer, client
        self._closed = False
        self.sent = 0

    async def send(self, data: bytes) -> None:
        """Stream `data` (split into the client's chunk size); back-pressure via drain()."""
        limit = self._client.max_stream
        if limit is not None and self.sent + len(data) > limit:
            await self.close()
            raise ClamdUnavailable(f"stream exceeds clamd StreamMaxLength ({limit} bytes)")
        size = self._client.chunk_size
        try:
            for i in range(0, len(data), size):
                piece = data[i : i + size]
                self._writer.write(struct.pack(">I", len(piece)) + piece)
                self.sent += len(piece)
                async with asyncio.timeout(self._client.read_timeout):
                    await self._writer.drain()
        except (OSError, TimeoutError) as exc:
            raise await self._failure(exc) from exc

    async def finish(self) -> ClamdResult:
        """Send the terminator and wait (bounded) for the verdict."""
        try:
            self._writer.write(b"\0\0\0\0")
            async with asyncio.timeout(self._client.read_timeout):
                await self._writer.drain()
                reply = await self._reader.readuntil(b"\0")
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            raise await self._failure(e) from e
        finally:
            await self.close()
        return parse_reply(reply)

    async def _failure(self, exc: BaseException) -> ClamdUnavailable:
        """clamd often explains a dropped stream (StreamMaxLength) just before closing."""
        try:
            async with asyncio.timeout(0.5):
                reply = await self._reader.read(_MAX_REPLY)
        except (OSError, TimeoutError):
            reply = b""
        await self.close()
        if reply:
            try:
                parse_reply(reply)
            except ClamdUnavailable as explained:
                return explained
        return ClamdUnavailable(f"clamd stream failed: {type(exc).__name__}: {exc}")

    async def close(self) -> None:
        """Close the connection (idempotent; errors on close are irrelevant by then)."""
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> InstreamSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class ClamdClient:
    """Connection settings for one clamd; cheap to build, one connection per command.

    `max_stream` should mirror clamd's StreamMaxLength when known: the client then refuses
    to send past it with a clear reason. Without it clamd itself cuts the stream; its
    "size limit exceeded" reply usually loses the race with the connection reset, so the
    reason is then only "stream failed". Either way the result is `ClamdUnavailable`.
    """

    def __init__(
        self,
        address: ClamdAddress | str,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 30.0,
        chunk_size: int = 64 * 1024,
        max_stream: int | None = None,
    ) -> None:
        self.address = ClamdAddress.parse(address) if isinstance(address, str) else address
        if connect_timeout <= 0 or read_timeout <= 0 or chunk_size <= 0:
            raise ValueError("clamd timeouts and chunk_size must be positive")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.chunk_size = chunk_size
        self.max_stream = max_stream

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        a = self.address
        try:
            async with asyncio.timeout(self.connect_timeout):
                if a.unix_path is not None:
                    return await asyncio.open_unix_connection(a.unix_path, limit=_MAX_REPLY)
                return await asyncio.open_connection(a.host, a.port, limit=_MAX_REPLY)
        except (OSError, TimeoutError) as exc:
            raise ClamdUnavailable(f"cannot connect to clamd at {a}: {exc!r}") from exc

    async def _command(self, command: bytes) -> str:
        reader, writer = await self._connect()
        session = InstreamSession(reader, writer, self)
        try:
            writer.write(b"z" + command + b"\0")
            async with asyncio.timeout(self.read_timeout):
                await writer.drain()
                reply = await reader.readuntil(b"\0")
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            raise ClamdUnavailable(f"clamd {command.decode()} failed: {e!r}") from e
        finally:
            await session.close()
        return reply.rstrip(b"\0").decode("utf-8", "replace")

    async def ping(self) -> None:
        """Raise ClamdUnavailable unless clamd answers PONG."""
        reply = await self._command(b"PING")
        if reply != "PONG":
            raise ClamdUnavailable(f"clamd PING answered {reply!r}")

    async def version(self) -> str:
        """clamd's version line, e.g. 'ClamAV 1.4.6/...'."""
        return await self._command(b"VERSION")

    async def session(self) -> InstreamSession:
        """Open a connection and start an INSTREAM upload."""
        reader, writer = await self._connect()
        session = InstreamSession(reader, writer, self)
        try:
            writer.write(b"zINSTREAM\0")
        except OSError as exc:
            await session.close()
            raise ClamdUnavailable(f"clamd INSTREAM failed: {exc!r}") from exc
        return session

    async def scan_stream(self, chunks: AsyncIterable[bytes]) -> ClamdResult:
        """Scan an async byte stream in one INSTREAM session."""
        async with await self.session() as session:
            async for chunk in chunks:
                await session.send(chunk)
            return await session.finish()

    async def scan_bytes(self, data: bytes) -> ClamdResult:
        """Scan an in-memory buffer."""
        async with await self.session() as session:
            await session.send(data)
            return await session.finish()
