# ruff: noqa: RUF003
"""Redaction that keeps the text: map spans found in the normalised form back to the original.

Detectors match the normalised text (decoded, NFKC, casefolded, whitespace collapsed), so a
finding's offsets point there. Replacing spans in that form would send the provider a
lowercased, one-line message; the issue's reproduction
(``"Reply to Jane.Doe@acme-corp.io:\\n\\n    Thanks, ..."``) arrived as
``"reply to [REDACTED:pii]: thanks, ..."``. `AlignedText` repeats the normaliser's steps while
recording, for every output character, the span of the original it came from; a finding's
span then maps to the original characters that produced it, and only those are replaced.
An encoded match (``jane%40acme.io``, ``&#64;``) maps to all of its encoded characters.

This is the slow, careful path: per-character maps are Python lists, built only for a text
that has a finding whose action is ``redact`` (a few hundred µs for 4 KB of non-ASCII text,
~50 µs for ASCII). The hot path, `normalize`, never builds them. The aligned form is built
from the same decoding steps (`decode_doc`); the few places it may differ from `normalize`
(NFKC composition across segments of combining marks) are handled by the caller, which
rescans the aligned form when the two texts are not identical.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from scanners.text.confusables import CONFUSABLE_CHARS
from scanners.text.marks import COMBINING_CLASS, MAX_MARK_RUN
from scanners.text.normalize import (
    BLANKS,
    INVISIBLE,
    WORD,
    WS,
    decode_doc,
    unconfuse_word,
)

# A non-ASCII character, or an ASCII one that combining marks follow, with its marks: the
# units NFKC is applied to one at a time (bounded, so the cost stays linear).
_NFKC_UNIT = re.compile(
    f"(?:[^\\x00-\\x7f]|[\\x00-\\x7f](?={COMBINING_CLASS})){COMBINING_CLASS}{{0,{MAX_MARK_RUN}}}"
)


def _drop(m: re.Match[str]) -> str:
    return ""


def _space(m: re.Match[str]) -> str:
    return " "


def _nfkc(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group(0))


class AlignedText:
    """A text plus, per character, the `[start, end)` span of the original it came from."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, original: str) -> None:
        self.text = original
        self.starts = list(range(len(original)))
        self.ends = list(range(1, len(original) + 1))

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None:
        """`pattern.sub(repl, text)`, keeping the map: a replacement of the same length maps
        character by character; any other maps each new character to the whole match."""
        text, starts, ends = self.text, self.starts, self.ends
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        changed = False
        for m in pattern.finditer(text):
            a, b = m.span()
            new = repl(m)
            if new == m.group(0):
                continue
            changed = True
            out.append(text[pos:a])
            new_starts += starts[pos:a]
            new_ends += ends[pos:a]
            if len(new) == b - a:
                new_starts += starts[a:b]
                new_ends += ends[a:b]
            elif new:
                lo = starts[a] if b > a else (ends[a - 1] if a else 0)
                hi = ends[b - 1] if b > a else lo
                new_starts += [lo] * len(new)
                new_ends += [hi] * len(new)
            out.append(new)
            pos = b
        if not changed:
            return
        out.append(text[pos:])
        new_starts += starts[pos:]
        new_ends += ends[pos:]
        self.text = "".join(out)
        self.starts, self.ends = new_starts, new_ends

    def casefold(self) -> None:
        folded = self.text.casefold()
        if len(folded) == len(self.text):
            self.text = folded
            return
        starts: list[int] = []
        ends: list[int] = []
        for ch, s, e in zip(self.text, self.starts, self.ends, strict=True):
            n = len(ch.casefold())
            starts += [s] * n
            ends += [e] * n
        self.text, self.starts, self.ends = folded, starts, ends

    def strip(self) -> None:
        text = self.text
        lead = len(text) - len(text.lstrip())
        keep = len(text.rstrip())
        if lead or keep < len(text):
            self.text = text[lead:keep]
            self.starts = self.starts[lead:keep]
            self.ends = self.ends[lead:keep]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced normalised characters `[start, end)`."""
        if end <= start:
            at = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return at, at
        return self.starts[start], max(self.ends[start:end])


def align(original: str) -> AlignedText:
    """The normalised form of `original` (as `normalize` computes it) with its source map."""
    doc = AlignedText(original)
    decode_doc(doc)
    if not doc.text.isascii():
        doc.sub(_NFKC_UNIT, _nfkc)
        decode_doc(doc)  # NFKC can reveal new escapes (full-width '％３Ｃ')
        doc.sub(BLANKS, _space)
    doc.sub(INVISIBLE, _drop)
    if not CONFUSABLE_CHARS.isdisjoint(doc.text):
        doc.sub(WORD, unconfuse_word)
    doc.casefold()
    doc.sub(WS, _space)
    doc.strip()
    return doc
