# ruff: noqa: RUF001, RUF002
"""Prompt-injection phrasings in Greek, and the persona family of Dutch, Polish and Ukrainian
with Ukrainian extraction (issue 14, sixth round; split from `prompt_phrases_europe` by size).

Greek has override ("αγνόησε τις προηγούμενες οδηγίες"), forget-everything, extraction and an
unlocked persona, written with the accents and matching without them (`_el`); the normaliser
casefolds the final sigma to σ, so every pattern spells it σ. Dutch, Polish and Ukrainian had
override (and Polish and Dutch extraction) in `prompt_phrases_world`; here they get "from now
on you are an AI without restrictions", "you have no rules anymore" and "never refuse", each
with a second-person subject or an imperative: "from now on the app works without limits"
passes. Patterns match the normaliser's output behind word gates.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_GREEK_TONOS = str.maketrans(
    {"ά": "[άα]", "έ": "[έε]", "ή": "[ήη]", "ί": "[ίι]", "ό": "[όο]", "ύ": "[ύυ]", "ώ": "[ώω]"}
)


def _el(pattern: str) -> str:
    """A Greek pattern written with its accents, matching with or without them."""
    return pattern.translate(_GREEK_TONOS)


_EL_NOUNS = r"(?:οδηγίεσ|εντολέσ|κανόνεσ|κανονισμούσ|περιορισμούσ|ρυθμίσεισ|οδηγία)"
_EL_IGNORE = (
    r"(?:αγνόησε|αγνοήστε|ξέχασε|ξεχάστε|παράβλεψε|παραβλέψτε|παράκαμψε|παρακάμψτε|μην "
    r"ακολουθείσ|μην ακολουθήσεισ|μην ακολουθείτε|μην τηρείσ)"
)

GREEK = (
    rule(
        "override_el",
        _el(
            rf"{_EL_IGNORE} (?:όλ\w+ )?(?:τισ |τουσ |τα |την |τον )?(?:προηγούμεν\w+|παραπάνω|"
            rf"αρχικ\w+|πρότερ\w+|μέχρι τώρα|προγενέστερ\w+) (?:\w+ )?{_EL_NOUNS}|"
            rf"{_EL_IGNORE} (?:όλ\w+ )?(?:τισ |τουσ |τα |την |τον )?{_EL_NOUNS} (?:σου|σασ|του "
            r"συστήματοσ|συστήματοσ|που (?:σου|σασ) (?:δόθηκαν|έδωσαν|είπαν))"
        ),
        gates=("αγν", "ξεχ", "ξέχ", "παραβλ", "παράβλ", "παρακ", "παράκ", "ακολουθ", "τηρ"),
    ),
    rule(
        "forget_all_el",
        _el(
            r"(?:ξέχασε|ξεχάστε|αγνόησε|αγνοήστε) (?:όλα όσα|ό,?τι|τα πάντα|οτιδήποτε)"
            r"(?: \w+){0,3}? (?:(?:σου|σασ) (?:είπαν|έχουν πει|ειπώθηκε|δόθηκε|έδωσαν|είπα|"
            r"είπαμε|έγραψα)|(?:γράφτηκε |ειπώθηκε |είναι )?(?:παραπάνω|πιο πάνω))"
        ),
        gates=("αγν", "ξεχ", "ξέχ"),
    ),
    rule(
        "extract_el",
        _el(
            r"(?:δείξε|δείξτε|εμφάνισε|εμφανίστε|αποκάλυψε|αποκαλύψτε|επανάλαβε|επαναλάβετε|"
            r"γράψε|γράψτε|πεσ|πείτε|τύπωσε|ποιεσ είναι|ποιο είναι)(?: μου| μασ)? (?:τισ |το |"
            r"τα |οι |την )?(?:\w+ ){0,2}?(?:(?:αρχικ|κρυφ|μυστικ|εσωτερικ)\w* (?:σου |σασ )?"
            r"(?:οδηγίεσ|εντολέσ|μήνυμα|προτροπή|prompt)|(?:οδηγίεσ|μήνυμα|προτροπή|prompt|"
            r"εντολέσ) (?:του )?συστήματοσ|system prompt)"
        ),
        gates=("συστήματ", "συστηματ", "αρχικ", "κρυφ", "μυστικ", "εσωτερικ", "prompt"),
    ),
    rule(
        "persona_el",
        _el(
            r"(?:από τώρα|από εδώ και πέρα|εφεξήσ|είσαι τώρα|τώρα είσαι|θα είσαι|παρίστανε|"
            r"προσποιήσου|συμπεριφέρσου|απάντα|απάντησε|απαντήστε|παίξε τον ρόλο)[^.!?\n;]{0,60}?"
            r"χωρίσ (?:κανέναν |καμία |κανένα |όλουσ |τουσ )?(?:περιορισμ|κανόν|φίλτρ|λογοκρισ|"
            r"ηθικ|όρι)\w*|δεν έχεισ (?:πλέον|πια) (?:κανέναν |καμία |κανένα )?(?:κανόν|"
            r"περιορισμ|φίλτρ|όρι)\w*|μην αρνείσαι ποτέ|ποτέ μην αρνείσαι|λειτουργία (?:dan|"
            r"προγραμματιστή)"
        ),
        gates=("χωρ", "έχεισ", "εχεισ", "αρνε", "αρνέ", "λειτουργ"),
    ),
)


# The persona family for Dutch, Polish and Ukrainian, and extraction for Ukrainian, whose
# override rules are in `prompt_phrases_world`.
PERSONA_MORE = (
    rule(
        "persona_nl",
        r"\b(?:(?:vanaf nu|van nu af aan|voortaan),? (?:ben je|bent u|ben jij|je bent|jij bent|"
        r"antwoord|reageer|gedraag)|je bent nu|jij bent nu|nu ben je|doe alsof|gedraag je|"
        r"antwoord|reageer|speel de rol)\b[^.!?\n]{0,60}?\bzonder (?:enige |alle |welke |enig )?"
        r"(?:beperkingen|restricties|regels|filters?|censuur|ethiek|moraal|grenzen)\b|\bje hebt "
        r"geen (?:regels|beperkingen|restricties|filters|grenzen) meer\b|\bweiger nooit\b|"
        r"\bdan-?modus\b",
        need=(["zonder", "meer", "nooit", "dan", "danmodus", "modus"],),
    ),
    rule(
        "persona_pl",
        r"\b(?:(?:(?:od teraz|od tej chwili|od tego momentu|odtąd|odtad),? )?(?:jesteś|jestes|"
        r"będziesz|bedziesz|odpowiadasz|działasz|dzialasz)|udawaj|zachowuj si[ęe]|odpowiadaj|"
        r"wciel si[ęe])\b[^.!?\n]{0,60}?\bbez (?:żadnych |zadnych |jakichkolwiek |wszelkich )?"
        r"(?:ograniczeń|ograniczen|zasad|reguł|regul|filtrów|filtrow|cenzury|etyki|moralności|"
        r"moralnosci|limitów|limitow)|\bnie masz (?:już|juz|teraz) (?:żadnych |zadnych )?"
        r"(?:zasad|reguł|regul|ograniczeń|ograniczen|filtrów|filtrow)|\bnigdy nie odmawiaj\b|"
        r"\btryb (?:dan|bez ograniczeń|bez ograniczen)\b",
        need=(["bez", "masz", "odmawiaj", "tryb"],),
    ),
    rule(
        "persona_uk",
        r"(?:відтепер|віднині|тепер ти|ти тепер|з цього моменту|уяви,? що ти|прикинься|поводься "
        r"як|відповідай|говори|дій)\b[^.!?\n]{0,60}?\bбез (?:жодних |будь-яких |всяких |усяких )?"
        r"(?:обмежень|правил|фільтрів|цензури|етики|моралі)|у тебе (?:більше |тепер )?немає "
        r"(?:жодних )?(?:правил|обмежень|фільтрів|цензури)|ніколи не відмовляй|режим (?:dan|"
        r"без обмежень)",
        gates=("без", "немає", "відмовляй", "режим"),
    ),
    rule(
        "extract_uk",
        r"(?:покажи|покажіть|виведи|виведіть|розкрий|розкрийте|повтори|повторіть|напиши|"
        r"напишіть|скажи|дай|який у тебе|які у тебе|яка у тебе)(?: мені)? (?:(?:свій|свої|свою|"
        r"твій|твої|твою|ваш|ваші|весь|повний|повні) ){0,2}(?:системн|початков|прихован|"
        r"вихідн|таємн|первинн|секретн)\w* (?:\w{1,24} )?(?:промпт|інструкції|повідомлення|"
        r"вказівки|налаштування|підказку)",
        gates=("промпт", "інструкці", "повідомлення", "вказівки", "налаштування", "підказку"),
    ),
)

EUROPE_MORE_RULES: tuple[Rule, ...] = (*GREEK, *PERSONA_MORE)
