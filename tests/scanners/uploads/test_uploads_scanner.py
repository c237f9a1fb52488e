"""UploadScanner without clamd: real files in random chunk sizes, limits, replay, cleanup."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scanners.uploads import ArchiveLimits, RejectKind, UploadScanner, UploadVerdict
from scanners.uploads.sniff import DOCX
from tests.data.uploads import generate as g

ALLOW = ["image/*", "application/pdf", "text/plain", DOCX]


def scanner(**overrides: object) -> UploadScanner:
    options: dict[str, object] = {
        "allow_types": ALLOW,
        "max_file_size": 1 << 20,
        "max_total_size": 4 << 20,
        "archive": ArchiveLimits(),
    }
    options.update(overrides)
    return UploadScanner(**options)  # type: ignore[arg-type]


def fds_in(directory: Path) -> int:
    """Open file descriptors of this process on (possibly unlinked) files in `directory`."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target.startswith(str(directory))
    return count


async def replay(verdict: UploadVerdict, chunk_size: int = 65536) -> bytes:
    return b"".join([c async for c in verdict.body(chunk_size)])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    ("name", "ctype", "data", "sniffed"),
    [
        ("cat.png", "image/png", g.png(), "image/png"),
        ("paper.pdf", "application/pdf", g.pdf(), "application/pdf"),
        ("report.docx", DOCX, g.docx(), DOCX),
        ("report.docx", None, g.docx(types_first=False), DOCX),  # libmagic says zip; CD says docx
        ("scan.png", "application/octet-stream", g.png(), "image/png"),
        ("notes.txt", "text/plain", b"hello\n" * 3000, "text/plain"),  # head sniffed in a thread
    ],
)
async def test_real_files_pass_and_replay_byte_for_byte(
    seed: int, name: str, ctype: str | None, data: bytes, sniffed: str
) -> None:
    content_type, body = g.one_file(name, ctype, data)
    async with await scanner().scan(content_type, g.chunked(body, seed)) as verdict:
        assert verdict.allowed, verdict.detail
        assert verdict.http_status == 200 and verdict.reason == ""
        assert [(f.filename, f.sniffed_type, f.size) for f in verdict.files] == [
            (name, sniffed, len(data))
        ]
        assert verdict.fields == (("purpose", b"assistants"),)
        assert verdict.body_size == len(body)
        assert await replay(verdict, 1000) == body
        assert await replay(verdict) == body  # re-streamable: a retry replays it again


@pytest.mark.parametrize(
    ("name", "ctype", "data", "kind"),
    [
        ("cat.png", "image/png", b"I am text pretending to be a picture\n" * 5, "type_mismatch"),
        ("cat.png", None, b"plain text, no declared type\n", "type_mismatch"),
        ("page.html", "text/html", b"<html><script>alert(1)</script></html>", "type_not_allowed"),
        ("x.docx", DOCX, g.zip_bomb(), "archive"),
        ("a.zip", "application/zip", g.zip_of([("a.txt", b"a")]), "type_not_allowed"),
        ("empty.txt", "text/plain", b"", "type_not_allowed"),
    ],
)
async def test_bad_files_are_rejected_with_a_generic_reason(
    name: str, ctype: str | None, data: bytes, kind: str
) -> None:
    content_type, body = g.one_file(name, ctype, data)
    verdict = await scanner().scan(content_type, g.chunked(body, 9))
    assert not verdict.allowed
    assert verdict.kind is RejectKind(kind)
    assert verdict.reason == "file rejected"
    assert verdict.http_status == 422
    assert verdict.filename == name
    assert verdict.detail  # the security event gets the specifics
    with pytest.raises(RuntimeError):
        verdict.body()


class CountingBody:
    """An async chunk source that records how much the scanner actually pulled."""

    def __init__(self, body: bytes, size: int) -> None:
        self.body, self.size, self.pulled = body, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), self.size):
            self.pulled += 1
            yield self.body[i : i + self.size]


async def test_a_disguised_file_is_refused_after_its_head_not_its_end() -> None:
    content_type, body = g.one_file("huge.png", "image/png", b"text line\n" * 90_000)
    source = CountingBody(body, 1024)
    verdict = await scanner().scan(content_type, source.__aiter__())
    assert verdict.kind is RejectKind.TYPE_MISMATCH
    assert source.pulled <= 10  # ~8 KiB head, of a 900 KB body


