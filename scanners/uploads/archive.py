"""Zip checks from the central directory alone: nothing is ever decompressed.

A zip's central directory lists every entry with its compressed and uncompressed size and
where its data sits. That is enough to refuse the classic bombs before anything downstream
(clamd, the provider, a user's tool) inflates them:

- entry count (checked first from the end-of-central-directory record, so a million-entry
  archive is refused before `zipfile` builds a million objects),
- declared total uncompressed size and expansion ratio (total, and per entry),
- overlapping entries (the "non-recursive" bomb, where many entries point at one blob),
- nesting depth: entries that are archives themselves. A *stored* nested zip is opened in
  place (its bytes are raw inside the outer file) and counted recursively; a *compressed*
  nested archive counts one level but its contents are not visible without inflating it.

Limits of the approach: sizes in the central directory are declared by the archive's author;
a lying archive is only caught when something inflates it (clamd does, with its own limits).
Only zip-family files are inspected (zip, jar, OOXML, ODF, EPUB); gzip/tar/7z/rar are not.

The same pass recognises OOXML containers (DOCX/XLSX/PPTX) by their part names, which is
sturdier than libmagic's look at the first entries only.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, cast

from scanners.uploads.sniff import DOCX, PPTX, XLSX
from scanners.uploads.verdict import Rejected, RejectKind

_EOCD = b"PK\x05\x06"
_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_RATIO_FLOOR = 1 << 20  # archives/entries that inflate to under 1 MiB are never "bombs"
_NESTED_SUFFIXES = (
    ".zip", ".jar", ".war", ".apk", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp",
    ".epub", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab",
)  # fmt: skip


@dataclass(frozen=True)
class ArchiveLimits:
    """Zip bomb limits; defaults match the documented policy draft."""

    max_depth: int = 2
    max_ratio: float = 100.0
    max_entries: int = 1000
    max_uncompressed: int = 1 << 30

    def __post_init__(self) -> None:
        if self.max_depth < 1 or self.max_ratio <= 1 or self.max_entries < 1:
            raise ValueError("archive limits: max_depth >= 1, max_ratio > 1, max_entries >= 1")
        if self.max_uncompressed <= 0:
            raise ValueError("archive limits: max_uncompressed must be positive")


@dataclass(frozen=True)
class ArchiveReport:
    """What the central directory declares, summed over visible nesting."""

    entries: int
    uncompressed: int
    depth: int
    ooxml_type: str | None


def is_zip(head: bytes) -> bool:
    """A local file header or an empty archive's end record at offset 0."""
    return head.startswith(_LOCAL) or head.startswith(_EOCD)


class _Slice(io.RawIOBase):
    """A read-only window onto part of a seekable file, for opening stored nested zips."""

    def __init__(self, f: IO[bytes], start: int, length: int) -> None:
        self._f, self._start, self._len, self._pos = f, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._len}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        left = max(0, self._len - self._pos)
        n = left if size is None or size < 0 else min(size, left)
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        self._pos += len(data)
        return data


