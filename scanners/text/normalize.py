# ruff: noqa: RUF002, RUF003
"""The one normaliser every text check runs on, so an evasion defeated here is defeated for all.

Attackers hide payloads behind encodings the provider or a browser will undo later: JSON
`\\u003c`, URL `%3C` (often twice), HTML `&lt;`, full-width `＜`, Cyrillic look-alikes, zero-width
joiners inside keywords, odd whitespace and case. Undoing them once, here, lets each detector be
written for plain lowercase text. Plain ASCII without escape characters takes a fast path, which
is what nearly every chat message is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from typing import Protocol
from urllib.parse import unquote

from scanners.text.confusables import CONFUSABLE_CHARS, CONFUSABLES
from scanners.text.marks import COMBINING_CLASS, MAX_MARK_RUN

MAX_DECODE_ROUNDS = 4
"""Decoding repeats until the text stops changing, at most this many rounds (%2525253C...)."""

WS = re.compile(r"\s+")
_WS_NEEDED = re.compile(r"\s\s|[\t\n\r\f\v]")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|%u([0-9a-fA-F]{4})")
_SURROGATE_PAIR = re.compile(r"[\ud800-\udbff][\udc00-\udfff]")
_HEX_ESCAPE = re.compile(r"\\[xX]([0-9a-fA-F]{2})")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_PERCENT_RUN = re.compile(r"(?:%[0-9a-fA-F]{2})+")
_PLUS = re.compile(r"\+")
# Overlong UTF-8 forms of '.', '/' and '\' that old servers decoded; unquote turns them into
# U+FFFD, which would hide the traversal they spell.
_OVERLONG = re.compile(r"%c0%ae|%e0%80%ae|%c0%af|%e0%80%af|%c1%9c|%c1%1c|%c0%5c", re.IGNORECASE)
_OVERLONG_MAP = {
    "%c0%ae": ".", "%e0%80%ae": ".", "%c0%af": "/", "%e0%80%af": "/",
    "%c1%9c": "\\", "%c1%1c": "\\", "%c0%5c": "\\",
}  # fmt: skip
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{1,31});?")
# Invisible characters: zero-width, joiners, bidi controls, soft hyphen, fillers, variation
# selectors, tag characters, and C0/C1 controls other than whitespace.
_INVISIBLE_CHARS = (
    "\u00ad\u034f\u061c\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff0-\ufff8\U000e0000-\U000e007f"
    "\x00-\x08\x0e-\x1f\x7f-\x9f"
)
INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Blank glyphs that are not Unicode whitespace but render as a gap, used as word separators to
# split keywords ("ignore\u2800all"): Braille blank, Hangul fillers. They become spaces.
_BLANK_CHARS = "\u2800\u3164\uffa0\u115f\u1160"
BLANKS = re.compile(f"[{_BLANK_CHARS}]")
# Either of the two: one class search instead of two `sub`s that find nothing (nearly every
# text), each a pass of its own (~7 µs on the 4 KB Chinese chat body).
_BLANK_OR_INVISIBLE = re.compile(f"[{_BLANK_CHARS}{_INVISIBLE_CHARS}]")
_LONG_MARK_RUN = re.compile(f"{COMBINING_CLASS}{{{MAX_MARK_RUN}}}(?={COMBINING_CLASS})")
# Any combining mark of the BMP (a bitmap class: one lookup per character), or any character
# past the BMP (one range): a text with neither holds no mark at all.
_MAY_HOLD_MARKS = re.compile(
    "["
    + "".join(
        low + (f"-{high}" if high else "")
        for low, high in re.findall(r"(.)(?:-(.))?", COMBINING_CLASS[1:-1], re.DOTALL)
        if ord(low) <= 0xFFFF  # no range of the class straddles the BMP's end
    )
    + "]|[\U00010000-\U0010ffff]"
)
_CGJ = "\u034f"  # combining grapheme joiner: class 0, and in INVISIBLE, so it is dropped later
WORD = re.compile(r"\w+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
# Printable ASCII that never starts an escape: a text made of nothing else needs no decoding
# and holds no control character (one C-speed deletion answers both questions).
_PLAIN_ASCII = bytes(c for c in _PRINTABLE_ASCII if c not in b"%&\\")


def _json_char(m: re.Match[str]) -> str:
    return chr(int(m.group(1) or m.group(2), 16))


def _hex_char(m: re.Match[str]) -> str:
    return chr(int(m.group(1), 16))


def _join_surrogates(m: re.Match[str]) -> str:
    hi, lo = ord(m.group(0)[0]), ord(m.group(0)[1])
    return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))


def _unescape_entity(m: re.Match[str]) -> str:
    return html.unescape(m.group(0))


def _unquote_run(m: re.Match[str]) -> str:
    return unquote(m.group(0), errors="replace")


def _overlong(m: re.Match[str]) -> str:
    return _OVERLONG_MAP[m.group(0).lower()]


def _space(m: re.Match[str]) -> str:
    return " "


class Text(Protocol):
    """A text being normalised: plain (`PlainText`) or carrying a map back to its source."""

    text: str

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None: ...


class PlainText:
    """The hot path's `Text`: substitutions are plain `re.sub` calls."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None:
        self.text = pattern.sub(repl, self.text)


