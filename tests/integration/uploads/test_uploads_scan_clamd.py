"""UploadScanner end to end with a real clamd: malware, on_error, both transports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scanners.uploads import ArchiveLimits, ClamdClient, RejectKind, UploadScanner
from scanners.uploads.sniff import DOCX
from tests.data.uploads import generate as g
from tests.fixtures.clamd import STREAM_MAX_LENGTH, ClamdServer, start_clamd

ALLOW = ["image/*", "application/pdf", "text/plain", DOCX, "application/zip"]


def make(clamd: ClamdClient | str | None, on_error: str = "deny", **kw: int) -> UploadScanner:
    return UploadScanner(
        allow_types=ALLOW,
        max_file_size=kw.get("max_file_size", 8 << 20),
        max_total_size=16 << 20,
        archive=ArchiveLimits(),
        clamd=clamd,
        on_error=on_error,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["unix", "tcp"])
def url(request: pytest.FixtureRequest, clamd_server: ClamdServer) -> str:
    return clamd_server.unix_url if request.param == "unix" else clamd_server.tcp_url


@pytest.mark.parametrize("seed", range(3))
async def test_eicar_upload_is_rejected_naming_the_signature_internally(
    url: str, seed: int
) -> None:
    content_type, body = g.one_file("eicar.txt", "text/plain", g.eicar())
    verdict = await make(url).scan(content_type, g.chunked(body, seed, max_chunk=17))
    assert verdict.kind is RejectKind.INFECTED
    assert verdict.reason == "file rejected" and verdict.http_status == 422
    assert g.EICAR_SIGNATURE in verdict.detail
    assert "EICAR" not in verdict.reason


async def test_marker_in_a_large_file_is_found_across_clamd_batches(url: str) -> None:
    data = b"ordinary text line\n" * 20_000 + g.MARKER + b"\n" + b"tail\n" * 1000
    content_type, body = g.one_file("notes.txt", "text/plain", data)
    verdict = await make(url).scan(content_type, g.chunked(body, 3, max_chunk=40_000))
    assert verdict.kind is RejectKind.INFECTED
    assert g.MARKER_SIGNATURE in verdict.detail


async def test_eicar_inside_an_allowed_zip_is_rejected(url: str) -> None:
    content_type, body = g.one_file("bundle.zip", "application/zip", g.zip_of([("e", g.eicar())]))
    verdict = await make(url).scan(content_type, g.chunked(body, 1))
    assert verdict.kind is RejectKind.INFECTED


@pytest.mark.parametrize(
    ("name", "ctype", "data"),
    [
        ("a.pdf", "application/pdf", g.pdf()),
        ("a.png", "image/png", g.png(64, 64)),
        ("a.docx", DOCX, g.docx(types_first=False)),
        ("big.txt", "text/plain", b"clean line\n" * 100_000),
    ],
)
async def test_clean_files_pass_with_a_clamd_verdict(
    url: str, name: str, ctype: str, data: bytes
) -> None:
    content_type, body = g.one_file(name, ctype, data)
    async with await make(url).scan(content_type, g.chunked(body, 5, max_chunk=9000)) as verdict:
        assert verdict.allowed, verdict.detail
        assert verdict.files[0].clamd == "clean"
        assert verdict.degraded == ()
        assert b"".join([c async for c in verdict.body()]) == body


async def test_type_rejection_comes_before_clamd(url: str) -> None:
    # EICAR renamed .png: refused as a mismatch; no need to wait for clamd.
    content_type, body = g.one_file("eicar.png", "image/png", g.eicar())
    verdict = await make(url).scan(content_type, g.chunked(body, 2))
    assert verdict.kind is RejectKind.TYPE_MISMATCH


@pytest.mark.parametrize("down", ["unix", "tcp"])
async def test_clamd_down_on_error_allow_lets_files_through_and_says_so(
    tmp_path: Path, down: str
) -> None:
    url = f"unix://{tmp_path}/none.sock" if down == "unix" else "tcp://127.0.0.1:1"
    content_type, body = g.one_file("a.pdf", "application/pdf", g.pdf())
    verdict = await make(url, "allow").scan(content_type, g.chunked(body, 1))
    assert verdict.allowed
    assert verdict.files[0].clamd is None
    assert len(verdict.degraded) == 1 and "cannot connect" in verdict.degraded[0]
    verdict.close()


async def test_clamd_down_on_error_deny_refuses(tmp_path: Path) -> None:
    content_type, body = g.one_file("a.pdf", "application/pdf", g.pdf())
    verdict = await make(f"unix://{tmp_path}/none.sock", "deny").scan(
        content_type, g.chunked(body, 1)
    )
    assert verdict.kind is RejectKind.SCANNER_UNAVAILABLE
    assert verdict.http_status == 503
    assert "cannot connect" in verdict.detail


@pytest.mark.parametrize(("on_error", "allowed"), [("allow", True), ("deny", False)])
async def test_file_over_clamd_stream_max_length_follows_on_error(
    clamd_server: ClamdServer, on_error: str, allowed: bool
) -> None:
    client = ClamdClient(clamd_server.unix_url, max_stream=STREAM_MAX_LENGTH)
    data = b"text that is too long for clamd\n" * (STREAM_MAX_LENGTH // 32 + 100)
    content_type, body = g.one_file("long.txt", "text/plain", data)
    verdict = await make(client, on_error).scan(content_type, g.chunked(body, 4, max_chunk=60_000))
    assert verdict.allowed is allowed
    if allowed:
        assert "StreamMaxLength" in verdict.degraded[0]
        verdict.close()
    else:
        assert verdict.kind is RejectKind.SCANNER_UNAVAILABLE


async def test_clamd_dying_mid_upload_follows_on_error(tmp_path: Path) -> None:
    private = start_clamd(tmp_path)
    try:
        data = b"x" * 3_000_000
        content_type, body = g.one_file("data.txt", "text/plain", data)
        for on_error, allowed in (("deny", False), ("allow", True)):
            if not private.running:
                private = start_clamd(tmp_path / on_error)

            async def source(server: ClamdServer = private) -> AsyncIterator[bytes]:
                for i in range(0, len(body), 100_000):
                    if i == 1_000_000:
                        server.stop()  # clamd dies while the client is still uploading
                    yield body[i : i + 100_000]

            verdict = await make(private.unix_url, on_error).scan(content_type, source())
            assert verdict.allowed is allowed, verdict.detail
            if allowed:
                assert verdict.files[0].clamd is None and verdict.degraded
                verdict.close()
    finally:
        private.stop()


async def test_concurrent_uploads_each_get_the_right_verdict(url: str) -> None:
    scanner = make(url)
    cases = [
        g.one_file(f"{i}.txt", "text/plain", g.eicar() if i % 3 == 0 else b"fine %d\n" % i)
        for i in range(15)
    ]
    verdicts = await asyncio.gather(
        *(scanner.scan(ct, g.chunked(body, i, max_chunk=30)) for i, (ct, body) in enumerate(cases))
    )
    assert [v.kind is RejectKind.INFECTED for v in verdicts] == [i % 3 == 0 for i in range(15)]
    assert all(v.allowed for i, v in enumerate(verdicts) if i % 3)
    for v in verdicts:
        v.close()


@pytest.mark.parametrize(
    "disposition",
    [
        b"form-data; name=\"file\"; filename*=UTF-8''eicar.txt",
        b"form-data; name=\"file\"; FILENAME*=utf-8''%65icar.txt",
        b'form-data; name="file"; filename*0="ei"; filename*1="car.txt"',
    ],
)
async def test_a_part_named_only_by_filename_star_is_a_file_and_scanned(
    clamd_server: ClamdServer, disposition: bytes
) -> None:
    """RFC 2231/5987 names (issue 17, H5): aiohttp, busboy and Python's email read such a
    part as a file, so the scanner must too; it was a 64 KiB "field", forwarded unscanned."""
    body = (
        b"--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
        b"--b\r\nContent-Disposition: " + disposition + b"\r\nContent-Type: text/plain\r\n\r\n"
        + g.eicar() + b"\r\n--b--\r\n"
    )  # fmt: skip
    verdict = await make(clamd_server.tcp_url).scan(
        "multipart/form-data; boundary=b", g.chunked(body, 1)
    )
    assert verdict.kind is RejectKind.INFECTED
