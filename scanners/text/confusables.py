# ruff: noqa: RUF001
"""Look-alike characters that attackers substitute for Latin letters to slip past keyword rules.

A deliberately small, high-confidence subset of Unicode's confusables data: Cyrillic, Greek and
Armenian letters that render like ASCII letters in common fonts. The full UTS #39 table would
also fold legitimate Cyrillic and Greek words, so the normaliser applies this map only to
words that come out as pure ASCII after mapping (see `normalize.unconfuse`).
"""

from __future__ import annotations

_PAIRS: dict[str, str] = {
    # Cyrillic lowercase
    "а": "a", "в": "b", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "ӏ": "l", "ɡ": "g", "ѵ": "v", "ү": "y", "ꞯ": "q",
    # Cyrillic uppercase
    "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    "Һ": "H", "Ӏ": "I", "Ү": "Y",
    # Greek lowercase
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ϲ": "c", "ϳ": "j",
    # Greek uppercase
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Armenian lowercase and uppercase
    "օ": "o", "ո": "n", "ս": "u", "հ": "h", "զ": "q", "ց": "g", "ք": "p", "ա": "w",
    "Օ": "O", "Ս": "U", "Տ": "S", "Լ": "L", "Ք": "P",
    # Latin look-alikes outside ASCII that NFKC leaves alone
    "ı": "i", "ȷ": "j", "ɑ": "a", "ʏ": "y", "ɩ": "i", "ǀ": "l",
}  # fmt: skip

CONFUSABLES: dict[int, str] = {ord(k): v for k, v in _PAIRS.items()}
"""`str.translate` table from look-alike code point to its ASCII letter."""

CONFUSABLE_CHARS: frozenset[str] = frozenset(_PAIRS)
