"""The shared vocabulary of every text detector: findings, rules and span redaction.

Detectors report *where* a rule hit, never *what* it matched, so a finding can travel into logs
and security events without carrying the secret or personal datum it points at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scanners.text.gate_plan import GatePlan
from scanners.text.gates import Group, TextView, compile_need

Memo = dict[str, object]
"""Per-scan scratch space for validators (e.g. an index built once per text, not per match)."""

Validator = Callable[[str, "re.Match[str]", Memo], bool]


def unless_match_holds(validate: Validator, pattern: re.Pattern[str]) -> Validator:
    """`validate`, and the match itself does not hold `pattern` (the asker's own address in
    an order to send: "私のメールアドレスに送って", "내 이메일로 보내 줘")."""

    def check(text: str, m: re.Match[str], memo: Memo) -> bool:
        return validate(text, m, memo) and pattern.search(m.group()) is None

    return check


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

    def scan(self, text: str, view: TextView | None = None) -> list[Finding]: ...

    def redact(self, text: str, findings: Iterable[Finding]) -> str: ...


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled pattern plus the cheap, sound prefilter that must pass before it runs.

    `need` (see `gates`) keeps the common case fast: an ordinary 4 KB message fails the
    prefilter of nearly every rule and never reaches the regex engine. A rule without a
    prefilter always runs. `validate` rejects structurally valid matches that fail a semantic
    test (Luhn, mod-97, placeholder keys) without re-running the regex.
    """

    name: str
    pattern: re.Pattern[str]
    need: tuple[Group, ...] = ()
    validate: Validator | None = field(default=None)
    pre: re.Pattern[str] | None = None


def rule(
    name: str,
    pattern: str,
    gates: Sequence[str] = (),
    validate: Validator | None = None,
    need: Sequence[Sequence[str]] = (),
    pre: str | None = None,
) -> Rule:
    """Compile one rule; patterns are written for casefolded, whitespace-collapsed text.

    `need` lists groups of atoms (whole words, or substrings when they hold a non-word
    character or start with `*`; `pre*` a word start, `pre*N` that of a word of N or more
    characters, `~24` any word of 24 or more); every group must have an atom in the text.
    `gates` is the older spelling of one more group of substrings, any of which must be
    present. `pre` is a regex that must find something in every match of `pattern` and that
    starts with a literal or a character class, so `re` skips to candidates at C speed; use
    it when the rule itself starts with something `re` cannot skip to (a lookbehind, a wide
    alternation).
    """
    groups = [*need, *([["*" + g for g in gates]] if gates else [])]
    prefilter = re.compile(pre) if pre is not None else None
    return Rule(name, re.compile(pattern), compile_need(groups), validate, prefilter)


def redact_spans(text: str, findings: Iterable[Finding]) -> str:
    """Replace every finding's span with `[REDACTED:<check>]`, merging overlapping spans."""
    return replace_spans(text, ((f.start, f.end, f.check) for f in findings))


def replace_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace each `(start, end, check)` span of `text` with `[REDACTED:<check>]`; spans that
    overlap merge into one marker naming the first check."""
    ordered = sorted(spans)
    if not ordered:
        return text
    out: list[str] = []
    cursor = 0
    cur_start, cur_end, cur_check = ordered[0]
    for start, end, check in ordered[1:]:
        if start < cur_end:
            cur_end = max(cur_end, end)
            continue
        out += [text[cursor:cur_start], f"[REDACTED:{cur_check}]"]
        cursor = cur_end
        cur_start, cur_end, cur_check = start, end, check
    out += [text[cursor:cur_start], f"[REDACTED:{cur_check}]", text[cur_end:]]
    return "".join(out)


def _may_match(r: Rule, view: TextView) -> bool:
    if r.need and not view.satisfies(r.need):
        return False
    return r.pre is None or r.pre.search(view.text) is not None


class RuleDetector:
    """A detector made of gated rules; subclasses only declare `name` and `build_rules()`."""

    name: str = ""

    def __init__(self) -> None:
        self._rules: tuple[Rule, ...] = tuple(self.build_rules())
        # Every rule's need groups in one plan: a text's present atoms decide all of them
        # at once (see `GatePlan`), rather than a gate call per rule.
        self._plan = GatePlan([r.need for r in self._rules])

    def build_rules(self) -> Iterable[Rule]:
        """Return the detector's compiled rules; called once, at construction."""
        raise NotImplementedError

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The compiled rules, for tests and the adversarial benchmark."""
        return self._rules

    def scan(self, text: str, view: TextView | None = None) -> list[Finding]:
        """Run every rule whose prefilter passes; positions refer to `text` as given.

        `view` lets the scanner share one tokenisation of `text` across all detectors.
        """
        if view is None or view.text is not text:
            view = TextView(text)
        return self.scan_decided(text, view, self._passing(view))

    def scan_decided(self, text: str, view: TextView, passing: Sequence[int]) -> list[Finding]:
        """`scan` when the rules whose gates pass on `view` are known: `passing`, their indexes
        in declaration order, as a `JointPlan` decided them (the scanner's path). Rules whose
        `pre` finds nothing are skipped."""
        rules = self._rules
        run = []
        for i in passing:  # a plain loop: a comprehension is one more call per text
            r = rules[i]
            if r.pre is None or r.pre.search(text):
                run.append(r)
        return self._run(text, run) if run else []

    @property
    def plan(self) -> GatePlan:
        """Every rule's need groups in one plan (a scanner joins its detectors' plans)."""
        return self._plan

    def _passing(self, view: TextView) -> Sequence[int]:
        """Indexes of the rules whose need groups pass, in declaration order: as a
        `JointPlan` decided them for `view`, else by this detector's own plan."""
        decided = view.decided
        if decided is None or self._plan not in view.decided_for:
            return self._plan.passing(view)
        return decided.get(self._plan, ())

    def _candidates(self, view: TextView) -> list[Rule]:
        """The rules whose need groups pass, in declaration order (their `pre` is not run)."""
        rules = self._rules
        return [rules[i] for i in self._passing(view)]

    def scan_ungated(self, text: str) -> list[Finding]:
        """Run every rule regardless of prefilters: the reference the gates must agree with."""
        return self._run(text, self._rules)

    def _run(self, text: str, rules: Iterable[Rule]) -> list[Finding]:
        found: list[Finding] = []
        memo: Memo = {}
        for r in rules:
            for m in r.pattern.finditer(text):
                if r.validate is None or r.validate(text, m, memo):
                    found.append(Finding(self.name, r.name, m.start(), m.end()))
        return found

    def redact(self, text: str, findings: Iterable[Finding]) -> str:
        """Replace this detector's finding spans with a marker naming the check."""
        return redact_spans(text, findings)
