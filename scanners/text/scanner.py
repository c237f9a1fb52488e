"""`TextScanner`: the one object the input_scan plugin builds at load and calls per request.

It owns the selected detectors (compiled once), normalises each text once, runs every check
over the normalised form and stops at a total size cap so a huge body cannot buy unbounded CPU.
Everything here is synchronous and pure; the plugin decides whether a large scan goes to a
thread.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

from scanners.text.aligned import align
from scanners.text.atoms import ATOMS
from scanners.text.custom import CustomRules
from scanners.text.discussion import CONTEXT_FILTERS
from scanners.text.encoded import encoded_findings
from scanners.text.extract import TextAt, extract_texts
from scanners.text.finding import Detector, Finding, RuleDetector, replace_spans
from scanners.text.gate_plan import JointPlan
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.path_traversal import PathTraversalDetector
from scanners.text.pii import PiiDetector
from scanners.text.prompt_injection import PromptInjectionDetector, holds_in_operator_text
from scanners.text.secrets import SecretsDetector
from scanners.text.sql_injection import SqlInjectionDetector
from scanners.text.xss import XssDetector, sanitize

__all__ = [
    "CHECKS",
    "ScanResult",
    "ScannedText",
    "TextAt",
    "TextScanner",
    "extract_texts",
    "operator_view",
]

CHECKS: Mapping[str, type[Detector]] = {
    "xss": XssDetector,
    "sql_injection": SqlInjectionDetector,
    "path_traversal": PathTraversalDetector,
    "prompt_injection": PromptInjectionDetector,
    "secrets": SecretsDetector,
    "pii": PiiDetector,
}
"""Built-in check name -> detector class; the names are the policy-file `checks` values."""

OPERATOR_JUDGES: Mapping[str, Callable[[Finding], bool]] = {
    "prompt_injection": holds_in_operator_text,
}
"""Check name -> whether one of its findings still counts in text the operator wrote (a
`system`/`developer` message). Checks not named here judge every author alike: a secret or a
card number in a system prompt is one all the same."""

DEFAULT_MAX_SCAN_BYTES = 256 * 1024
DECODE_FOR = frozenset({"prompt_injection"})
"""Checks that also judge what encoded runs decode to (instructions hidden in base64)."""


@dataclass(slots=True)
class ScannedText:
    """One input text after scanning: its position in the input, both forms and its findings.

    Read-only by convention, not frozen: a frozen dataclass is built by one
    `object.__setattr__` call per field, ~7,000 instructions for this one and ~12,000 for a
    `ScanResult`, together a tenth of scanning the benchmark's two-sentence chat body; a plain
    one assigns its slots (~2,000).
    """

    index: int
    original: str
    normalized: str
    findings: tuple[Finding, ...]

    def sanitized(self) -> str:
        """The original text with all markup stripped by bleach (the `xss` redact action)."""
        return sanitize(self.original)


@dataclass(slots=True)
class ScanResult:
    """All scanned texts, in input order, and whether the size cap cut the scan short."""

    texts: tuple[ScannedText, ...]
    truncated: bool = False
    scanned_bytes: int = 0

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every text's findings, in input order."""
        return tuple(chain.from_iterable(map(_FINDINGS, self.texts)))

    @property
    def checks_hit(self) -> frozenset[str]:
        """The names of checks with at least one finding."""
        return frozenset(f.check for f in self.findings)


_FINDINGS = attrgetter("findings")
Step = tuple[Detector, RuleDetector | None, object, bool, Callable[..., list[Finding]] | None]
"""(detector, itself as a rule detector or None, its plan, whether it reads encoded runs,
its context filter)."""