async def test_per_file_limit() -> None:
    content_type, body = g.one_file("big.txt", "text/plain", b"word " * 3000)
    verdict = await scanner(max_file_size=10_000).scan(content_type, g.chunked(body, 2))
    assert verdict.kind is RejectKind.FILE_TOO_LARGE
    assert verdict.http_status == 413 and verdict.reason == "upload too large"


async def test_total_limit_across_files() -> None:
    parts = [("file", f"{i}.png", "image/png", g.png(40, 40)) for i in range(10)]
    content_type, body = g.multipart(parts)
    verdict = await scanner(max_total_size=len(body) - 1).scan(content_type, g.chunked(body, 4))
    assert verdict.kind is RejectKind.TOTAL_TOO_LARGE
    verdict = await scanner(max_total_size=len(body)).scan(content_type, g.chunked(body, 4))
    assert verdict.allowed and len(verdict.files) == 10
    verdict.close()


async def test_one_bad_file_among_good_ones_rejects_the_request() -> None:
    content_type, body = g.multipart(
        [
            ("file", "a.png", "image/png", g.png()),
            ("file", "b.png", "image/png", b"not a png\n"),
            ("file", "c.pdf", "application/pdf", g.pdf()),
        ]
    )
    verdict = await scanner().scan(content_type, g.chunked(body, 6))
    assert verdict.kind is RejectKind.TYPE_MISMATCH and verdict.filename == "b.png"
    assert [f.filename for f in verdict.files] == ["a.png"]  # what was judged before


async def test_not_multipart_is_malformed() -> None:
    verdict = await scanner().scan("application/json", g.chunked(b'{"a": 1}', 1))
    assert verdict.kind is RejectKind.MALFORMED and verdict.http_status == 400


async def test_large_bodies_spool_to_disk_and_close_deletes_them(tmp_path: Path) -> None:
    data = b"line of text\n" * 40_000  # 520 KB
    content_type, body = g.one_file("big.txt", "text/plain", data)
    s = scanner(spool_memory=64 * 1024, spool_dir=str(tmp_path))
    verdict = await s.scan(content_type, g.chunked(body, 8, max_chunk=20_000))
    assert verdict.allowed
    # The spool rolled over into an unlinked temp file in spool_dir; close() releases it.
    assert fds_in(tmp_path) == 1
    assert await replay(verdict) == body
    verdict.close()
    verdict.close()  # idempotent
    assert fds_in(tmp_path) == 0
    assert list(tmp_path.iterdir()) == []


async def test_source_failure_propagates_and_cleans_up(tmp_path: Path) -> None:
    content_type, body = g.one_file("a.txt", "text/plain", b"abc\n" * 50_000)

    async def broken() -> AsyncIterator[bytes]:
        yield body[:100_000]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await scanner(spool_memory=1024, spool_dir=str(tmp_path)).scan(content_type, broken())
    assert fds_in(tmp_path) == 0


async def test_concurrent_scans_do_not_mix_state() -> None:
    s = scanner()
    cases = []
    for i in range(24):
        if i % 3 == 0:
            cases.append((g.one_file(f"{i}.png", "image/png", b"fake\n" * i), False))
        elif i % 3 == 1:
            cases.append((g.one_file(f"{i}.pdf", "application/pdf", g.pdf(f"doc {i}")), True))
        else:
            cases.append((g.one_file(f"{i}.docx", DOCX, g.docx(f"n{i}")), True))
    verdicts = await asyncio.gather(
        *(s.scan(ct, g.chunked(body, i, max_chunk=50)) for i, ((ct, body), _) in enumerate(cases))
    )
    for ((_, body), ok), verdict in zip(cases, verdicts, strict=True):
        assert verdict.allowed is ok
        if ok:
            assert await replay(verdict) == body
            verdict.close()


def test_options_are_validated_at_construction() -> None:
    with pytest.raises(ValueError):
        scanner(on_error="ignore")
    with pytest.raises(ValueError):
        scanner(allow_types=[])
    with pytest.raises(ValueError):
        scanner(max_total_size=0)
    with pytest.raises(ValueError):
        scanner(clamd="http://127.0.0.1:3310")