class _Walk:
    """Running totals across nesting levels; raises `Rejected` at the first crossed limit."""

    def __init__(self, limits: ArchiveLimits, filename: str) -> None:
        self.limits, self.filename = limits, filename
        self.entries = self.uncompressed = self.depth = 0

    def reject(self, detail: str) -> Rejected:
        return Rejected(RejectKind.ARCHIVE, detail, self.filename)

    def visit(self, f: IO[bytes], size: int, depth: int) -> list[str]:
        self.depth = max(self.depth, depth)
        if depth > self.limits.max_depth:
            raise self.reject(f"archive nesting deeper than max_depth ({self.limits.max_depth})")
        declared = _declared_entries(f, size)
        if declared is not None and self.entries + declared > self.limits.max_entries:
            raise self.reject(f"archive has more than max_entries ({self.limits.max_entries})")
        try:
            infos = zipfile.ZipFile(f).infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
            raise self.reject(f"unreadable zip: {exc}") from exc
        self.entries += len(infos)
        if self.entries > self.limits.max_entries:
            raise self.reject(f"archive has more than max_entries ({self.limits.max_entries})")
        level_total = sum(i.file_size for i in infos)
        self.uncompressed += level_total
        if self.uncompressed > self.limits.max_uncompressed:
            raise self.reject(
                f"archive inflates past max_uncompressed ({self.limits.max_uncompressed} bytes)"
            )
        self._check_ratio(level_total, size, "archive")
        for info in infos:
            self._check_ratio(info.file_size, info.compress_size, f"entry {info.filename!r}")
        _check_overlap(infos, self)
        for info in infos:
            if not info.is_dir() and _nested(f, info):
                self._descend(f, info, depth)
        return [i.filename for i in infos]

    def _check_ratio(self, inflated: int, stored: int, what: str) -> None:
        if inflated >= _RATIO_FLOOR and inflated > self.limits.max_ratio * max(stored, 1):
            raise self.reject(
                f"{what} expands {inflated / max(stored, 1):.0f}x, over max_ratio "
                f"({self.limits.max_ratio:g})"
            )

    def _descend(self, f: IO[bytes], info: zipfile.ZipInfo, depth: int) -> None:
        if info.compress_type != zipfile.ZIP_STORED:
            # Compressed: one more level, contents invisible without inflating.
            self.depth = max(self.depth, depth + 1)
            if depth + 1 > self.limits.max_depth:
                raise self.reject(
                    f"archive nesting deeper than max_depth ({self.limits.max_depth})"
                )
            return
        start = _data_offset(f, info)
        window = cast(IO[bytes], _Slice(f, start, info.compress_size))
        self.visit(window, info.compress_size, depth + 1)


def _declared_entries(f: IO[bytes], size: int) -> int | None:
    """Entry count from the end record (None for zip64 or when no end record is found)."""
    tail_len = min(size, 22 + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return None
    total = int(struct.unpack_from("<H", tail, at + 10)[0])
    return None if total == 0xFFFF else total


def _data_offset(f: IO[bytes], info: zipfile.ZipInfo) -> int:
    f.seek(info.header_offset)
    header = f.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL:
        raise Rejected(RejectKind.ARCHIVE, f"bad local header for {info.filename!r}")
    fields = _LOCAL_HEADER.unpack(header)
    return info.header_offset + _LOCAL_HEADER.size + int(fields[10]) + int(fields[11])


def _nested(f: IO[bytes], info: zipfile.ZipInfo) -> bool:
    if info.filename.lower().endswith(_NESTED_SUFFIXES):
        return True
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size >= 4:
        f.seek(_data_offset(f, info))
        return is_zip(f.read(4))
    return False


def _check_overlap(infos: list[zipfile.ZipInfo], walk: _Walk) -> None:
    """Entries whose data would run into the next entry's header share bytes: a bomb."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in itertools.pairwise(ordered):
        encoding = "utf-8" if a.flag_bits & 0x800 else "cp437"
        try:
            name_len = len(a.orig_filename.encode(encoding))
        except UnicodeEncodeError:
            name_len = len(a.orig_filename.encode("utf-8"))
        if a.header_offset + _LOCAL_HEADER.size + name_len + a.compress_size > b.header_offset:
            raise walk.reject(f"overlapping entries {a.filename!r} and {b.filename!r}")


def _ooxml_type(names: list[str]) -> str | None:
    if "[Content_Types].xml" not in names:
        return None
    for prefix, mime in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


_UNLIMITED = ArchiveLimits(
    max_depth=16, max_ratio=1e18, max_entries=10**7, max_uncompressed=1 << 62
)


def inspect_zip(
    f: IO[bytes], size: int, limits: ArchiveLimits | None, filename: str = ""
) -> ArchiveReport:
    """Check a zip held in a seekable file of `size` bytes; raise `Rejected(ARCHIVE)`.

    With `limits=None` the bomb checks are effectively off (huge limits) and only the report
    (notably `ooxml_type`) is wanted. Synchronous and CPU-bound: call it off the event loop.
    """
    walk = _Walk(limits or _UNLIMITED, filename)
    names = walk.visit(f, size, 1)
    return ArchiveReport(walk.entries, walk.uncompressed, walk.depth, _ooxml_type(names))