class TextScanner:
    """Runs the selected checks over texts; build once per config load, call per request."""

    def __init__(
        self,
        checks: Sequence[str],
        custom: Sequence[CustomRules] = (),
        max_scan_bytes: int = DEFAULT_MAX_SCAN_BYTES,
    ) -> None:
        unknown = [c for c in checks if c not in CHECKS]
        if unknown:
            raise ValueError(f"unknown checks {unknown}; known: {sorted(CHECKS)}")
        if max_scan_bytes <= 0:
            raise ValueError("max_scan_bytes must be positive")
        names = [*checks, *(c.name for c in custom)]
        if len(set(names)) != len(names):
            raise ValueError(f"check names must be unique, got {names}")
        self.max_scan_bytes = max_scan_bytes
        self._detectors: tuple[Detector, ...] = (
            *(CHECKS[c]() for c in dict.fromkeys(checks)),
            *custom,
        )
        # Every rule detector's gates decided in one plan per text (see `JointPlan`).
        self._joint = JointPlan(d.plan for d in self._detectors if isinstance(d, RuleDetector))
        ATOMS.ready()  # compile at load: the first request does not build the automaton
        # Per detector, looked up once here rather than per text: as a rule detector, its
        # plan (the joint plan decides which of its rules may match) and whether it is
        # nothing but those rules (then, when none passes, it is not called at all); whether
        # it also reads encoded runs, and its context filter.
        self._steps = tuple(
            (d, rules, rules.plan if rules is not None else None, _rules_only(rules),
             d.name in DECODE_FOR, CONTEXT_FILTERS.get(d.name))
            for d in self._detectors
            for rules in (d if isinstance(d, RuleDetector) else None,)
        )  # fmt: skip
        # The steps a text needs, by the plans with a passing rule (`JointPlan.decide`'s
        # keys, in order): at most one entry per subset of the plans, so a text pays one
        # dict lookup instead of a test per detector.
        self._chosen: dict[tuple[object, ...], tuple[Step, ...]] = {}
        self._idle = self._choose(())

    def _choose(self, plans: tuple[object, ...]) -> tuple[Step, ...]:
        """The detectors to run on a text whose passing rules are in `plans`: every one
        that is more than its gated rules, reads encoded runs, or has a rule passing."""
        chosen = tuple(
            (d, rules, plan, decode, context)
            for d, rules, plan, only, decode, context in self._steps
            if rules is None or not only or decode or plan in plans
        )
        self._chosen[plans] = chosen
        return chosen

    @property
    def check_names(self) -> tuple[str, ...]:
        """Names of the active checks, built-in then custom."""
        return tuple(d.name for d in self._detectors)

    def scan_text(self, text: str) -> list[Finding]:
        """Normalise and scan one text with no size cap (callers bound it themselves)."""
        return list(self._findings(text)[1])

    def redact(self, scanned: ScannedText, checks: Collection[str]) -> str:
        """The original text with only the spans of `checks` replaced by `[REDACTED:<check>]`.

        Case, whitespace, newlines and indentation are kept: spans are mapped from the
        normalised form back to the original characters that produced them (`aligned`), an
        encoded match included. If mapping finds nothing to replace although the scan did,
        the whole text is replaced rather than risk passing the datum on.
        """
        if not any(f.check in checks for f in scanned.findings):
            return scanned.original
        spans = self.original_spans(scanned, checks)
        if not spans:
            return f"[REDACTED:{min(checks)}]"
        return replace_spans(scanned.original, spans)

    def original_spans(
        self, scanned: ScannedText, checks: Collection[str]
    ) -> list[tuple[int, int, str]]:
        """`(start, end, check)` of each finding of `checks`, in the original text.

        Should the aligned form ever differ from the scanned one, it is rescanned so the
        spans fit it.
        """
        findings: Sequence[Finding] = [f for f in scanned.findings if f.check in checks]
        if not findings:
            return []
        aligned = align(scanned.original)
        if aligned.text != scanned.normalized:
            view = TextView(aligned.text)
            findings = [f for d in self._detectors if d.name in checks
                        for f in d.scan(aligned.text, view)]  # fmt: skip
        return [
            (*aligned.original_span(f.start, f.end), f.check) for f in findings if f.end > f.start
        ]

    def scan(self, texts: Iterable[str]) -> ScanResult:
        """Normalise each text once and run every check on it, within `max_scan_bytes` total.

        When the cap is reached, the text that crosses it is scanned up to the cap, the rest
        are not scanned, and the result says `truncated=True`; the plugin decides whether an
        unscanned remainder is acceptable.
        """
        items = texts if isinstance(texts, list) else list(texts)
        budget = self.max_scan_bytes
        out: list[ScannedText] = []
        truncated = False
        findings = self._findings
        for index, text in enumerate(items):
            if budget <= 0:
                truncated = truncated or any(items[index:])
                break
            size = len(text) if text.isascii() else _utf8_len(text)
            if size > budget:
                text = _cut(text, budget)
                size = budget
                truncated = True
            budget -= size
            out.append(ScannedText(index, text, *findings(text)))
        return ScanResult(tuple(out), truncated, self.max_scan_bytes - budget)

    def _findings(self, text: str) -> tuple[str, tuple[Finding, ...]]:
        """Normalise once, run every check, then weigh xss and sql_injection findings against
        their context (`discussion`): a question quoting markup is not an attack. A check in
        `DECODE_FOR` that found nothing also reads base64/hex/ROT13 runs decoded (`encoded`)."""
        normalized = normalize(text)
        view = TextView(normalized)  # one pass over the text shared by every check's gates
        possible = self._joint.decide(view)
        if possible:
            plans = tuple(possible)
            steps = self._chosen.get(plans) or self._choose(plans)
        else:  # no rule passes (most texts): the steps that run anyway, chosen at load
            steps = self._idle
        found: list[Finding] = []
        for d, rules, plan, decode, context in steps:
            if rules is None:
                hits = d.scan(normalized, view)
            else:
                hits = rules.scan_decided(normalized, view, possible.get(plan, ()))
            if not hits:
                if not decode:
                    continue
                hits = encoded_findings(d, text, normalized, view)
                if not hits:
                    continue
            found += context(text, normalized, hits) if context is not None else hits
        return normalized, tuple(found)

    def scan_payload(self, payload: Mapping[str, object]) -> tuple[list[TextAt], ScanResult]:
        """Extract the user texts of a request body and scan them; paths align with texts."""
        located = extract_texts(payload)
        return located, self.scan(text for _, text in located)


def operator_view(scanned: ScannedText) -> ScannedText:
    """`scanned` as judged when the operator wrote it: only the findings `OPERATOR_JUDGES`
    keeps. The scan itself does not depend on who wrote a text (so a remembered scan stays
    valid); only what its findings mean does."""
    kept = tuple(f for f in scanned.findings
                 if (judge := OPERATOR_JUDGES.get(f.check)) is None or judge(f))  # fmt: skip
    if len(kept) == len(scanned.findings):
        return scanned
    return ScannedText(scanned.index, scanned.original, scanned.normalized, kept)


def _rules_only(detector: RuleDetector | None) -> bool:
    """Whether a rule detector is its gated rules and nothing else (its `scan_decided` is
    `RuleDetector`'s): then it finds nothing in a text where its plan passes no rule."""
    return detector is not None and type(detector).scan_decided is RuleDetector.scan_decided


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, limit: int) -> str:
    if text.isascii():
        return text[:limit]
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")
