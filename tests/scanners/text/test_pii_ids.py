"""pii's national identifiers (python-stdnum) and + numbers (phonenumbers): a valid number is
found, the same shape with a wrong check digit is not, and the weak ones need their word."""

from __future__ import annotations

import pytest

from scanners.text import TextScanner

SCANNER = TextScanner(["pii"])


def rules(text: str) -> set[str]:
    return {f.rule for f in SCANNER.scan([text]).findings}


@pytest.mark.parametrize(
    ("rule", "valid", "wrong"),
    [
        ("it_codice_fiscale", "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
        ("pl_pesel", "44051401359", "44051401358"),
        ("se_personnummer", "811228-9874", "811228-9873"),
        ("fi_hetu", "131052-308T", "131052-308U"),
        ("cn_resident_id", "11010519491231002X", "110105194912310021"),
        ("fr_nir", "2 95 10 99 126 111 93", "2 95 10 99 126 111 94"),
    ],
)
def test_a_national_id_is_found_only_when_its_check_digits_hold(
    rule: str, valid: str, wrong: str
) -> None:
    assert rule in rules(f"my id is {valid}, please update the file"), valid
    assert not rules(f"my id is {wrong}, please update the file"), wrong


def test_aadhaar_and_bsn_need_their_word() -> None:
    assert "in_aadhaar" in rules("my aadhaar number is 2341 2341 2346")
    assert not rules("the build took 2341 2341 2346 cycles")
    assert "nl_bsn" in rules("mijn BSN is 111222333")
    assert not rules("ticket count 111222333 so far")


@pytest.mark.parametrize(
    "number", ["+33 (0)1 60 23 03 48", "+358 9 2604621", "+48 792 045 390", "+55 21 3046-2116"]
)
def test_plus_numbers_in_national_layouts_are_phones(number: str) -> None:
    assert "phone" in rules(f"reach me at {number} tomorrow")


def test_plus_digits_no_one_writes_as_a_phone_are_not() -> None:
    assert not rules("the sum +1 1 1 1 1 1 1 1 1 1 1 equals eleven")
    assert not rules("version +20250101 of the build")


def test_japanese_mobile_numbers_are_phones() -> None:
    assert "phone" in rules("携帯: 090-3909-9260")


@pytest.mark.parametrize("number", ["058676714", "(0671)-483346", "06596471382", "030 901820 12"])
def test_national_numbers_dialled_with_the_trunk_zero_are_phones(number: str) -> None:
    assert "phone_national" in rules(f"Datos: {number}")


@pytest.mark.parametrize(
    "text",
    [
        "f.write(b'0123456789abcdef')",  # a counting run
        "order id: 0612345678 shipped",  # an id, not a phone
        "offset 0000000000 in the dump",  # one digit repeated
        "version 0.12.3456.789 released",  # dotted after a word boundary: too few digits each
        "released 05.12.2026",  # a date: eight digits
    ],
)
def test_zero_led_numbers_that_are_no_phone_are_not(text: str) -> None:
    assert "phone_national" not in rules(text)
