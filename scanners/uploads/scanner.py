"""`UploadScanner`: one streaming pass over a multipart body, stopping at the first refusal.

Built once per config load (the allowlist, limits and libmagic handle are compiled here),
then `await scanner.scan(content_type, chunks)` per request. For every chunk:

1. the raw bytes are appended to the body spool (memory, then a temp file), so an allowed
   body can be replayed upstream byte for byte with `verdict.body()`;
2. the multipart parser enforces the total, per-file and field limits;
3. each file's bytes stream into its own clamd INSTREAM session *as they arrive* (coalesced
   to 64 KiB), so clamd reads while the client is still uploading and nothing waits for a
   second pass over the spool;
4. the first `sniff_bytes` of each file are kept and sniffed once they are complete; a
   non-archive file is judged right then (a text file renamed .png is refused after its
   first 8 KiB, not after 25 MB);
5. a zip-family file (`PK\\x03\\x04`) is also spooled on its own, because the central
   directory sits at its end: its type (DOCX/XLSX/PPTX refinement) and archive limits are
   judged when the part ends;
6. at the end of each file, clamd's verdict is collected.

libmagic on 8 KiB of text costs ~1.7 ms, so heads of `_THREAD_SNIFF` bytes or more are
sniffed in `asyncio.to_thread`; small heads (~10-200 µs) stay on the loop, where a thread
hop would cost as much as the call. Zip inspection always runs in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Literal

from scanners.uploads.archive import ArchiveLimits, inspect_zip, is_zip
from scanners.uploads.clamd import ClamdClient, ClamdUnavailable, InstreamSession
from scanners.uploads.multipart import (
    FileData,
    FileEnd,
    FileStart,
    MultipartLimits,
    MultipartStream,
)
from scanners.uploads.sniff import DOCX, PPTX, XLSX, Sniffer, TypePolicy
from scanners.uploads.spool import BodySpool
from scanners.uploads.verdict import Rejected, RejectKind, ScannedFile, UploadVerdict

OnError = Literal["allow", "deny"]
_THREAD_SNIFF = 2048
_CLAMD_BATCH = 64 * 1024
_REFINABLE = frozenset({"application/zip", "application/octet-stream", DOCX, XLSX, PPTX})


class UploadScanner:
    """Multipart upload checks: type sniffing, size and archive limits, clamd. See module doc."""

    def __init__(
        self,
        *,
        allow_types: Iterable[str],
        exact_types: bool = False,
        max_file_size: int,
        max_total_size: int,
        archive: ArchiveLimits | None = None,
        clamd: ClamdClient | str | None = None,
        on_error: OnError = "deny",
        max_field_bytes: int = 64 * 1024,
        max_parts: int = 64,
        sniff_bytes: int = 8192,
        spool_memory: int = 1 << 20,
        spool_dir: str | None = None,
    ) -> None:
        if on_error not in ("allow", "deny"):
            raise ValueError(f"on_error must be 'allow' or 'deny', not {on_error!r}")
        if sniff_bytes < 512 or spool_memory < 0:
            raise ValueError("sniff_bytes must be >= 512 and spool_memory >= 0")
        self.policy = TypePolicy(allow_types, exact_types=exact_types)
        self.limits = MultipartLimits(max_file_size, max_total_size, max_field_bytes, max_parts)
        self.archive = archive
        self.clamd = ClamdClient(clamd) if isinstance(clamd, str) else clamd
        self.on_error: OnError = on_error
        self.sniff_bytes = sniff_bytes
        self.spool_memory = spool_memory
        self.spool_dir = spool_dir
        self.sniffer = Sniffer()

    async def sniff(self, head: bytes) -> str:
        """libmagic on `head`, off the event loop when it is big enough to matter."""
        if len(head) >= _THREAD_SNIFF:
            return await asyncio.to_thread(self.sniffer.sniff, head)
        return self.sniffer.sniff(head)

    async def scan(self, content_type: str, chunks: AsyncIterator[bytes]) -> UploadVerdict:
        """Read the body once; return an allowed verdict owning the spool, or a rejection.

        Exceptions from `chunks` itself (a client disconnect) propagate after cleanup.
        """
        spool = BodySpool(self.spool_memory, self.spool_dir)
        files: list[ScannedFile] = []
        degraded: list[str] = []
        current: _FileScan | None = None
        try:
            stream = MultipartStream(content_type, self.limits)
            async for chunk in chunks:
                if not chunk:
                    continue
                events = stream.feed(chunk)
                spool.write(chunk)
                for event in events:
                    if isinstance(event, FileStart):
                        current = _FileScan(self, event)
                    elif isinstance(event, FileData) and current is not None:
                        await current.data(event.data)
                    elif isinstance(event, FileEnd) and current is not None:
                        files.append(await current.end(event.size))
                        degraded.extend(current.degraded)
                        current = None
            stream.finish()
        except Rejected as rejection:
            spool.close()
            if current is not None:
                degraded.extend(current.degraded)
                await current.abort()
            name = rejection.filename or (current.filename if current else None)
            return UploadVerdict(
                allowed=False,
                kind=rejection.kind,
                detail=rejection.detail,
                filename=name,
                files=tuple(files),
                degraded=tuple(degraded),
            )
        except BaseException:
            spool.close()
            if current is not None:
                await current.abort()
            raise
        return UploadVerdict(
            allowed=True,
            files=tuple(files),
            fields=tuple(stream.fields),
            degraded=tuple(degraded),
            body_size=spool.size,
            _spool=spool,
        )


class _FileScan:
    """The pipeline for one file part: head for sniffing, optional zip spool, clamd stream."""

    def __init__(self, scanner: UploadScanner, start: FileStart) -> None:
        self.s = scanner
        self.start = start
        self.filename = start.filename
        self.head = bytearray()
        self.sniffed: str | None = None
        self.zip_spool: BodySpool | None = None
        self.clamd_on = scanner.clamd is not None
        self.session: InstreamSession | None = None
        self.pending = bytearray()
        self.degraded: list[str] = []

    async def data(self, data: bytes) -> None:
        if self.sniffed is None:
            self.head += data
            if len(self.head) >= self.s.sniff_bytes:
                await self._judge_head()
        elif self.zip_spool is not None:
            self.zip_spool.write(data)
        if self.clamd_on:
            self.pending += data
            if len(self.pending) >= _CLAMD_BATCH:
                await self._flush()

    async def _judge_head(self) -> None:
        head = bytes(self.head[: self.s.sniff_bytes])
        self.sniffed = await self.s.sniff(head)
        if is_zip(head):
            self.zip_spool = BodySpool(self.s.spool_memory, self.s.spool_dir)
            self.zip_spool.write(bytes(self.head))
        else:
            self.s.policy.check(self.sniffed, self.start.declared_type, self.filename)
        self.head = bytearray(head)

    async def _flush(self) -> None:
        data, self.pending = bytes(self.pending), bytearray()
        try:
            if self.session is None:
                assert self.s.clamd is not None
                self.session = await self.s.clamd.session()
            await self.session.send(data)
        except ClamdUnavailable as exc:
            await self._clamd_failed(exc)

    async def _clamd_failed(self, exc: ClamdUnavailable) -> None:
        self.clamd_on = False
        self.pending = bytearray()
        if self.session is not None:
            await self.session.close()
            self.session = None
        if self.s.on_error == "deny":
            raise Rejected(RejectKind.SCANNER_UNAVAILABLE, str(exc), self.filename)
        self.degraded.append(f"{self.filename}: {exc}; not scanned, allowed per on_error")

    async def end(self, size: int) -> ScannedFile:
        if self.sniffed is None:
            await self._judge_head()
        assert self.sniffed is not None
        if self.zip_spool is not None:
            spool = self.zip_spool
            report = await asyncio.to_thread(
                inspect_zip, spool.file, spool.size, self.s.archive, self.filename
            )
            if report.ooxml_type and self.sniffed in _REFINABLE:
                self.sniffed = report.ooxml_type
            self.s.policy.check(self.sniffed, self.start.declared_type, self.filename)
            spool.close()
            self.zip_spool = None
        verdict = await self._clamd_verdict(size)
        return ScannedFile(
            self.start.field, self.filename, self.start.declared_type, self.sniffed, size, verdict
        )

    async def _clamd_verdict(self, size: int) -> str | None:
        if not self.clamd_on or size == 0:
            return None
        if self.pending or self.session is None:
            await self._flush()
        if self.session is None:  # the flush failed and on_error allowed it
            return None
        try:
            result = await self.session.finish()
        except ClamdUnavailable as exc:
            await self._clamd_failed(exc)
            return None
        finally:
            self.session = None
        if result.signature is not None:
            raise Rejected(RejectKind.INFECTED, f"clamd: {result.signature}", self.filename)
        return "clean"

    async def abort(self) -> None:
        if self.zip_spool is not None:
            self.zip_spool.close()
            self.zip_spool = None
        if self.session is not None:
            await self.session.close()
            self.session = None
