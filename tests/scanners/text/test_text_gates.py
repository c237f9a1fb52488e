"""The prefilters are sound: scanning with them finds exactly what scanning without them finds.

Every corpus row (malicious and benign), every near miss and a few mixed texts are scanned by
each detector twice: through the gates and with every rule forced to run.
"""

from __future__ import annotations

import pytest

from scanners.text import normalize
from scanners.text.finding import _may_match
from scanners.text.gates import TextView, compile_need
from scanners.text.scanner import CHECKS
from tests.corpus.adversarial import NEAR_MISSES
from tests.corpus.report import CHECK_NAMES, load

ALL_ROWS = [row["text"] for check in CHECK_NAMES for row in load(check)]
SAMPLES = [*ALL_ROWS, *(f for fs in NEAR_MISSES.values() for f in fs), " ".join(ALL_ROWS[::7])]


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_gated_scan_equals_ungated_scan_on_every_sample(check: str) -> None:
    detector = CHECKS[check]()
    for raw in SAMPLES:
        text = normalize(raw)
        assert detector.scan(text, TextView(text)) == detector.scan_ungated(text), raw


def test_word_prefix_and_substring_atoms() -> None:
    view = TextView("please ignore-all the <|im_start|> stuff")
    assert view.satisfies(compile_need([["ignore"], ["the"]]))
    assert not view.satisfies(compile_need([["ignor"]]))  # a word atom is a whole word
    assert view.satisfies(compile_need([["ignor*"]]))
    assert view.satisfies(compile_need([["<|"], ["*tuf"]]))
    assert not view.satisfies(compile_need([["ignore"], ["zebra", "*xyz"]]))
    assert not view.satisfies(compile_need([["忽略"]]))  # non-ASCII atoms on ASCII text


def test_long_prefix_atoms_want_a_token_that_long() -> None:
    sid = "ac" + "hglrt9rysnnzo79qd4i3ab667rzqrxhl"  # 34 characters
    assert TextView(f"the act of {sid} here").satisfies(compile_need([["ach*34"]]))
    assert TextView(f"the act of {sid} here").satisfies(compile_need([["act*3", "ach*34"]]))
    # same head, but no token of 34: the group fails without trying its atoms one by one
    assert not TextView("an achievement in accounting").satisfies(compile_need([["ach*34"]]))
    assert not TextView(f"achieve {sid[:20]}").satisfies(compile_need([["ach*34"]]))
    # a long token with another head does not satisfy it either
    assert not TextView("sk" + sid[2:] + " achieve").satisfies(compile_need([["ach*34"]]))


def test_unicode_text_is_tokenised_on_unicode_word_boundaries() -> None:
    view = TextView("«ignore» всё 忽略之前")
    assert view.satisfies(compile_need([["ignore"], ["всё"]]))
    assert view.satisfies(compile_need([["*忽略"]]))


@pytest.mark.parametrize("need", [[[]], [["Ignore"]], [["ig*"]], [["*"]], [["ac*34"]]])
def test_malformed_needs_fail_at_load(need: list[list[str]]) -> None:
    with pytest.raises(ValueError):
        compile_need(need)


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_candidate_index_keeps_every_rule_whose_gates_pass(check: str) -> None:
    """The per-detector index (first need group by word, head, guard character) only prunes."""
    detector = CHECKS[check]()
    for raw in SAMPLES:
        view = TextView(normalize(raw))
        passing = [r.name for r in detector.rules if _may_match(r, view)]
        candidates = [r.name for r in detector._candidates(view)]
        assert set(passing) <= set(candidates), raw


def test_candidate_index_prunes_rules_on_benign_prose() -> None:
    """Ordinary prose (no digits, quotes or markup) leaves most rules out of the gate loop."""
    detector = CHECKS["pii"]()
    view = TextView(normalize("please plan the offsite agenda for twelve people"))
    assert detector._candidates(view) == []
    view = TextView(normalize("call +44 20 7946 0958 or mail a@b.org"))
    assert {r.name for r in detector._candidates(view)} >= {"phone", "email"}
