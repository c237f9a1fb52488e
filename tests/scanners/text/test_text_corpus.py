"""The corpus targets, enforced: detection >= 95% and false positives <= 2% for every check."""

from __future__ import annotations

import pytest

from tests.corpus.report import (
    CHECK_NAMES,
    DETECTION_TARGET,
    FALSE_POSITIVE_LIMIT,
    load,
    measure,
)


def test_corpus_is_large_enough() -> None:
    rows = [row for check in CHECK_NAMES for row in load(check)]
    malicious = [r for r in rows if r["label"] == "malicious"]
    benign = [r for r in rows if r["label"] == "benign"]
    assert len(malicious) >= 300
    assert len(benign) >= 300
    assert len({r["text"] for r in rows}) == len(rows), "corpus rows must be distinct"


@pytest.mark.parametrize("check", CHECK_NAMES)
def test_check_meets_detection_and_false_positive_targets(check: str) -> None:
    report = measure(check)
    assert report.malicious >= 50 and report.benign >= 50
    assert report.detection_rate >= DETECTION_TARGET, report.missed
    assert report.false_positive_rate <= FALSE_POSITIVE_LIMIT, report.flagged_benign
