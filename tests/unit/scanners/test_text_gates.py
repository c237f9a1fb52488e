"""The prefilters are sound: scanning with them finds exactly what scanning without them finds.

Every corpus row (malicious and benign), every near miss and a few mixed texts are scanned by
each detector twice: through the gates and with every rule forced to run.
"""

from __future__ import annotations

import pytest

from scanners.text import normalize
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


def test_unicode_text_is_tokenised_on_unicode_word_boundaries() -> None:
    view = TextView("«ignore» всё 忽略之前")
    assert view.satisfies(compile_need([["ignore"], ["всё"]]))
    assert view.satisfies(compile_need([["*忽略"]]))


@pytest.mark.parametrize("need", [[[]], [["Ignore"]], [["ig*"]], [["*"]]])
def test_malformed_needs_fail_at_load(need: list[list[str]]) -> None:
    with pytest.raises(ValueError):
        compile_need(need)
