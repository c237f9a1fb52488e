"""A spool for bytes that must be kept but must not all sit in memory.

Small bodies stay in a BytesIO; past `memory_limit` SpooledTemporaryFile moves them to an
unlinked temp file, so a 100 MB upload costs disk, not RAM, and vanishes when closed.
Reads are plain synchronous file reads: the data was just written, so it is in the page
cache, and a thread hop per 64 KiB chunk would cost more than the read itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import IO


class BodySpool:
    """Append-only byte store with any number of independent replays."""

    def __init__(self, memory_limit: int, directory: str | None = None) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in close()
            max_size=memory_limit, mode="w+b", dir=directory
        )
        self._size = 0
        self._closed = False

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    @property
    def file(self) -> IO[bytes]:
        """The underlying seekable file, for readers such as zipfile (call from one task)."""
        return self._file

    def write(self, data: bytes) -> None:
        """Append `data` at the end, wherever a replay may have left the file position."""
        self._file.seek(self._size)
        self._file.write(data)
        self._size += len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        """Read up to `length` bytes at `offset`; seek and read run with no await between."""
        self._file.seek(offset)
        return self._file.read(length)

    async def replay(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Yield the spooled bytes from the start; each replay keeps its own position."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        offset = 0
        while offset < self._size:
            if self._closed:
                raise RuntimeError("spool closed during replay")
            chunk = self.read_at(offset, min(chunk_size, self._size - offset))
            if not chunk:
                raise RuntimeError("spool shorter than recorded size")
            offset += len(chunk)
            yield chunk

    def close(self) -> None:
        """Release memory or delete the temp file. Idempotent."""
        if not self._closed:
            self._closed = True
            self._file.close()
