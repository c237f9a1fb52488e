"""Streaming multipart parsing: events across arbitrary chunk boundaries, limits, bad bodies."""

from __future__ import annotations

import random

import pytest

from scanners.uploads.multipart import (
    Event,
    FileData,
    FileEnd,
    FileStart,
    MultipartLimits,
    MultipartStream,
)
from scanners.uploads.verdict import Rejected, RejectKind
from tests.data.uploads import generate as g

LIMITS = MultipartLimits(max_file_size=1 << 20, max_total_size=4 << 20)


def run(
    ctype: str, body: bytes, seed: int, limits: MultipartLimits = LIMITS
) -> tuple[MultipartStream, list[Event]]:
    stream = MultipartStream(ctype, limits)
    rng = random.Random(seed)
    i = 0
    events: list[Event] = []
    while i < len(body):
        n = rng.randint(1, 300)
        events += stream.feed(body[i : i + n])
        i += n
    stream.finish()
    return stream, events


def files_of(events: list[Event]) -> list[tuple[FileStart, bytes, int]]:
    out: list[tuple[FileStart, bytes, int]] = []
    start: FileStart | None = None
    data = bytearray()
    for e in events:
        if isinstance(e, FileStart):
            start, data = e, bytearray()
        elif isinstance(e, FileData):
            data += e.data
        elif isinstance(e, FileEnd):
            assert start is not None
            out.append((start, bytes(data), e.size))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_files_and_fields_survive_any_chunking(seed: int) -> None:
    # Data that contains boundary look-alikes and CRLFs, the usual parser traps.
    tricky = b"\r\n--sluiceBOUNDARY4\r\n--sluiceBOUNDARY42x" + bytes(range(256)) * 20
    ctype, body = g.multipart(
        [
            ("purpose", None, None, b"assistants"),
            ("file", "a.png", "image/png", g.png()),
            ("file", "b.bin", None, tricky),
            ("model", None, None, "whisper-1 ✓".encode()),
        ]
    )
    stream, events = run(ctype, body, seed)
    got = files_of(events)
    assert [(s.field, s.filename, s.declared_type) for s, _, _ in got] == [
        ("file", "a.png", "image/png"),
        ("file", "b.bin", None),
    ]
    assert got[0][1] == g.png() and got[0][2] == len(g.png())
    assert got[1][1] == tricky and got[1][2] == len(tricky)
    assert stream.fields == [("purpose", b"assistants"), ("model", "whisper-1 ✓".encode())]
    assert stream.total == len(body)


def test_non_ascii_filename_is_decoded_as_utf8() -> None:
    ctype, body = g.one_file("résumé.pdf", "application/pdf", g.pdf())
    _, events = run(ctype, body, 1)
    assert files_of(events)[0][0].filename == "résumé.pdf"


def reject(ctype: str, body: bytes, limits: MultipartLimits = LIMITS) -> Rejected:
    with pytest.raises(Rejected) as caught:
        run(ctype, body, 3, limits)
    return caught.value


def test_per_file_limit_stops_as_soon_as_it_is_crossed() -> None:
    limits = MultipartLimits(max_file_size=1000, max_total_size=1 << 20)
    ctype, body = g.one_file("big.bin", None, b"a" * 50_000)
    stream = MultipartStream(ctype, limits)
    fed = 0
    with pytest.raises(Rejected) as caught:
        for i in range(0, len(body), 100):
            stream.feed(body[i : i + 100])
            fed += 100
    assert caught.value.kind is RejectKind.FILE_TOO_LARGE
    assert caught.value.filename == "big.bin"
    assert fed < 1400  # stopped right after the limit, not at the end of the body


def test_file_exactly_at_the_limit_passes() -> None:
    limits = MultipartLimits(max_file_size=1000, max_total_size=1 << 20)
    ctype, body = g.one_file("exact.bin", None, b"a" * 1000)
    _, events = run(ctype, body, 5, limits)
    assert files_of(events)[0][2] == 1000


def test_total_limit_counts_every_byte() -> None:
    limits = MultipartLimits(max_file_size=1 << 20, max_total_size=5000)
    ctype, body = g.multipart([("f", f"{i}.txt", None, b"x" * 1000) for i in range(6)])
    assert reject(ctype, body, limits).kind is RejectKind.TOTAL_TOO_LARGE


def test_fields_are_capped() -> None:
    limits = MultipartLimits(max_file_size=1 << 20, max_total_size=1 << 20, max_field_bytes=100)
    ctype, body = g.multipart([("a", None, None, b"x" * 60), ("b", None, None, b"y" * 60)])
    assert reject(ctype, body, limits).kind is RejectKind.FIELDS_TOO_LARGE


def test_part_count_is_capped() -> None:
    limits = MultipartLimits(max_file_size=1 << 20, max_total_size=1 << 20, max_parts=3)
    ctype, body = g.multipart([(f"f{i}", None, None, b"v") for i in range(4)])
    assert reject(ctype, body, limits).kind is RejectKind.TOO_MANY_PARTS


@pytest.mark.parametrize(
    "ctype",
    [
        "application/json",
        "multipart/form-data",
        "multipart/mixed; boundary=abc",
        "multipart/form-data; boundary=" + "b" * 71,
    ],
)
def test_content_types_without_a_usable_boundary_are_malformed(ctype: str) -> None:
    with pytest.raises(Rejected) as caught:
        MultipartStream(ctype, LIMITS)
    assert caught.value.kind is RejectKind.MALFORMED


def test_truncated_body_is_malformed() -> None:
    ctype, body = g.one_file("a.png", "image/png", g.png())
    assert reject(ctype, body[:-20]).kind is RejectKind.MALFORMED


def test_garbage_body_is_malformed() -> None:
    ctype, _ = g.one_file("a.png", "image/png", g.png())
    assert reject(ctype, b"this is not multipart at all\r\n" * 3).kind is RejectKind.MALFORMED


def test_transfer_encoded_parts_are_refused() -> None:
    ctype, body = g.one_file("a.png", "image/png", b"iVBORw0KGgo=")
    body = body.replace(b"Content-Type: image/png\r\n", b"Content-Transfer-Encoding: base64\r\n")
    rejection = reject(ctype, body)
    assert rejection.kind is RejectKind.MALFORMED
    assert "base64" in rejection.detail


def test_part_without_disposition_is_malformed() -> None:
    ctype, body = g.one_file("a.png", "image/png", g.png())
    body = body.replace(b"Content-Disposition: form-data", b"X-Other: form-data")
    assert reject(ctype, body).kind is RejectKind.MALFORMED


def test_bad_limits_fail_at_construction() -> None:
    with pytest.raises(ValueError):
        MultipartLimits(max_file_size=0, max_total_size=1)
