"""Streaming multipart/form-data parsing with the size limits enforced as bytes arrive.

python-multipart's `MultipartParser` is a push parser with synchronous callbacks; the scan
pipeline is asynchronous (it talks to clamd). So the callbacks only record events, and
`MultipartStream.feed()` returns the events one chunk produced for the caller to act on.
Memory stays bounded by one chunk plus the small field cap: file bytes are handed on, never
accumulated here.

Limits are checked at the moment they are crossed, so a 10 GB upload against a 25 MB limit
is refused after ~25 MB, not after 10 GB. Non-file fields are kept (the caller may want them,
e.g. `purpose` on /v1/files) up to `max_field_bytes` in total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from scanners.uploads.verdict import Rejected, RejectKind

_PLAIN_ENCODINGS = frozenset({"7bit", "8bit", "binary"})
# Any filename parameter: plain, RFC 2231/5987 extended (``filename*=UTF-8''x``) or continued
# (``filename*0=``), in any case. python-multipart drops the extended forms, but aiohttp,
# busboy and Python's email read such a part as a file: so must the scanner (issue 17, H5).
# A match inside a quoted value only makes a field scanned as a file, never the reverse.
_FILENAME_PARAM = re.compile(rb";\s*filename(?:\*\d*)?\*?\s*=", re.IGNORECASE)


@dataclass(frozen=True)
class MultipartLimits:
    """Byte limits for one request body; checked while streaming."""

    max_file_size: int
    max_total_size: int
    max_field_bytes: int = 64 * 1024
    max_parts: int = 64

    def __post_init__(self) -> None:
        for name in ("max_file_size", "max_total_size", "max_field_bytes", "max_parts"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class FileStart:
    """A file part begins (a part whose Content-Disposition carries a filename)."""

    field: str
    filename: str
    declared_type: str | None


@dataclass(frozen=True)
class FileData:
    """A slice of the current file part's bytes, in order."""

    data: bytes


@dataclass(frozen=True)
class FileEnd:
    """The current file part is complete."""

    size: int


Event = FileStart | FileData | FileEnd


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary from a Content-Type header, or `Rejected(MALFORMED)`."""
    mime, params = parse_options_header(content_type)
    if mime != b"multipart/form-data":
        raise Rejected(
            RejectKind.MALFORMED,
            f"content type {mime.decode('latin-1')!r} is not multipart/form-data",
        )
    boundary = params.get(b"boundary", b"")
    if not boundary or len(boundary) > 70:
        raise Rejected(RejectKind.MALFORMED, "multipart body without a valid boundary")
    return boundary


class MultipartStream:
    """One request body: `feed()` each chunk, act on the returned events, then `finish()`."""

    def __init__(self, content_type: str, limits: MultipartLimits) -> None:
        self._limits = limits
        self._parser = MultipartParser(
            boundary_of(content_type),
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )
        self._events: list[Event] = []
        self._total = 0
        self._parts = 0
        self._field_bytes = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._in_file = False
        self._file_name = ""
        self._file_size = 0
        self._field_name: str | None = None
        self._field_value = bytearray()
        self._ended = False
        self.fields: list[tuple[str, bytes]] = []

    @property
    def total(self) -> int:
        """Raw body bytes fed so far."""
        return self._total

    def feed(self, chunk: bytes) -> list[Event]:
        """Parse one chunk; raise `Rejected` on a limit or a malformed body."""
        self._total += len(chunk)
        if self._total > self._limits.max_total_size:
            raise Rejected(
                RejectKind.TOTAL_TOO_LARGE,
                f"request body exceeds max_total_size ({self._limits.max_total_size} bytes)",
            )
        self._events = []
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise Rejected(RejectKind.MALFORMED, f"multipart parse error: {exc}") from exc
        return self._events

    def finish(self) -> None:
        """Confirm the body reached its closing boundary (a truncated body is malformed)."""
        if not self._ended:
            raise Rejected(RejectKind.MALFORMED, "multipart body ended before its final boundary")

    # -- parser callbacks (synchronous; they only record) --------------------------------

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > self._limits.max_parts:
            raise Rejected(
                RejectKind.TOO_MANY_PARTS, f"more than max_parts ({self._limits.max_parts})"
            )
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self._headers.get("content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            raise Rejected(RejectKind.MALFORMED, "part without Content-Disposition: form-data")
        encoding = self._headers.get("content-transfer-encoding", b"binary").decode("latin-1")
        encoding = encoding.lower()
        if encoding not in _PLAIN_ENCODINGS:
            # RFC 7578 deprecates it; sniffing base64 text would judge the wrong bytes.
            raise Rejected(RejectKind.MALFORMED, f"Content-Transfer-Encoding {encoding!r}")
        name = params[b"name"].decode("utf-8", "replace")
        filename = params.get(b"filename")
        if filename is None:
            filename = _extended_filename(self._headers.get("content-disposition", b""))
        if filename is None:
            self._in_file = False
            self._field_name = name
            self._field_value = bytearray()
            return
        self._in_file = True
        self._file_name = filename.decode("utf-8", "replace")
        self._file_size = 0
        declared = self._headers.get("content-type", b"").decode("utf-8", "replace")
        self._events.append(FileStart(name, self._file_name, declared or None))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._in_file:
            self._file_size += size
            if self._file_size > self._limits.max_file_size:
                raise Rejected(
                    RejectKind.FILE_TOO_LARGE,
                    f"file exceeds max_file_size ({self._limits.max_file_size} bytes)",
                    self._file_name,
                )
            self._events.append(FileData(data[start:end]))
            return
        self._field_bytes += size
        if self._field_bytes > self._limits.max_field_bytes:
            raise Rejected(
                RejectKind.FIELDS_TOO_LARGE,
                f"form fields exceed max_field_bytes ({self._limits.max_field_bytes} bytes)",
            )
        self._field_value += data[start:end]

    def _on_part_end(self) -> None:
        if self._in_file:
            self._events.append(FileEnd(self._file_size))
            self._in_file = False
        elif self._field_name is not None:
            self.fields.append((self._field_name, bytes(self._field_value)))
            self._field_name = None

    def _on_end(self) -> None:
        self._ended = True


def _extended_filename(disposition: bytes) -> bytes | None:
    """The file name of a part whose only filename parameter is an extended or continued
    one (decoded by Python's ``email``), or None when the part has no filename at all."""
    if not _FILENAME_PARAM.search(disposition):
        return None
    message = Message()
    message["content-disposition"] = disposition.decode("latin-1")
    try:
        name = message.get_filename()
    except (LookupError, ValueError):  # an unknown charset: still a file
        name = None
    return (name or "").encode("utf-8", "replace")