def decode_once(doc: Text) -> None:
    """One round of JSON, C-style hex, URL and HTML decoding, each only when its marker is there."""
    text = doc.text
    if "\\u" in text or "%u" in text or "%U" in text:
        doc.sub(_JSON_ESCAPE, _json_char)
        if _SURROGATE_PAIR.search(doc.text):
            doc.sub(_SURROGATE_PAIR, _join_surrogates)
    if ("\\x" in doc.text or "\\X" in doc.text) and _HEX_ESCAPE.search(doc.text):
        doc.sub(_HEX_ESCAPE, _hex_char)
    if "%" in doc.text:
        if _OVERLONG.search(doc.text):
            doc.sub(_OVERLONG, _overlong)
        if _PERCENT.search(doc.text):
            # '+' is a space only in form-encoded text, which is the text carrying %XX escapes.
            doc.sub(_PLUS, _space)
            doc.sub(_PERCENT_RUN, _unquote_run)
    if "&" in doc.text and _ENTITY.search(doc.text):
        # Entity by entity, each at most 34 characters: html.unescape on the whole text
        # raises ValueError on '&#' followed by more than 4300 digits (int() digit limit).
        doc.sub(_ENTITY, _unescape_entity)


def decode_doc(doc: Text) -> None:
    """Undo JSON, hex, URL and HTML encodings repeatedly until stable (bounded rounds)."""
    for _ in range(MAX_DECODE_ROUNDS):
        before = doc.text
        decode_once(doc)
        if doc.text == before:
            break


def decode(text: str) -> str:
    """Undo JSON, hex, URL and HTML encodings repeatedly until stable (bounded rounds)."""
    doc = PlainText(text)
    decode_doc(doc)
    return doc.text


def unconfuse_word(m: re.Match[str]) -> str:
    word = m.group(0)
    mapped = word.translate(CONFUSABLES)
    # Map only mixed-script words that become pure ASCII: 'ignоre' with a Cyrillic о is an
    # evasion; 'инструкции' or an all-caps 'ВСЕ' is Russian and must stay Russian for the
    # multilingual rules (and a SQL engine would not read an all-Cyrillic 'ОR' as OR either).
    if mapped == word or not mapped.isascii() or word.isascii():
        return word
    return mapped if _ASCII_LETTER.search(word) else word


# A whole word (a maximal `\w` run: the lookbehind lets a match start only where a word does,
# and both `\w*` are greedy) holding at least one look-alike. Only such words can change, so
# they are the only ones handed to `unconfuse_word`: a 4 KB text with one Greek letter in it
# cost ~1.5 ms as a Python call per word, ~30 µs so (every confusable is a `\w` character).
_CONFUSABLE_CLASS = "[" + "".join(map(re.escape, sorted(CONFUSABLE_CHARS))) + "]"
_CONFUSABLE_WORD = re.compile(r"(?<!\w)\w*" + _CONFUSABLE_CLASS + r"\w*")


# Any look-alike at all. `frozenset.isdisjoint(text)` makes a string object of each character
# past Latin-1: ~125 µs on the 4 KB Chinese chat body; this class (a bitmap) ~20 µs.
_ANY_CONFUSABLE = re.compile(_CONFUSABLE_CLASS)


def unconfuse(text: str) -> str:
    """Replace Cyrillic/Greek look-alikes inside words that are otherwise Latin."""
    if _ANY_CONFUSABLE.search(text) is None:
        return text
    return _CONFUSABLE_WORD.sub(unconfuse_word, text)


