"""The combined gate pass decides exactly what the per-rule gates decide (issue 14's cost work).

`GatePlan.passing` (every rule's need groups at once, from the atoms a text holds),
`JointPlan.decide` (all six checks' plans as one) and
`TextView.has` (every substring atom from one Aho-Corasick pass) are checked against a
reference written out here in plain Python — tokens by `re.findall(r"\\w+")`, substrings by
`in` — on random texts that hypothesis builds from the rules' own atoms, near misses of them
(a prefix one letter short, an atom glued into a longer word) and separators. A plan that
ever dropped a rule its gates pass would let an attack through unscanned.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scanners.text import normalize
from scanners.text.gate_plan import SHORT_TEXT, JointPlan
from scanners.text.gates import Group, TextView, compile_need
from scanners.text.scanner import CHECKS
from scanners.text.substrings import SUBSTRINGS

DETECTORS = {name: cls() for name, cls in CHECKS.items()}
JOINT = JointPlan(d.plan for d in DETECTORS.values())  # type: ignore[attr-defined]
EXAMPLES = settings(max_examples=150, deadline=None, database=None)
FEW = settings(max_examples=60, deadline=None, database=None)

_ATOMS = sorted(
    {
        atom
        for d in DETECTORS.values()
        for r in d.rules  # type: ignore[attr-defined]
        for g in r.need
        for atom in (*g.words, *(p for p, _ in g.prefixes), *(s for _, s in g.subs))
    }
)
_FRAGMENTS = st.one_of(
    st.sampled_from(_ATOMS),
    st.sampled_from(_ATOMS).map(lambda a: a[:-1] or a),  # one character short
    st.sampled_from(_ATOMS).map(lambda a: "x" + a + "s"),  # glued into a longer word
    st.sampled_from(
        [" ", "  ", ".", "-", "_", "/", "\n", "é", "\u0131", "0", "q" * 40, "ac" + "9" * 32]
    ),
    st.text(max_size=6),
)
texts = st.lists(_FRAGMENTS, max_size=25).map(lambda parts: normalize(" ".join(parts)))


def _reference(text: str, groups: tuple[Group, ...]) -> bool:
    tokens = re.findall(r"\w+", text)
    for g in groups:
        if any(w in tokens for w in g.words):
            continue
        if any(t.startswith(p) and len(t) >= n for p, n in g.prefixes for t in tokens):
            continue
        if any(s in text for _, s in g.subs):
            continue
        return False
    return True


@EXAMPLES
@given(texts)
def test_plan_passes_exactly_the_rules_whose_groups_all_hold(text: str) -> None:
    for sample in (text, _long(text)):
        view = TextView(sample)
        for name, detector in DETECTORS.items():
            rules = detector.rules  # type: ignore[attr-defined]
            expected = [i for i, r in enumerate(rules) if _reference(sample, r.need)]
            assert detector.plan.passing(view) == expected, (name, sample)  # type: ignore[attr-defined]


def _long(text: str) -> str:
    """`text` repeated past `SHORT_TEXT`: the plan's other path (guard characters)."""
    return (text + " ") * (1 + SHORT_TEXT // (len(text) + 1))


@EXAMPLES
@given(texts)
def test_joint_plan_decides_what_each_detector_plan_decides(text: str) -> None:
    """One plan over all six checks (what `TextScanner` runs per text) passes, per check,
    exactly the rules that check's own plan passes; short texts and long ones take different
    paths through the plan (exact substrings vs guard characters), so both are built."""
    for sample in (text, _long(text)):
        view = TextView(sample)
        JOINT.decide(view)
        assert view.decided is not None
        for name, detector in DETECTORS.items():
            plan = detector.plan  # type: ignore[attr-defined]
            expected = plan.passing(TextView(sample))
            assert plan in view.decided_for
            assert list(view.decided.get(plan, ())) == expected, (name, sample)
            assert [r.name for r in detector._candidates(view)] == [  # type: ignore[attr-defined]
                detector.rules[i].name  # type: ignore[attr-defined]
                for i in expected
            ]


@EXAMPLES
@given(texts, st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=8))
def test_substring_atoms_from_one_pass_equal_plain_search(text: str, extra: list[str]) -> None:
    view = TextView(text + " " + "".join(extra))
    for atom in SUBSTRINGS._atoms:
        assert view.has("", atom) == (atom in view.text), atom


@FEW
@given(texts)
def test_gated_scan_equals_ungated_scan_on_random_texts(text: str) -> None:
    for name, detector in DETECTORS.items():
        gated = detector.scan(text, TextView(text))
        assert gated == detector.scan_ungated(text), (name, text)  # type: ignore[attr-defined]


def test_an_atom_compiled_later_is_found_by_the_pass() -> None:
    """A custom rule's atom (compiled after the first pass was built) is searched too."""
    TextView("warm the index up").has("", "sk-")
    groups = compile_need([["*zq-late-atom"]])
    assert TextView("text with zq-late-atom inside").satisfies(groups)
    assert not TextView("text with zq-late-ato inside").satisfies(groups)


def test_non_ascii_atoms_never_wake_on_ascii_text() -> None:
    """A non-ASCII atom's guard is one of its non-ASCII characters, absent from ASCII text."""
    (group,) = compile_need([["*phớt"]])
    ((key, _),) = group.subs
    assert not key.isascii()
