"""Quoted for discussion, or a payload? Context for the `xss` and `sql_injection` findings.

A developer asking "why doesn't `<script>alert(1)</script>` run when I set innerHTML?" quotes
the same markup an attacker sends; the held-out review found 13 % of such questions blocked.
What separates them is around the match, not in it:

- **Quoted in code**: a match inside a Markdown code span or fence. Markdown renderers escape
  code, so markup there cannot run in a chat UI, and it is how people quote code.
- **Asked about**: the prose around the matches (at least five words once they are cut out)
  asks or explains ("how do", "why does", "is it safe", "for example", "prevent",
  "sanitize", "XSS", "SQL injection", "innerHTML", "prepared statement"...), and the matches
  are few. Bare question marks and SQL's own WHEN/WHERE are not cues, and a text that
  opens with the match ("<script src=...> -- what does this do?") is a payload first.

Either lets a finding go, unless the original text carries a mark of evasion that nobody
needs for discussion: encoded markup (`%3C`, `&#60;`, `\\u003c`, `\\x3c`), invisible or
control characters, tag names in mixed case (`<ScRiPt`), `/` instead of a space in a tag
(`<svg/onload`), a quote-and-angle break-out (`"><`), SQL comments as spaces (`/**/`) or
`char(..)`/`0x..` string building. Those keep the finding, in a question or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from scanners.text.finding import Finding

# A fence, or an inline span that stands apart from words: MySQL quotes identifiers with
# backticks (1`=`1`), and those are no Markdown code.
_CODE = re.compile(r"```.{0,20000}?```|(?<![\w`])`[^`\n]{1,2000}`(?![\w`])", re.DOTALL)
_CUE = re.compile(
    r"\b(?:how (?:do|does|can|could|to|would|should|is|are)|why (?:does|do|is|are|would|doesn't|"
    r"isn't|won't|can't|did)|what (?:does|do|is|are|happens|would)|is (?:it|this|that) "
    r"(?:safe|possible|bad|dangerous|vulnerable|ok|okay)|can (?:i|you|someone|we)|explain|"
    r"for example|an example|prevent|sanitiz\w*|saniti[sz]e|escap(?:e|es|ed|ing)|"
    r"vulnerab\w*|xss|cross-site|sql injection|injection attacks?|owasp|parameteri[sz]ed|"
    r"prepared statements?|innerhtml|dangerouslysetinnerhtml|content security policy|"
    r"my code|this code|the following code|this snippet|tutorial|documentation|"
    # the same questions in French, German, Spanish, Portuguese, Italian and Russian
    r"pourquoi|comment (?:faire|puis-je|éviter|empêcher|protéger|échapper)|par exemple|"
    r"warum|wieso|wie (?:kann|mache|verhindere|vermeide|schütze)|zum beispiel|"
    r"por qué|cómo|por ejemplo|como (?:posso|faço|evitar|proteger)|por que|"
    r"perché|come (?:posso|evitare|proteggere)|ad esempio|per esempio|"
    r"почему|как (?:мне|можно|избежать|защитить|экранировать)|например|"
    r"injection sql|inyección sql|injeção de sql|sql-injection)\b|"
    # and in Chinese, Japanese and Korean, which put no spaces around words
    r"为什么|如何|怎么|怎样|例如|防止|转义|なぜ|どうやって|どうすれば|防ぐ|例えば|エスケープ|"
    r"왜|어떻게|예를|방지"
)
MIN_PROSE_WORDS = 5
"""Words outside the quoted matches that a question needs (a bare payload has none)."""
_WORDS = re.compile(r"[^\W\d_]{2,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
"""Chinese, Japanese and Korean characters: about two make a word where no space divides."""
_EVASION = re.compile(
    r"%3c|%3e|%22|%27|%2f|&#|&lt;|&gt;|\\u00|\\x[0-9a-f]{2}|"
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\u200b-\u200f\u2060\ufeff]|"
    r"<[a-z]+/[a-z]|"
    r"/\*\*/|\bchar\s*\(\s*\d|\b0x[0-9a-f]{6,}|"
    r"\b(?:fromcharcode|atob)\s*\(|\(\s*(?:alert|confirm|prompt)\s*\)\s*[`(]",
    re.IGNORECASE,
)
# Case matters here, so apart: <ScRiPt, <sCRIPT, <SCRipt (not <script, <SCRIPT or <Script).
_MIXED_CASE_TAG = re.compile(r"<\s*/?\s*(?:[a-z]+[A-Z]|[A-Z]{2,}[a-z]|[A-Z][a-z]+[A-Z])")
MAX_DISCUSSED = 3
"""At most this many findings of one check in a text that only asks about them..."""
WORDS_PER_EXTRA_QUOTE = 25
"""...or one per this many words of prose around them: a long page of documentation quotes a
template's output (`<script src=...>` five times) the way a question quotes one line."""


_BREAKOUT = re.compile(r"[\"'`]\s*/?>\s*<(?!/)")
"""`"><script`: a quote and an angle that close a tag nobody opened in the text."""


def _breaks_out(original: str) -> bool:
    """A `">` that closes no tag of the text (an injection's start), not the end of an
    ordinary `<link rel="stylesheet">` followed by the next tag."""
    for m in _BREAKOUT.finditer(original):
        if original.rfind("<", 0, m.start()) <= original.rfind(">", 0, m.start()):
            return True
    return False


def _evasive(original: str) -> bool:
    return bool(
        _MIXED_CASE_TAG.search(original) or _EVASION.search(original) or _breaks_out(original)
    )


def discussed(original: str, normalized: str, findings: Sequence[Finding]) -> list[Finding]:
    """The findings that stay: all of them, or none when the text quotes them for discussion."""
    if not findings or _evasive(original):
        return list(findings)
    spans = [m.span() for m in _CODE.finditer(normalized)] if "`" in normalized else []
    if spans and all(any(a <= f.start and f.end <= b for a, b in spans) for f in findings):
        return []
    first = min(f.start for f in findings)
    if " " not in normalized[:first]:
        return list(findings)  # the text's first word is a match: a payload first
    prose = _outside(normalized, [(f.start, f.end) for f in findings] + spans)
    words = len(_WORDS.findall(prose)) + len(_CJK.findall(prose)) // 2
    if len(findings) > max(MAX_DISCUSSED, words // WORDS_PER_EXTRA_QUOTE):
        return list(findings)  # more matches than the prose around them discusses
    if words >= MIN_PROSE_WORDS and _CUE.search(prose):
        return []
    return list(findings)


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the given spans (the question around the quoted matches)."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start > cursor:
            out.append(text[cursor:start])
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return " ".join(out)


ContextFilter = Callable[[str, str, Sequence[Finding]], list[Finding]]

CONTEXT_FILTERS: Mapping[str, ContextFilter] = {"xss": discussed, "sql_injection": discussed}
"""Check name -> the filter that weighs its findings against their context."""
