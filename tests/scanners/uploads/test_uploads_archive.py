"""Zip checks from the central directory: bombs, nesting, entry counts, OOXML recognition."""

from __future__ import annotations

import io

import pytest

from scanners.uploads.archive import ArchiveLimits, ArchiveReport, inspect_zip, is_zip
from scanners.uploads.sniff import DOCX, XLSX
from scanners.uploads.verdict import Rejected, RejectKind
from tests.data.uploads import generate as g


def inspect(data: bytes, limits: ArchiveLimits | None = None) -> ArchiveReport:
    return inspect_zip(io.BytesIO(data), len(data), limits or ArchiveLimits(), "upload.zip")


def rejected(data: bytes, limits: ArchiveLimits | None = None) -> str:
    with pytest.raises(Rejected) as caught:
        inspect(data, limits)
    assert caught.value.kind is RejectKind.ARCHIVE
    assert caught.value.filename == "upload.zip"
    return caught.value.detail


def test_zip_bomb_is_refused_by_ratio_without_inflating_it() -> None:
    bomb = g.zip_bomb()
    assert len(bomb) < 200_000  # 64 MiB declared inside
    assert "max_ratio" in rejected(bomb)


def test_zip_bomb_is_refused_by_total_size_when_ratio_is_permissive() -> None:
    limits = ArchiveLimits(max_ratio=1e9, max_uncompressed=32 << 20)
    assert "max_uncompressed" in rejected(g.zip_bomb(), limits)


def test_small_highly_compressible_archives_are_not_bombs() -> None:
    # 500 KB of repeated text compresses ~1000:1 but inflates under the 1 MiB floor.
    report = inspect(g.zip_of([("log.txt", b"same line\n" * 50_000)]))
    assert report.uncompressed == 500_000


def test_overlapping_entries_are_refused() -> None:
    assert "overlapping" in rejected(g.overlapping_zip(), ArchiveLimits(max_ratio=1e9))


def test_overlapping_bomb_also_fails_the_ratio_check() -> None:
    assert "max_ratio" in rejected(g.overlapping_zip())


def test_entry_count_is_checked_before_parsing() -> None:
    many = g.zip_of([(f"f{i}.txt", b"x") for i in range(30)])
    assert "max_entries" in rejected(many, ArchiveLimits(max_entries=29))
    assert inspect(many, ArchiveLimits(max_entries=30)).entries == 30


@pytest.mark.parametrize("depth", [1, 2])
def test_nesting_within_max_depth_passes(depth: int) -> None:
    report = inspect(g.nested_zip(depth))
    assert report.depth == depth


def test_stored_nesting_beyond_max_depth_is_refused() -> None:
    assert "max_depth" in rejected(g.nested_zip(3))


def test_stored_nesting_counts_inner_entries() -> None:
    report = inspect(g.nested_zip(4), ArchiveLimits(max_depth=5))
    assert report.depth == 4
    assert report.entries == 4


def test_compressed_nested_archive_counts_one_level() -> None:
    # Its contents are invisible without inflating; the level itself still counts.
    assert "max_depth" in rejected(g.nested_zip(2, stored=False), ArchiveLimits(max_depth=1))


def test_stored_zip_without_archive_name_is_still_seen_as_nested() -> None:
    inner = g.zip_of([("a.txt", b"a")], stored=True)
    outer = g.zip_of([("innocent.dat", inner)], stored=True)
    assert "max_depth" in rejected(outer, ArchiveLimits(max_depth=1))


@pytest.mark.parametrize(
    "junk",
    [b"PK\x03\x04" + b"\x00" * 100, b"PK\x03\x04garbage", g.docx()[:-40]],
)
def test_unreadable_zips_are_refused(junk: bytes) -> None:
    rejected(junk)


def test_ooxml_packages_are_recognised_from_part_names() -> None:
    assert inspect(g.docx(types_first=False)).ooxml_type == DOCX
    assert inspect(g.xlsx()).ooxml_type == XLSX
    assert inspect(g.zip_of([("word/x.xml", b"")])).ooxml_type is None


def test_without_limits_only_the_report_is_produced() -> None:
    report = inspect_zip(io.BytesIO(g.zip_bomb()), len(g.zip_bomb()), None)
    assert report.uncompressed == 64 << 20


def test_is_zip() -> None:
    assert is_zip(g.docx())
    assert is_zip(b"PK\x05\x06" + bytes(18))
    assert not is_zip(g.png())


@pytest.mark.parametrize(
    "kwargs", [{"max_depth": 0}, {"max_ratio": 1}, {"max_entries": 0}, {"max_uncompressed": 0}]
)
def test_bad_limits_fail_at_construction(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ArchiveLimits(**kwargs)  # type: ignore[arg-type]
