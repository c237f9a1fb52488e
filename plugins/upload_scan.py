"""upload_scan: check multipart uploads for what their files really are, and for malware.

The work is done by ``scanners.uploads.UploadScanner`` (built once here): the body streams
through a multipart parser into a spool, each file's head is sniffed by libmagic against the
allowlist, zip-family files get archive checks, and file bytes stream to clamd as they arrive.
This plugin picks which requests to scan, answers refusals, and forwards an allowed upload
byte for byte by replaying the spool (``ex.set_body_stream``), so nothing is held in memory
beyond the spool's in-memory threshold.

What the client learns is deliberately little: 422 ``file_rejected`` ("file rejected"), 413
for size limits, 400 for a malformed body, 503 when clamd is down and ``on_error = "deny"``.
The signature name, sniffed type and limit crossed go to the ``scan_blocked`` security event,
where the operator needs them and an attacker cannot use them to tune the next attempt.

In ``mode = "monitor"`` a refusal must not cost the upload (the scanner stops reading at the
first refusal), so the body is first read whole (bounded by the gateway's ``max_body``),
scanned from memory and then forwarded as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.responses import Response

from proxy.config.types import ByteSize, Duration
from proxy.errors import PolicyError
from proxy.exchange import BODY_METHODS, Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from scanners.uploads import ArchiveLimits, ClamdAddress, ClamdClient, UploadScanner
from scanners.uploads.verdict import RejectKind, UploadVerdict

_ERROR_TYPES = {
    413: "payload_too_large",
    400: "invalid_request",
    503: "scanner_unavailable",
    422: "file_rejected",
}
_DEFAULT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "text/markdown",
    "application/json",
    "application/jsonl",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "audio/*",
)


class ArchiveOptions(BaseModel):
    """Zip-bomb limits; present = archives are inspected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_depth: int = Field(2, ge=1, description="Deepest nesting of archives in archives.")
    max_ratio: float = Field(100.0, gt=1, description="Largest uncompressed/compressed ratio.")
    max_entries: int = Field(1000, ge=1, description="Most entries in one archive.")
    max_uncompressed: ByteSize = Field(1 << 30, description="Largest declared inflated size.")


@dataclass(slots=True)
class Scanned:
    verdict: UploadVerdict | None = None  # an allowed upload's spool, closed on completion


