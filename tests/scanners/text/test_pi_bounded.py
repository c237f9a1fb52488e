"""The classifier's verdict on a long ASCII text read off the one pass (`TextView.held`, the
model's words as `long_only` keys, and bounds on the number of distinct words) is the verdict
of the word set it replaced, for any text: ASCII or not, with underscores, very long words."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.payloads import CHAT_REQUEST_4K
from scanners.text.extract import extract_texts
from scanners.text.finding import Finding
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.pi_model import LinearModel, load_model
from scanners.text.prompt_injection import PromptInjectionDetector

POOL = [f"w{i}" for i in range(40)]
WEIGHTS = {w: (i % 7 - 2) * 0.9 for i, w in enumerate(POOL)}
# bias and bars such that a text of these words lands on every side of both bars
TOY = LinearModel(WEIGHTS, -1.0, 0.5, frozenset(WEIGHTS), 0.9)
SHIPPED = sorted(load_model().weights)[:400]

words = st.one_of(
    st.sampled_from(POOL),
    st.sampled_from(SHIPPED),
    st.from_regex(r"[a-z0-9]{1,30}", fullmatch=True),
    st.sampled_from(["ignore_all", "w1_w2", "naïve", "café", "日本語", "x" * 40]),
)
separators = st.sampled_from([" ", ", ", ". ", "\n", " -- "])


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(words, separators), min_size=10, max_size=120))
    return normalize("".join(w + s for w, s in parts))


def _verdicts(detector: PromptInjectionDetector, text: str) -> tuple[list[Finding], ...]:
    fast = detector._classify(text, TextView(text, True))
    with patch.object(TextView, "held", return_value=None):  # the word set's path
        reference = detector._classify(text, TextView(text, True))
    return fast, reference


DETECTORS = (PromptInjectionDetector(TOY), PromptInjectionDetector())


@settings(max_examples=200, deadline=None)
@given(texts())
def test_the_bounded_verdict_is_the_word_sets(text: str) -> None:
    for detector in DETECTORS:
        fast, reference = _verdicts(detector, text)
        assert fast == reference


def test_both_bars_are_decided_without_the_word_set() -> None:
    """The toy model flags, flags as sure, and passes long texts by bounds alone."""
    detector = DETECTORS[0]
    cases = {
        "": " ".join(w for i, w in enumerate(POOL) if i % 7 < 3) + " w0" * 40,  # all <= 0
        "classifier_operator": " ".join(POOL[4:7] * 30 + POOL[11:14] + POOL[18:21] * 4)
        + " w25 w26 w27 w32 w33 w34 w39",
    }
    for rule, text in cases.items():
        view = TextView(text, True)
        found = detector._classify(text, view)
        assert [f.rule for f in found] == ([rule] if rule else [])
        assert view._tokens is None, rule  # decided without building the word set


def test_the_benchmark_body_needs_no_word_set() -> None:
    text = normalize(next(t for _, t in extract_texts(CHAT_REQUEST_4K) if len(t) > 1000))
    view = TextView(text, True)
    assert PromptInjectionDetector()._classify(text, view) == []
    assert view._tokens is None


def test_the_automata_are_built_with_the_scanner_not_by_the_first_request() -> None:
    # A long ASCII text reads the classifier's words from the larger automaton (0.40 s to
    # build); it must exist once the scanner does, so no request pays for it.
    from scanners.text import atoms
    from scanners.text.scanner import TextScanner

    scanner = TextScanner(["prompt_injection", "pii"])
    text = "Please summarise the quarterly report for the board, in plain words. " * 40
    with patch.object(atoms, "_automaton", side_effect=AssertionError("built per request")):
        scanner.scan_text(text)
        scanner.scan_text("a short one")
