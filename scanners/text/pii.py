"""Personal data: email addresses, phone numbers, payment cards, IBANs and national ids.

Numbers are only reported when their check digits hold (Luhn for cards, mod-97 for IBANs, the
DNI letter, the CPF digits), which is what separates a card from an order id of the same shape.
Reserved example domains (example.com, *.test, *.invalid, *.localhost) and `git@host:` remotes are
not personal data. Phone numbers need an international `+` prefix, the North American
`(555) 123-4567` / `555.123.4567` shape, or a contact word just before them ("phone", "call",
"contact", "tel", "Telefon", "teléfono", "телефон", ...), or a national number dialled with
its trunk `0` (`058676714`, `(0671)-483346`: 9 to 12 digits, not a counting run such as
`0123456789`); national numbers without the `0` (`331 1986910`) count only in such context.
All are skipped right after words like "order", "invoice" or "id". E-mail addresses written to
dodge scrapers (`jane(at)acme(dot)com`, `jane [at] acme [dot] com`, `jane(at)acme.com`) count
as e-mail addresses. US SSNs are caught with dashes or spaces, and without separators after
"SSN" or "social security".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanners.text.checksums import (
    card_brand_plausible,
    cpf_valid,
    digits_only,
    dni_valid,
    iban_valid,
    luhn_valid,
)
from scanners.text.finding import Memo, Rule, RuleDetector, rule
from scanners.text.pii_ids import national_id_rules, phone_valid

_RESERVED_DOMAIN = re.compile(
    r"@(?:[a-z0-9-]{1,63}\.){0,8}(?:example\.(?:com|org|net)|[a-z0-9-]{1,63}\.(?:test|example|"
    r"invalid|localhost|local))$"
)
_ID_CONTEXT = re.compile(
    r"(?:order|invoice|ticket|ref|reference|sku|tracking|id|case|po|#)"
    r"(?: (?:number|no\.?|id|#))?\s?[:#]?\s?$"
)


def _email_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    addr = m.group(0)
    if _RESERVED_DOMAIN.search(addr):
        return False
    return not (addr.startswith("git@") and text[m.end() : m.end() + 1] == ":")


_DIGITS = tuple("0123456789")
# Every number rule needs a digit: ten memchr calls, shared by all rules through the view's
# substring cache, so prose without digits skips the number rules' regexes entirely.
_DIGIT = tuple("*" + d for d in _DIGITS)
_NINO_BAD_PREFIXES = ("bg", "gb", "kn", "nk", "nt", "tn", "zz")


def _nino_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    return not m.group(0).startswith(_NINO_BAD_PREFIXES)


_PLAIN_INTL = re.compile(r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}")


def _phone_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A `+` number that some country allocates (`phonenumbers`' metadata), whatever its
    layout; otherwise the North American shape, 10 to 15 digits, not after "order"/"id"."""
    number = m.group(0)
    n = len(digits_only(number))
    if not 8 <= n <= 15:
        return False
    if number.startswith("+") and phone_valid(number):
        return True
    if n < 10 or (number.startswith("+") and not _PLAIN_INTL.fullmatch(number)):
        return False
    return _ID_CONTEXT.search(text[max(0, m.start() - 24) : m.start()]) is None


_CONTACT_WORDS = (
    "phone", "telephone", "tel", "call", "contact", "mobile", "cell", "fax", "whatsapp", "sms",
    "numéro", "téléphone", "tél", "portable", "telefon", "handy", "teléfono", "telefone",
    "telefono", "celular", "móvil", "cellulare", "telefoonnummer", "tlf", "тел", "телефон",
)  # fmt: skip


_DOT = r"(?:[\[({<] ?dot ?[\])}>]|\.|\bdot\b)"
_CONTACT_BEFORE = re.compile(r"\b(?:" + "|".join(_CONTACT_WORDS) + r")\b[^\d\n]{0,24}$")


def _context_phone_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A national number counts only right after a contact word (and never after "order")."""
    if not 7 <= len(digits_only(m.group(0))) <= 15:
        return False
    before = text[max(0, m.start() - 48) : m.start()]
    return _CONTACT_BEFORE.search(before) is not None and _ID_CONTEXT.search(before[-24:]) is None


_COUNTING = "01234567890123456789"


def _trunk_phone_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A number dialled with a national trunk `0` (`058676714`, `(0671)-483346`): 9 to 12
    digits, not after "order"/"id", not a run of one digit nor a count (`0123456789`)."""
    digits = digits_only(m.group(0))
    if not 9 <= len(digits) <= 12 or len(set(digits)) < 4 or digits in _COUNTING:
        return False
    return _ID_CONTEXT.search(text[max(0, m.start() - 24) : m.start()]) is None


def _card_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    number = digits_only(m.group(0))
    return 12 <= len(number) <= 19 and card_brand_plausible(number) and luhn_valid(number)


def _iban_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    return iban_valid(m.group(0))


def _dni_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    return dni_valid(m.group(0))