class UploadScan(Plugin):
    name = "upload_scan"

    class Options(PluginOptions):
        paths: list[str] = Field(
            default_factory=lambda: ["/"],
            description="Path prefixes whose multipart bodies are scanned; by default every "
            "multipart body on the route (images/edits, audio, files, uploads, batches...).",
        )
        allow_types: list[str] = Field(
            default_factory=lambda: list(_DEFAULT_TYPES),
            min_length=1,
            description='Sniffed file types allowed: exact ("application/pdf") or "image/*"; '
            '"text/plain" also admits CSV, TSV, Markdown, JSON and JSON Lines, which libmagic '
            "cannot tell from text, unless exact_types is set.",
        )
        exact_types: bool = Field(
            False, description='Match allow_types exactly: "text/plain" admits only text/plain.'
        )
        max_file_size: ByteSize = Field(25_000_000, description="Largest single file.")
        max_total_size: ByteSize = Field(100_000_000, description="Largest whole upload body.")
        max_parts: int = Field(64, ge=1, le=10_000, description="Most parts in one upload.")
        max_field_bytes: ByteSize = Field(64 * 1024, description="Most bytes of non-file fields.")
        archive: ArchiveOptions | None = Field(
            None, description="Zip checks (depth, ratio, entries); omit to skip them."
        )
        clamd: str | None = Field(
            None, description='"unix:///run/clamav/clamd.ctl" or "tcp://127.0.0.1:3310".'
        )
        clamd_max_stream: ByteSize | None = Field(
            None, description="clamd's StreamMaxLength, for a clear reason when a file exceeds it."
        )
        clamd_timeout: Duration = Field(30.0, description="Longest wait for clamd's verdict.")
        on_error: Literal["allow", "deny"] = Field(
            "deny", description="When clamd cannot scan: deny (503) or allow unscanned."
        )
        require_multipart: bool = Field(
            False,
            description="Refuse (415) a non-multipart body on the selected paths (which must "
            "then be listed: the default, every path, would refuse every JSON request).",
        )

        @field_validator("clamd")
        @classmethod
        def _clamd_address(cls, value: str | None) -> str | None:
            if value is not None:
                ClamdAddress.parse(value)
            return value

        @field_validator("paths")
        @classmethod
        def _paths(cls, value: list[str]) -> list[str]:
            for path in value:
                if not path.startswith("/"):
                    raise ValueError(f"{path!r}: a path prefix starts with /")
            return value

        @model_validator(mode="after")
        def _multipart_paths(self) -> UploadScan.Options:
            if self.require_multipart and "/" in self.paths:
                raise ValueError(
                    'require_multipart needs paths listing the upload endpoints (with "/", '
                    "every JSON request would be refused)"
                )
            return self

        @field_validator("allow_types")
        @classmethod
        def _types(cls, value: list[str]) -> list[str]:
            for entry in value:
                kind, _, sub = entry.partition("/")
                if not kind or kind == "*" or not sub or " " in entry:
                    raise ValueError(f"{entry!r} is not a media type such as image/png or image/*")
            return value

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        o = options
        clamd = None
        if o.clamd is not None:
            max_stream = int(o.clamd_max_stream) if o.clamd_max_stream is not None else None
            clamd = ClamdClient(o.clamd, read_timeout=o.clamd_timeout, max_stream=max_stream)
        archive = None
        if o.archive is not None:
            a = o.archive
            archive = ArchiveLimits(a.max_depth, a.max_ratio, a.max_entries,
                                    int(a.max_uncompressed))  # fmt: skip
        self.scanner = UploadScanner(
            allow_types=o.allow_types,
            exact_types=o.exact_types,
            max_file_size=int(o.max_file_size),
            max_total_size=int(o.max_total_size),
            archive=archive,
            clamd=clamd,
            on_error=o.on_error,
            max_field_bytes=int(o.max_field_bytes),
            max_parts=o.max_parts,
        )
        self._paths = tuple(o.paths)

    async def on_request(self, ex: Exchange) -> Response | None:
        if ex.method not in BODY_METHODS or not ex.path.startswith(self._paths):
            return None
        content_type = ex.request_headers.get("content-type") or ""
        if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
            if self.options.require_multipart and ex.has_body:
                raise PolicyError(415, "unsupported_media_type", "expected multipart/form-data")
            return None
        if self.monitoring:
            body = await ex.body()
            verdict = await self.scanner.scan(content_type, _once(body))
            verdict.close()
            # A stream, not set_body(): a loaded body is taken for JSON by the core.
            ex.set_body_stream(_once(body))
        else:
            verdict = await self.scanner.scan(content_type, ex.body_stream())
        self._record(ex, verdict)
        if not verdict.allowed:
            status = verdict.http_status
            raise PolicyError(status, _ERROR_TYPES.get(status), verdict.reason)
        if not self.monitoring:
            ex.state_for(self, Scanned).verdict = verdict
            ex.set_body_stream(verdict.body())
        return None

    def _record(self, ex: Exchange, verdict: UploadVerdict) -> None:
        for note in verdict.degraded:
            ex.record_event("scan_degraded", self.name, "file not scanned by clamd",
                            detail=note, monitored=self.monitoring)  # fmt: skip
        if verdict.allowed:
            return
        kind = verdict.kind or RejectKind.MALFORMED
        ex.record_event("scan_blocked", self.name, kind.value, kind=kind.value,
                        detail=verdict.detail, file=verdict.filename,
                        monitored=self.monitoring)  # fmt: skip

    async def on_complete(self, ex: Exchange) -> None:
        state = ex.state_for(self, Scanned)
        verdict, state.verdict = state.verdict, None
        if verdict is not None:
            verdict.close()

    def describe(self) -> dict[str, Any]:
        o = self.options
        return {
            "paths": list(o.paths),
            "allow_types": list(o.allow_types),
            "clamd": str(ClamdAddress.parse(o.clamd)) if o.clamd else None,
            "on_error": o.on_error,
            "archive": o.archive is not None,
        }


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