def collapse_whitespace(text: str) -> str:
    """Turn every whitespace run into one space and trim the ends."""
    if _WS_NEEDED.search(text):
        text = WS.sub(" ", text)
    return text.strip()


def normalize(text: str) -> str:
    """Return the canonical form every detector matches against.

    Steps: decode (JSON escapes, URL, HTML; repeated), NFKC, drop invisible characters,
    map look-alikes, casefold, collapse whitespace. Invisible characters go before look-alike
    mapping so a zero-width joiner cannot split a word into two halves that each stay mixed.
    """
    if text.isascii():
        # No controls, no tabs or newlines: only runs of spaces remain. (`isprintable()`
        # looks each character up in the Unicode tables: ~100k instructions on 4 KB, most of
        # the fast path; deleting the plain bytes from the ASCII bytes is ~5 a byte, and
        # what is left says at once whether there is an escape to decode or a control.)
        rest = text.encode("ascii").translate(None, _PLAIN_ASCII)
        if rest and (b"%" in rest or b"&" in rest or b"\\" in rest):
            text = decode(text)
            if not text.isascii():
                return _normalize_unicode(text)
            rest = text.encode("ascii").translate(None, _PRINTABLE_ASCII)
        if not rest:
            text = text.lower()
            return (WS.sub(" ", text) if "  " in text else text).strip()
        if INVISIBLE.search(text):
            text = INVISIBLE.sub("", text)
        return collapse_whitespace(text.lower())
    return _normalize_unicode(decode(text))


def stream_safe(text: str) -> str:
    """Break every run of more than MAX_MARK_RUN combining marks with a CGJ (UAX #15).

    NFKC's canonical reordering is an insertion sort: without this, 100 KB of alternating
    marks costs seconds (quadratic). With it, each run it sorts is at most 30 marks long.
    The run regex's class reaches past the BMP, so `re` tests it as a list of ~200 ranges
    per character (~450 µs per 4 KB); a text with no mark in the BMP and no character past
    it cannot hold a run, and says so in ~20 µs (`_MAY_HOLD_MARKS`).
    """
    if _MAY_HOLD_MARKS.search(text) is None:
        return text
    return _LONG_MARK_RUN.sub(lambda m: m.group(0) + _CGJ, text)


# Full-width ASCII (U+FF01-FF5E) and the ideographic space: each one character whose NFKD is one
# character, so putting that character in its place leaves the text's compatibility
# decomposition, and hence its NFKC, unchanged (`test_fullwidth_nfkd_is_one_character`).
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_FULLWIDTH_NFKD = {
    chr(c): unicodedata.normalize("NFKD", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000)
}


def _nfkc(text: str) -> str:
    """NFKC. One "，" or "？" fails `unicodedata`'s quick check, and Chinese, Japanese and Korean
    prose is full of them: the whole text then goes through decomposition and composition
    (~260 µs on the 4 KB Chinese chat body). Their one-character NFKD put in first, the quick
    check passes and the call returns the text as it is (~2 µs).

    They are put in by `str.replace`, once per distinct character (at most 95 passes, each
    C-speed): a `re.sub` calling Python back per run cost ~33 µs on that body's ~55 runs,
    this ~12 µs. The class is one character, not `[...]+`: `re` skips ahead to a class that
    starts a pattern at C speed, but tries a full match at every position when a repeat
    does (~170 instructions a character)."""
    for char in set(_FULLWIDTH.findall(text)):
        text = text.replace(char, _FULLWIDTH_NFKD[char])
    return unicodedata.normalize("NFKC", text)


def _normalize_unicode(text: str) -> str:
    text = _nfkc(stream_safe(text))
    # NFKC can reveal new escapes (full-width '％３Ｃ' becomes '%3C'): decode once more.
    text = decode(text)
    if _BLANK_OR_INVISIBLE.search(text):
        text = BLANKS.sub(" ", text)
        text = INVISIBLE.sub("", text)
    text = unconfuse(text)
    text = text.casefold()
    if "\u0307" in text:  # Turkish İ casefolds to i + combining dot: "i̇gnore" is "ignore"
        text = text.replace("i\u0307", "i")
    # `collapse_whitespace` as `str.split` does it (its whitespace is `re`'s `\s`, character for
    # character): `\s` is a Unicode table look-up per character in `re`, ~270 µs on the 4 KB
    # Chinese chat body, which has one space.
    return " ".join(text.split())
