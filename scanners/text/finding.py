"""The shared vocabulary of every text detector: findings, rules and span redaction.

Detectors report *where* a rule hit, never *what* it matched, so a finding can travel into logs
and security events without carrying the secret or personal datum it points at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

Memo = dict[str, object]
"""Per-scan scratch space for validators (e.g. an index built once per text, not per match)."""

Validator = Callable[[str, "re.Match[str]", Memo], bool]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule hit: the check and rule names and the span in the *normalised* text."""

    check: str
    rule: str
    start: int
    end: int


class Detector(Protocol):
    """What the scanner needs from a detector; each check module provides one class."""

    name: str

    def scan(self, text: str) -> list[Finding]: ...

    def redact(self, text: str, findings: Iterable[Finding]) -> str: ...


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled pattern plus the cheap substring gates that must be present for it to match.

    Gates keep the common case fast: `"union" in text` is a C-speed scan, so a 4 KB message
    with none of a rule's gates never reaches the regex engine. A rule without gates always runs.
    `validate` rejects structurally valid matches that fail a semantic test (Luhn, mod-97,
    placeholder keys) without re-running the regex.
    """

    name: str
    pattern: re.Pattern[str]
    gates: tuple[str, ...] = ()
    validate: Validator | None = field(default=None)

    @property
    def non_ascii(self) -> bool:
        """True when every gate has a non-ASCII character, so ASCII text cannot match."""
        return bool(self.gates) and not any(g.isascii() for g in self.gates)


def rule(
    name: str,
    pattern: str,
    gates: Sequence[str] = (),
    validate: Validator | None = None,
) -> Rule:
    """Compile one rule; patterns are written for casefolded, whitespace-collapsed text."""
    return Rule(name, re.compile(pattern), tuple(gates), validate)


def redact_spans(text: str, findings: Iterable[Finding]) -> str:
    """Replace every finding's span with `[REDACTED:<check>]`, merging overlapping spans."""
    spans = sorted((f.start, f.end, f.check) for f in findings)
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    cur_start, cur_end, cur_check = spans[0]
    for start, end, check in spans[1:]:
        if start < cur_end:
            cur_end = max(cur_end, end)
            continue
        out.append(text[cursor:cur_start])
        out.append(f"[REDACTED:{cur_check}]")
        cursor = cur_end
        cur_start, cur_end, cur_check = start, end, check
    out.append(text[cursor:cur_start])
    out.append(f"[REDACTED:{cur_check}]")
    out.append(text[cur_end:])
    return "".join(out)


def _any_gate(text: str, gates: tuple[str, ...], present: dict[str, bool]) -> bool:
    for g in gates:
        hit = present.get(g)
        if hit is None:
            hit = present[g] = g in text
        if hit:
            return True
    return False


class RuleDetector:
    """A detector made of gated rules; subclasses only declare `name` and `build_rules()`."""

    name: str = ""

    def __init__(self) -> None:
        self._rules: tuple[Rule, ...] = tuple(self.build_rules())

    def build_rules(self) -> Iterable[Rule]:
        """Return the detector's compiled rules; called once, at construction."""
        raise NotImplementedError

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The compiled rules, for tests and the adversarial benchmark."""
        return self._rules

    def scan(self, text: str) -> list[Finding]:
        """Run every rule whose gates are present; positions refer to `text` as given."""
        found: list[Finding] = []
        memo: Memo = {}
        present: dict[str, bool] = {}  # each distinct gate is searched once per text
        ascii_text = text.isascii()
        for r in self._rules:
            if r.gates and ((ascii_text and r.non_ascii) or not _any_gate(text, r.gates, present)):
                continue
            for m in r.pattern.finditer(text):
                if r.validate is None or r.validate(text, m, memo):
                    found.append(Finding(self.name, r.name, m.start(), m.end()))
        return found

    def redact(self, text: str, findings: Iterable[Finding]) -> str:
        """Replace this detector's finding spans with a marker naming the check."""
        return redact_spans(text, findings)
