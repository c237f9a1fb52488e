# ruff: noqa: RUF001
"""Redaction keeps the text: the aligned normaliser agrees with `normalize`, and its map sends
every finding back to exactly the original characters that produced it."""

from __future__ import annotations

import json

import pytest

from scanners.text import TextScanner, normalize
from scanners.text.aligned import align
from tests.corpus.report import CHECK_NAMES, CORPUS_DIR

SCANNER = TextScanner(["pii", "secrets"])
REPRO = "Reply to Jane.Doe@acme-corp.io:\n\n    Thanks, we ship on Friday.\n    -- Bob"


def corpus_texts() -> list[str]:
    rows = []
    for check in CHECK_NAMES:
        with (CORPUS_DIR / f"{check}.jsonl").open(encoding="utf-8") as f:
            rows += [json.loads(line)["text"] for line in f if line.strip()]
    return rows


def test_aligned_text_is_the_normalised_text_on_the_whole_corpus() -> None:
    texts = corpus_texts()
    assert len(texts) > 800
    mismatched = [t for t in texts if align(t).text != normalize(t)]
    assert mismatched == []


def test_the_map_covers_every_character_and_never_runs_backwards() -> None:
    for text in corpus_texts()[:300]:
        doc = align(text)
        assert len(doc.starts) == len(doc.ends) == len(doc.text)
        assert all(0 <= s < e <= len(text) for s, e in zip(doc.starts, doc.ends, strict=True))
        assert doc.starts == sorted(doc.starts)


def redact(text: str) -> str:
    return SCANNER.redact(SCANNER.scan([text]).texts[0], {"pii", "secrets"})


def test_the_issue_reproduction_keeps_case_newlines_and_indentation() -> None:
    assert redact(REPRO) == (
        "Reply to [REDACTED:pii]:\n\n    Thanks, we ship on Friday.\n    -- Bob"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mail JANE%40acme-corp.io\n  NOW", "Mail [REDACTED:pii]\n  NOW"),  # URL-encoded @
        ("tab\tjane&#64;acme-corp.io\tX", "tab\t[REDACTED:pii]\tX"),  # HTML entity
        ("Ｍａｉｌ ｊａｎｅ＠ａｃｍｅ-ｃｏｒｐ.ｉｏ\n Straße", "Ｍａｉｌ [REDACTED:pii]\n Straße"),
        ("Hi\u200b there jane.doe@acme-corp.io\n\tBye", "Hi\u200b there [REDACTED:pii]\n\tBye"),
        (
            "Straße STRASSE\n  call +44 20 7946 0958 now",
            "Straße STRASSE\n  call [REDACTED:pii] now",
        ),
        ("two: a.b@acme-corp.io,\n  C.D@acme-corp.io", "two: [REDACTED:pii],\n  [REDACTED:pii]"),
    ],
)
def test_only_the_matched_span_changes_even_when_found_in_a_decoded_form(
    raw: str, expected: str
) -> None:
    assert redact(raw) == expected


def test_a_text_without_findings_of_the_checks_is_returned_unchanged() -> None:
    scanned = SCANNER.scan(["  Keep\n\tME  "]).texts[0]
    assert SCANNER.redact(scanned, {"pii"}) == "  Keep\n\tME  "
