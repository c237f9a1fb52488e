"""pii on number-dense text: only the numbers whose check digits hold are reported."""

from __future__ import annotations

import random

from scanners.text.checksums import digits_only
from scanners.text.pii import PiiDetector
from scanners.text.scanner import TextScanner


def test_digits_only_strips_every_separator() -> None:
    assert digits_only("+1 (555) 010-9999") == "15550109999"
    assert digits_only("4111-1111 1111.1111") == "4111111111111111"
    assert digits_only("") == ""


def _invoice_lines(rng: random.Random, count: int) -> list[str]:
    """Order and tracking numbers that fail every check: none of them may be reported."""
    lines = []
    for _ in range(count):
        order = rng.randint(10**9, 10**10)
        lines.append(f"Order {order} shipped on 2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}.")
        lines.append(f"Invoice #{rng.randint(10**5, 10**6)} ref {rng.randint(10**12, 10**13)}")
    return lines


def test_among_hundreds_of_ids_only_the_real_card_cpf_and_nino_are_found() -> None:
    rng = random.Random(5)
    lines = _invoice_lines(rng, 60)
    planted = {
        "card_number": "4111 1111 1111 1111",
        "br_cpf": "529.982.247-25",
        "uk_nino": "ab 12 34 56 c",
    }
    for index, value in enumerate(planted.values()):
        lines.insert(20 * (index + 1), f"customer wrote {value} here")
    text = "\n".join(lines)
    findings = TextScanner(["pii"]).scan([text]).findings
    found = {(f.rule, text[f.start : f.end]) for f in findings}
    assert found == {(rule, value) for rule, value in planted.items()}


def test_gated_and_ungated_scans_agree_on_number_dense_text() -> None:
    rng = random.Random(9)
    text = " ".join(_invoice_lines(rng, 40)) + " call +44 20 7946 0958 or 529.982.247-25"
    detector = PiiDetector()
    assert detector.scan(text) == detector.scan_ungated(text)
    assert {f.rule for f in detector.scan(text)} == {"phone", "br_cpf"}
