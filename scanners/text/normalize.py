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
from urllib.parse import unquote

from scanners.text.confusables import CONFUSABLE_CHARS, CONFUSABLES
from scanners.text.marks import COMBINING_CLASS, MAX_MARK_RUN

MAX_DECODE_ROUNDS = 4
"""Decoding repeats until the text stops changing, at most this many rounds (%2525253C...)."""

_WS = re.compile(r"\s+")
_WS_NEEDED = re.compile(r"\s\s|[\t\n\r\f\v]")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|%u([0-9a-fA-F]{4})")
_SURROGATE_PAIR = re.compile(r"[\ud800-\udbff][\udc00-\udfff]")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
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
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U000e0000-\U000e007f"
    "\x00-\x08\x0e-\x1f\x7f-\x9f]"
)
_LONG_MARK_RUN = re.compile(f"{COMBINING_CLASS}{{{MAX_MARK_RUN}}}(?={COMBINING_CLASS})")
_CGJ = "\u034f"  # combining grapheme joiner: class 0, and in _INVISIBLE, so it is dropped later
_WORD = re.compile(r"\w+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _json_char(m: re.Match[str]) -> str:
    code = int(m.group(1) or m.group(2), 16)
    return chr(code)


def _join_surrogates(m: re.Match[str]) -> str:
    hi, lo = ord(m.group(0)[0]), ord(m.group(0)[1])
    return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))


def _unescape_entity(m: re.Match[str]) -> str:
    return html.unescape(m.group(0))


def _decode_once(text: str) -> str:
    """One round of JSON, URL and HTML decoding, each only when its marker is present."""
    if "\\u" in text or "%u" in text or "%U" in text:
        text = _JSON_ESCAPE.sub(_json_char, text)
        if _SURROGATE_PAIR.search(text):
            text = _SURROGATE_PAIR.sub(_join_surrogates, text)
    if "%" in text:
        if _OVERLONG.search(text):
            text = _OVERLONG.sub(lambda m: _OVERLONG_MAP[m.group(0).lower()], text)
        if _PERCENT.search(text):
            # '+' is a space only in form-encoded text, which is the text carrying %XX escapes.
            text = unquote(text.replace("+", " "), errors="replace")
    if "&" in text and _ENTITY.search(text):
        # Entity by entity, each at most 34 characters: html.unescape on the whole text
        # raises ValueError on '&#' followed by more than 4300 digits (int() digit limit).
        text = _ENTITY.sub(_unescape_entity, text)
    return text


def decode(text: str) -> str:
    """Undo JSON, URL and HTML encodings repeatedly until stable (bounded rounds)."""
    for _ in range(MAX_DECODE_ROUNDS):
        decoded = _decode_once(text)
        if decoded == text:
            break
        text = decoded
    return text


def _unconfuse_word(m: re.Match[str]) -> str:
    word = m.group(0)
    mapped = word.translate(CONFUSABLES)
    # Map only mixed-script words that become pure ASCII: 'ignоre' with a Cyrillic о is an
    # evasion; 'инструкции' or an all-caps 'ВСЕ' is Russian and must stay Russian for the
    # multilingual rules (and a SQL engine would not read an all-Cyrillic 'ОR' as OR either).
    if mapped == word or not mapped.isascii() or word.isascii():
        return word
    return mapped if _ASCII_LETTER.search(word) else word


def unconfuse(text: str) -> str:
    """Replace Cyrillic/Greek look-alikes inside words that are otherwise Latin."""
    if CONFUSABLE_CHARS.isdisjoint(text):
        return text
    return _WORD.sub(_unconfuse_word, text)


def collapse_whitespace(text: str) -> str:
    """Turn every whitespace run into one space and trim the ends."""
    if _WS_NEEDED.search(text):
        text = _WS.sub(" ", text)
    return text.strip()


def normalize(text: str) -> str:
    """Return the canonical form every detector matches against.

    Steps: decode (JSON escapes, URL, HTML; repeated), NFKC, drop invisible characters,
    map look-alikes, casefold, collapse whitespace. Invisible characters go before look-alike
    mapping so a zero-width joiner cannot split a word into two halves that each stay mixed.
    """
    if text.isascii():
        if "%" in text or "&" in text or "\\" in text:
            text = decode(text)
            if not text.isascii():
                return _normalize_unicode(text)
        if text.isprintable():  # no controls, no tabs or newlines: only runs of spaces remain
            text = text.lower()
            return (_WS.sub(" ", text) if "  " in text else text).strip()
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
        return collapse_whitespace(text.lower())
    return _normalize_unicode(decode(text))


def stream_safe(text: str) -> str:
    """Break every run of more than MAX_MARK_RUN combining marks with a CGJ (UAX #15).

    NFKC's canonical reordering is an insertion sort: without this, 100 KB of alternating
    marks costs seconds (quadratic). With it, each run it sorts is at most 30 marks long.
    """
    return _LONG_MARK_RUN.sub(lambda m: m.group(0) + _CGJ, text)


def _normalize_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", stream_safe(text))
    # NFKC can reveal new escapes (full-width '％３Ｃ' becomes '%3C'): decode once more.
    text = decode(text)
    text = _INVISIBLE.sub("", text)
    text = unconfuse(text)
    return collapse_whitespace(text.casefold())
