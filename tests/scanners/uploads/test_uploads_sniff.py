"""Type rules against real libmagic and real files: allowlist, declared type, extension."""

from __future__ import annotations

import threading

import pytest

from scanners.uploads.sniff import DOCX, XLSX, Sniffer, TypePolicy, agree, canonical
from scanners.uploads.verdict import Rejected, RejectKind
from tests.data.uploads import generate as g


@pytest.fixture(scope="module")
def sniffer() -> Sniffer:
    return Sniffer()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (g.png(), "image/png"),
        (g.pdf(), "application/pdf"),
        (g.docx(), DOCX),
        (g.xlsx(), XLSX),
        (b"just some words\nand a second line\n", "text/plain"),
        (b"<html><body><script>alert(1)</script></body></html>", "text/html"),
        (b"", "application/x-empty"),
    ],
)
def test_libmagic_sees_the_real_type(sniffer: Sniffer, data: bytes, expected: str) -> None:
    assert sniffer.sniff(data[:8192]) == expected


def test_sniffer_is_safe_from_many_threads(sniffer: Sniffer) -> None:
    samples = [(g.png(), "image/png"), (g.pdf(), "application/pdf"), (b"text\n" * 50, "text/plain")]
    wrong: list[str] = []

    def work() -> None:
        for _ in range(50):
            for data, expected in samples:
                got = sniffer.sniff(data)
                if got != expected:
                    wrong.append(got)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_canonical_folds_case_parameters_and_aliases() -> None:
    assert canonical("Image/JPG; q=1") == "image/jpeg"
    assert canonical("audio/x-wav") == "audio/wav"
    assert canonical("application/pdf") == "application/pdf"


def test_plain_text_types_agree_but_active_text_does_not() -> None:
    assert agree("text/plain", "text/csv")
    assert agree("application/json", "text/plain")
    assert not agree("text/html", "text/plain")
    assert not agree("text/plain", "image/svg+xml")
    assert not agree("image/png", "image/jpeg")


POLICY = TypePolicy(["image/*", "application/pdf", "text/plain", "text/csv", DOCX])


@pytest.mark.parametrize(
    ("sniffed", "declared", "filename"),
    [
        ("image/png", "image/png", "cat.png"),
        ("image/png", "application/octet-stream", "cat.png"),  # generic declared: ext + sniff
        ("image/png", None, "cat"),  # no extension, no declared type: sniff alone
        ("image/jpeg", "image/jpg", "photo.JPG"),  # alias and upper-case extension
        ("text/plain", "text/csv", "data.csv"),  # libmagic cannot tell CSV from text
        ("image/png", "image/png", "scan.unknownext"),  # unknown extension adds nothing
        (DOCX, DOCX, "report.docx"),
    ],
)
def test_policy_allows_agreeing_files(sniffed: str, declared: str | None, filename: str) -> None:
    POLICY.check(sniffed, declared, filename)


@pytest.mark.parametrize(
    ("sniffed", "declared", "filename", "kind"),
    [
        ("text/plain", "image/png", "cat.png", RejectKind.TYPE_MISMATCH),  # text renamed .png
        ("text/plain", None, "cat.png", RejectKind.TYPE_MISMATCH),  # extension alone catches it
        ("text/plain", "application/octet-stream", "x.png", RejectKind.TYPE_MISMATCH),
        ("image/png", "application/pdf", "cat.png", RejectKind.TYPE_MISMATCH),
        ("image/png", "image/png", "cat.pdf", RejectKind.TYPE_MISMATCH),
        ("text/html", "text/plain", "notes.txt", RejectKind.TYPE_NOT_ALLOWED),
        ("application/zip", DOCX, "report.docx", RejectKind.TYPE_NOT_ALLOWED),
        ("application/x-empty", None, "empty.txt", RejectKind.TYPE_NOT_ALLOWED),
        ("application/x-dosexec", "image/png", "cat.png", RejectKind.TYPE_NOT_ALLOWED),
    ],
)
def test_policy_rejects(
    sniffed: str, declared: str | None, filename: str, kind: RejectKind
) -> None:
    with pytest.raises(Rejected) as caught:
        POLICY.check(sniffed, declared, filename)
    assert caught.value.kind is kind
    assert caught.value.filename == filename
    assert sniffed in caught.value.detail


def test_allowlist_patterns() -> None:
    policy = TypePolicy(["image/*", "Application/PDF", "application/x-pdf"])
    assert policy.allowed("image/webp")
    assert policy.allowed("application/pdf")
    assert not policy.allowed("imagex/png")
    assert not policy.allowed("text/plain")


@pytest.mark.parametrize("bad", [[], ["png"], ["*/*"], ["image/p*g"], ["/png"], ["image/"]])
def test_bad_allowlists_fail_at_construction(bad: list[str]) -> None:
    with pytest.raises(ValueError):
        TypePolicy(bad)
