"""Detection and false-positive rates of each text check on the committed corpus.

Run `python tests/corpus/report.py` (add `--misses` to list what each check got wrong). The
unit test `tests/scanners/text/test_text_corpus.py` runs the same `measure()` and asserts the
targets, so the numbers in docs/input-scanning.md are the numbers CI enforces.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scanners.text import TextScanner

CORPUS_DIR = Path(__file__).parent
CHECK_NAMES = ("xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii")
DETECTION_TARGET = 0.95
FALSE_POSITIVE_LIMIT = 0.02


@dataclass
class CheckReport:
    """One check's counts on its own corpus file."""

    check: str
    malicious: int = 0
    detected: int = 0
    benign: int = 0
    false_positives: int = 0
    missed: list[str] = field(default_factory=list)
    flagged_benign: list[str] = field(default_factory=list)

    @property
    def detection_rate(self) -> float:
        return self.detected / self.malicious if self.malicious else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.benign if self.benign else 0.0

    @property
    def meets_targets(self) -> bool:
        return (
            self.detection_rate >= DETECTION_TARGET
            and self.false_positive_rate <= FALSE_POSITIVE_LIMIT
        )


def load(check: str) -> list[dict[str, str]]:
    """The rows of one check's corpus file."""
    path = CORPUS_DIR / f"{check}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def measure(check: str) -> CheckReport:
    """Scan every row of `check`'s corpus with that check alone and count the outcomes."""
    scanner = TextScanner([check])
    report = CheckReport(check)
    for row in load(check):
        hit = bool(scanner.scan_text(row["text"]))
        if row["label"] == "malicious":
            report.malicious += 1
            report.detected += hit
            if not hit:
                report.missed.append(row["text"])
        else:
            report.benign += 1
            report.false_positives += hit
            if hit:
                report.flagged_benign.append(row["text"])
    return report


def table(reports: list[CheckReport]) -> str:
    """A Markdown table of the reports, plus a totals row."""
    lines = [
        "| check | malicious | detected | detection % | benign | false positives | FP % |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.check} | {r.malicious} | {r.detected} | {100 * r.detection_rate:.1f} | "
            f"{r.benign} | {r.false_positives} | {100 * r.false_positive_rate:.1f} |"
        )
    mal = sum(r.malicious for r in reports)
    det = sum(r.detected for r in reports)
    ben = sum(r.benign for r in reports)
    fps = sum(r.false_positives for r in reports)
    lines.append(
        f"| **total** | {mal} | {det} | {100 * det / mal:.1f} | {ben} | {fps} | "
        f"{100 * fps / ben:.1f} |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    reports = [measure(c) for c in CHECK_NAMES]
    print(table(reports))
    if "--misses" in argv:
        for r in reports:
            for text in r.missed:
                print(f"MISSED  {r.check}: {text!r}")
            for text in r.flagged_benign:
                print(f"FALSE+  {r.check}: {text!r}")
    failing = [r.check for r in reports if not r.meets_targets]
    if failing:
        print(f"\nbelow target (detection >= 95%, FP <= 2%): {', '.join(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