def _cpf_ok(text: str, m: re.Match[str], memo: Memo) -> bool:
    return cpf_valid(m.group(0))


class PiiDetector(RuleDetector):
    """Flags personal data, validating check digits; see the module docstring for scope."""

    name = "pii"

    def build_rules(self) -> Iterable[Rule]:
        return (
            rule(
                "email",
                r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,62}\.){1,8}"
                r"[a-z]{2,24}(?![a-z0-9-])",
                gates=("@",),
                validate=_email_ok,
            ),
            rule(
                "phone",
                r"\+(?<![\w+-]\+)\d[\d ().-]{6,22}\d(?![\w-])|"
                r"[(\d](?<![\w-][(\d])(?:(?<=\()\d{3}\)\s?|(?<=\d)\d{2}[.-])\d{3}[.-]\d{4}(?![\w-])|"
                # Japan's mobile and IP phones: 090-1234-5678, 080-, 070-, 050-
                r"0(?<![\w-]0)[5789]0-\d{4}-\d{4}(?![\w-])",
                need=(_DIGIT,),
                gates=("+", "(", "-", "."),
                pre=r"\+\d|\d[.-]\d{4}",
                validate=_phone_ok,
            ),
            rule(
                "phone_in_context",
                r"(?<![\w+.-])\(?\d[\d ().-]{5,20}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])",
                need=(_CONTACT_WORDS, _DIGIT),
                validate=_context_phone_ok,
            ),
            rule(
                "phone_national",
                r"(?<![\w+.,/:-])\(?0[1-9]\d{0,4}\)?(?:[ .-]?\d{2,5}){1,4}(?![\w.,/:-]?\d)",
                need=(_DIGIT,),
                pre=r"0[1-9]",  # "08-346 596 47": a separator may follow the trunk digit
                validate=_trunk_phone_ok,
            ),
            rule(
                "email_obfuscated",
                r"(?<![a-z0-9._%+-])[a-z0-9][a-z0-9._%+-]{0,63} ?[\[({<] ?at ?[\])}>] ?"
                rf"[a-z0-9][a-z0-9-]{{0,62}}(?: ?{_DOT} ?[a-z0-9-]{{1,63}}){{0,6}} ?{_DOT} ?"
                r"[a-z]{2,24}(?![a-z0-9-])",
                # every match holds an opening bracket: text without one never runs `pre`
                need=(["at"], ["dot", "*."], ["*[", "*(", "*{", "*<"]),
                pre=r"[\[({<] ?at ?[\])}>]",  # the bracketed "at" first: a fast skip
            ),
            rule(
                "card_number",
                r"\d(?<![\d.-]\d)(?:[ .-]?\d){11,18}(?![\d-])",
                need=(_DIGIT,),
                validate=_card_ok,
            ),
            rule(
                "iban",
                r"[a-z](?<![a-z0-9][a-z])[a-z]\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,4})?"
                r"(?![a-z0-9])",
                need=(_DIGIT,),
                pre=r"\d(?<=[a-z][a-z]\d)\d",
                validate=_iban_ok,
            ),
            rule(
                "us_ssn",
                # ASCII digits ([0-9], not \d) where the gate looks for them: "٣٣٣-٣٣-٣٣٣٣"
                # matched a `\d` regex and no gate could ever pass it
                r"(?<![\d-])(?!000|666|9\d\d)[0-9]{3}([- ])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}"
                r"(?![\d-])",
                need=(_DIGIT,),
                pre=r"\d[- ]\d\d[- ]\d",
            ),
            rule(
                "us_ssn_in_context",
                r"\b(?:ssn|social security(?: number| no\.?| #)?)\b[^\d\n]{0,16}?"
                r"(?<!\d)(?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4}(?![\d-])",
                need=(["ssn", "social"], _DIGIT),
            ),
            rule(
                "uk_nino",
                r"[a-ceghj-prstw-z](?<![a-z0-9][a-z])[a-ceghj-nprstw-z] ?\d{2} ?\d{2} ?\d{2} ?[a-d]"
                r"(?![a-z0-9])",
                need=(_DIGIT,),
                pre=r"\d(?<!\d\d)\d ?\d\d ?\d\d ?[a-d](?![a-z0-9])",  # a letter or space precedes
                validate=_nino_ok,
            ),
            rule(
                "es_dni",
                r"[0-9xyz](?<![a-z0-9][0-9xyz])\d{6,8}-?[a-z](?![a-z0-9])",
                need=(_DIGIT,),
                pre=r"\d{6}",
                validate=_dni_ok,
            ),
            rule(
                "br_cpf",
                r"\d(?<![\d.]\d)\d{2}\.\d{3}\.\d{3}-\d{2}(?![\d-])",
                need=(_DIGIT,),
                gates=(".",),
                pre=r"\.(?<=\d\.)\d{3}\.\d{3}-\d\d",  # the dot first: a fast literal search
                validate=_cpf_ok,
            ),
            *national_id_rules(),
        )
