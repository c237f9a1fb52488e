"""More personal data for `pii`: national identifiers of several countries, and international
phone numbers in every national layout, validated by maintained libraries.

A regex finds the candidate shape (cheap, and gated on a digit like the other number rules);
then `python-stdnum` checks the identifier (its check digits and, where the number holds one,
its birth date), and Google's `phonenumbers` metadata checks that a `+` number of a layout the
`phone` rule does not know (`+33 (0)1 60 23 03 48`, `+358 99 2604621`) has a length that
country's plan allows (`phone_valid`, called by `pii`). The libraries run only on candidates,
so prose without digits pays nothing and a 4 KB message pays a few microseconds per
candidate (docs/input-scanning.md).

Identifiers covered: Italy's codice fiscale, Poland's PESEL, Sweden's personnummer, Finland's
HETU, France's NIR, China's resident identity number, India's Aadhaar and the Netherlands' BSN
(the last two only near a word naming them: nine or twelve digits with one check digit are too
common in prose otherwise). The older rules in `pii` keep US SSNs, UK NINOs, Spanish DNIs and
Brazilian CPFs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from stdnum.cn import ric
from stdnum.fi import hetu
from stdnum.fr import nir
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.se import personnummer

from scanners.text.finding import Memo, Rule, rule

_DIGITS = tuple("*" + d for d in "0123456789")


def _valid(check: Callable[[str], bool]) -> Callable[[str, re.Match[str], Memo], bool]:
    def validate(text: str, m: re.Match[str], memo: Memo) -> bool:
        try:
            return bool(check(m.group(0).upper()))
        except Exception:  # a library's own parse error is a "no"
            return False

    return validate


_GROUPS = re.compile(r"\d+")


def phone_valid(candidate: str) -> bool:
    """Whether a `+` number is one its country allocates (Google's metadata), or has a length
    its numbering plan allows and is written in groups of two digits or more: a number in a
    range not yet allocated is still one someone typed as theirs (test generators use such
    ranges), while `+1 1 1 1 1 1 1 1 1 1 1` is no way anyone writes a phone number."""
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.is_valid_number(number):
        return True
    groups = _GROUPS.findall(candidate.replace("(0)", " "))[1:]  # after the country code
    return bool(phonenumbers.is_possible_number(number)) and min(map(len, groups), default=0) >= 2


def _near(words: tuple[str, ...], check: Callable[[str], bool]) -> Callable[..., bool]:
    """`check`, and one of `words` in the 48 characters before the match."""
    pattern = re.compile(r"\b(?:" + "|".join(words) + r")\b")
    valid = _valid(check)

    def validate(text: str, m: re.Match[str], memo: Memo) -> bool:
        before = text[max(0, m.start() - 48) : m.start()]
        return pattern.search(before) is not None and valid(text, m, memo)

    return validate


def _cn_ric(number: str) -> bool:
    """The ISO 7064 check character first (a few µs), then stdnum, whose birth-place lookup
    costs ~0.5 ms a call: only one 18-digit number in eleven gets that far."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(number[:17]))
    if "0123456789X"[(12 - total % 11) % 11] != number[17]:
        return False
    return bool(ric.is_valid(number))


_AADHAAR_WORDS = ("aadhaar", "aadhar", "uid", "uidai", "आधार")
_BSN_WORDS = ("bsn", "burgerservicenummer", "sofinummer")


def national_id_rules() -> tuple[Rule, ...]:
    """The rules, compiled once by the `pii` detector."""
    return (
        rule(
            "it_codice_fiscale",
            r"(?<![a-z0-9])[a-z]{6}\d{2}[a-ehlmprst]\d{2}[a-z]\d{3}[a-z](?![a-z0-9])",
            need=(_DIGITS,),
            pre=r"[a-z]{6}\d\d[a-z]\d\d[a-z]\d{3}[a-z]",
            validate=_valid(codicefiscale.is_valid),
        ),
        rule(
            "pl_pesel",
            r"(?<![\d.,-])\d{11}(?![\d.,-]?\d)",
            need=(_DIGITS,),
            pre=r"\d{11}",
            validate=_valid(pesel.is_valid),
        ),
        rule(
            "se_personnummer",
            r"(?<![\d-])(?:\d\d)?\d{6}[-+]\d{4}(?![\d-])",
            need=(_DIGITS,),
            pre=r"\d{6}[-+]\d{4}",
            validate=_valid(personnummer.is_valid),
        ),
        rule(
            "fi_hetu",
            r"(?<![\d-])\d{6}[-+a-fu-y]\d{3}[0-9a-y](?![a-z0-9])",
            need=(_DIGITS,),
            pre=r"\d{6}[-+a-fu-y]\d{3}",
            validate=_valid(hetu.is_valid),
        ),
        rule(
            "fr_nir",
            r"(?<![\d])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2a|2b) ?\d{3} ?\d{3} ?\d{2}(?![\d])",
            need=(_DIGITS,),
            pre=r"[12] ?\d\d ?\d\d ?",
            validate=_valid(lambda s: nir.is_valid(s.replace(" ", ""))),
        ),
        rule(
            "cn_resident_id",
            r"(?<![\d])\d{17}[\dx](?![\dx])",
            need=(_DIGITS,),
            pre=r"\d{17}",
            validate=_valid(_cn_ric),
        ),
        rule(
            "in_aadhaar",
            r"(?<![\d])[2-9]\d{3} ?\d{4} ?\d{4}(?![\d])",
            need=(_AADHAAR_WORDS, _DIGITS),
            validate=_near(_AADHAAR_WORDS, aadhaar.is_valid),
        ),
        rule(
            "nl_bsn",
            r"(?<![\d])\d{4}\.?\d{2}\.?\d{3}(?![\d])",
            need=(_BSN_WORDS, _DIGITS),
            validate=_near(_BSN_WORDS, bsn.is_valid),
        ),
    )
