"""What a scan concludes, in two registers: a client-safe reason and an internal detail.

The split exists because the two audiences differ. The client learns only that its file was
rejected (naming a signature or our allowlist helps an attacker tune the next attempt); the
security event gets everything: signature name, sniffed type, which limit was crossed.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType

from scanners.uploads.spool import BodySpool


class RejectKind(enum.Enum):
    """Why an upload was refused; `http_status` is the status a plugin should answer with."""

    INFECTED = "infected"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    TYPE_MISMATCH = "type_mismatch"
    ARCHIVE = "archive"
    FILE_TOO_LARGE = "file_too_large"
    TOTAL_TOO_LARGE = "total_too_large"
    FIELDS_TOO_LARGE = "fields_too_large"
    TOO_MANY_PARTS = "too_many_parts"
    MALFORMED = "malformed"
    SCANNER_UNAVAILABLE = "scanner_unavailable"

    @property
    def http_status(self) -> int:
        """413 for size limits, 400 for a body we cannot parse, 503 when the scanner is down
        and on_error is deny, 422 for content we parsed and refused."""
        if self in _SIZE_KINDS:
            return 413
        if self is RejectKind.MALFORMED:
            return 400
        if self is RejectKind.SCANNER_UNAVAILABLE:
            return 503
        return 422

    @property
    def client_reason(self) -> str:
        """The only text a client sees: generic on purpose (see module docstring)."""
        if self in _SIZE_KINDS:
            return "upload too large"
        if self is RejectKind.MALFORMED:
            return "malformed upload"
        if self is RejectKind.SCANNER_UNAVAILABLE:
            return "upload scanning unavailable"
        return "file rejected"


_SIZE_KINDS = frozenset(
    {
        RejectKind.FILE_TOO_LARGE,
        RejectKind.TOTAL_TOO_LARGE,
        RejectKind.FIELDS_TOO_LARGE,
        RejectKind.TOO_MANY_PARTS,
    }
)


class Rejected(Exception):
    """Raised inside the scan pipeline to stop at the first refusal; never escapes `scan()`."""

    def __init__(self, kind: RejectKind, detail: str, filename: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.filename = filename


@dataclass(frozen=True)
class ScannedFile:
    """One file part as the scanner saw it; `clamd` is None when it was not scanned."""

    field: str
    filename: str
    declared_type: str | None
    sniffed_type: str
    size: int
    clamd: str | None  # "clean", a signature name, or None (no clamd / skipped per on_error)


@dataclass
class UploadVerdict:
    """The outcome of `UploadScanner.scan`.

    An allowed verdict owns the spooled request body: replay it with `body()` to forward the
    exact original bytes upstream (as often as needed, e.g. on retry), and release it with
    `close()` or `async with verdict:`. A rejected verdict has no body (reading stopped at the
    first refusal) and `body()` raises.
    """

    allowed: bool
    kind: RejectKind | None = None
    detail: str = ""
    filename: str | None = None
    files: tuple[ScannedFile, ...] = ()
    fields: tuple[tuple[str, bytes], ...] = ()
    degraded: tuple[str, ...] = ()  # e.g. "clamd unavailable: ...; allowed per on_error"
    body_size: int = 0
    _spool: BodySpool | None = field(default=None, repr=False)

    @property
    def reason(self) -> str:
        """Client-safe text ("file rejected"); empty when allowed."""
        return self.kind.client_reason if self.kind is not None else ""

    @property
    def http_status(self) -> int:
        """Suggested response status: 200 when allowed, else per `RejectKind.http_status`."""
        return self.kind.http_status if self.kind is not None else 200

    def body(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Replay the original request body, byte for byte, from the spool."""
        if self._spool is None:
            raise RuntimeError("a rejected or closed verdict has no body to replay")
        return self._spool.replay(chunk_size)

    def close(self) -> None:
        """Delete the spool (a temp file once the body outgrew memory). Idempotent."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    async def __aenter__(self) -> UploadVerdict:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
