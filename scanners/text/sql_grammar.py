"""The pieces of SQL syntax the `sql_injection` rules share: separators, literals, operators,
and the two structural tests that tell a break-out from SQL quoted whole.

Patterns are written for casefolded, whitespace-collapsed text. Inline comments (`/**/`) and
`+` count as whitespace because they do in the SQL engines and in form encoding.
"""

from __future__ import annotations

import bisect
import re

from scanners.text.finding import Memo

SEP = r"(?:\s|/\*[^*]{0,64}\*/|\+){1,8}"
OSEP = r"(?:\s|/\*[^*]{0,64}\*/|\+){0,8}"
LIT = r"(?:'[^']{0,32}'?|\"[^\"]{0,32}\"?|0x[0-9a-f]{1,16}|\d{1,10}|true|false|null)"
OP = r"(?:=|<>|!=|<=>|>=|<=|<|>|\b(?:r?like|regexp|glob|is)\b)"
OP_WORDS = ["=", "<", ">", "like", "rlike", "regexp", "glob", "is"]
"""Every match of `OP` holds one of these (for a rule's `need`)."""
# Each branch starts with a literal, so `re` skips to the text's o, a, x, | and & at C speed: a
# rule led by `\bor\b|...` (a word boundary first) was tried at every position of the text,
# ~1 ms per 4 KB of documentation for each of nine rules. `o(?<!\wo)` is `\bo`: the character
# before the o is not a word character.
BOOL = r"(?:o(?<!\wo)r\b|a(?<!\wa)nd\b|x(?<!\wx)or\b|\|\||&&)"
BOOL_WORDS = ["or", "and", "xor", "||", "&&"]
QUOTES = ["'", '"', "`"]
# A quote that is not an apostrophe inside a word (O'Brien, don't).
_QUOTE = re.compile(r"(?<![a-z0-9])['\"`]|['\"`](?![a-z0-9])")


def _first_quote(s: str) -> int:
    for i, ch in enumerate(s):
        if ch in "'\"`":
            return i
    return 0


class _QuoteIndex:
    """Quote positions of one text, per quote character, computed once per scan when a quote
    rule fires: a `"` neither opens nor closes a `'` literal (`"' or 1 --'"`)."""

    def __init__(self, text: str) -> None:
        self.positions: dict[str, list[int]] = {"'": [], '"': [], "`": []}
        for q in _QUOTE.finditer(text):
            self.positions[text[q.start()]].append(q.start())

    def balanced_before(self, text: str, pos: int) -> bool:
        """True when an even number of quotes like the one at `pos` precede it."""
        return bisect.bisect_left(self.positions.get(text[pos], []), pos) % 2 == 0


_BREAKOUT_TAIL = re.compile(r"(?:['\"`]\s?\)?|\d)\s?$")


def after_breakout(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A stacked query must follow a closed literal or a number (`1'; drop`, `5; drop`), or
    open the message (`;drop table x`): prose never starts with a statement separator."""
    if not text[: m.start()].strip():
        return True
    return _BREAKOUT_TAIL.search(text, max(0, m.start() - 4), m.start()) is not None


def quote_opens(text: str, m: re.Match[str], memo: Memo) -> bool:
    """True when the match's leading quote is unbalanced, i.e. it escapes a string literal.

    `x' OR 'a'='a` starts with an odd quote: the attacker closes the application's literal.
    `WHERE name = 'bob' -- note` reaches its comment after a balanced pair, which is ordinary SQL.
    Apostrophes inside words are not counted. The quote index is built once per scanned text.
    """
    index = memo.get("sql_quotes")
    if not isinstance(index, _QuoteIndex):
        index = _QuoteIndex(text)
        memo["sql_quotes"] = index
    return index.balanced_before(text, m.start() + _first_quote(m.group(0)))
