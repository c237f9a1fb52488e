"""One Aho-Corasick pass over a text for every atom of the rules' gates (see `gates`): its
words, the starts of its words and its substrings, all at once.

Why one pass: deciding a short text's gates took three looks at it, each with its own
constant cost: its word set (`translate` + `split` + a frozenset, ~13k instructions for a
49-character sentence), the three-letter heads of its words (a slice per word and a second
set), and an Aho-Corasick pass for the substring atoms, plus the Python calls that joined
them; on the benchmark's two-sentence chat body the six checks cost ~160k instructions per
scan, ~70k of it this fixed part (`python -m benchmarks.scan_instructions`). Now the
automaton knows every atom in one form that a single pass over one haystack reports:

- a substring atom `s` as itself, found in the text;
- a word atom `w` as `SEP + w + SEP`, and a prefix atom `p` as `SEP + p`, found in the
  text's *word form*: a copy with every character that is not `\\w` replaced by `SEP` (one
  C-speed `bytes.translate` for ASCII), so `SEP` marks exactly the token boundaries `\\b`
  sees;
- "a word of 24 or more characters" as `LONG`, which no haystack holds: in an ASCII text it
  is `LONG_WORD` marks in a row in the text's *shape* (below), a substring test at C speed.

The haystack is the text followed by its word form, which starts and ends with `SEP`.
Measured (`python -m benchmarks.scan_instructions`, docs/input-scanning.md
"Cost"): the two-sentence chat body's six checks went from ~160k to ~87k instructions per
scan, the 4 KB prose body from ~1.36M to ~1.18M.

`SEP` (U+001F) is a control character that the normaliser always removes and that no atom
may hold (`add` refuses one). A substring atom found in the word form (only one made of word
characters can be) is in the text anyway; a word or prefix key found in the text half of a
raw text holding `SEP` (one never normalised) is there because `SEP`, not being `\\w`, ends
a word there too: the keys found are exactly the atoms present.

Keys found come back as the automaton's own stored strings (`find_matches_as_strings`), so
the plans' set operations on them use cached hashes.
"""

from __future__ import annotations

import re
from threading import Lock

from ahocorasick_rs import AhoCorasick, Implementation

SEP = "\x1f"
"""Token boundary in the word form; `str.split()` treats it as whitespace."""
SHORT_TEXT = 160
"""Up to this many characters, an ASCII text's shape (see `LONG`) is read by the same pass
as the rest, one call; a longer text's by one substring search (the automaton read 4 KB of
shape at ~25 instructions a character).

One-character atoms are found by the same pass in every text. A text longer than this used
to test each with a memchr instead (`.` and `,` match often), but the 35 memchr calls, most
of them reading all 4 KB for a character prose does not hold, cost more than the matches:
one pass took the 4 KB chat body's six checks 1,143,015 -> 1,130,258 instructions, and a
4 KB docs slice (code, `.` and `(` everywhere) moved within its run-to-run spread of ~0.5 %
(`python -m benchmarks.scan_instructions`); one automaton is built instead of two."""

MARK = "\x1e"
"""Stands for every word character in the text's *shape* (see `LONG`)."""
LONG_WORD = 24
LONG = SEP + MARK * LONG_WORD
"""The key added to a text's atoms when it has a word of `LONG_WORD` or more characters. In
an ASCII text that is `LONG_WORD` marks in a row in its shape, a copy with every word
character `MARK` and every other `SEP` (one `bytes.translate` and one substring search,
~60k instructions on 4 KB of prose: the automaton reading the shape as a third part of its
haystack cost ~150k, a regex search of the word form from each `SEP` ~140k); in a non-ASCII
text such a regex search decides it. The encoded-run cue asks it of every text, and a rule's
`~24` atom is this key."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_WORD = re.compile(r"\W\W*")
"""`\\W+` as `re` can skip to: a pattern that starts with a repeat is tried at every
position (~25 vs ~20 µs on the 4 KB Chinese chat body, whose punctuation is its only `\\W`)."""
_LONG_RUN = re.compile(f"{SEP}[^{SEP}]{{{LONG_WORD}}}")
# Every ASCII byte that is not `\w` becomes SEP, so `split()` yields exactly the maximal `\w`
# runs of an ASCII text (the tokens `\b` sees). `bytes.translate` is a C table lookup per
# byte, where `str.translate` with a dict looks each distinct character up in the dict first.
NON_WORD_TO_SEP = bytes(
    c if c < 128 and (chr(c).isalnum() or chr(c) == "_") else ord(SEP) for c in range(256)
)
_SHAPE = bytes(ord(MARK) if c != ord(SEP) else c for c in NON_WORD_TO_SEP)
_LONG_SHAPE = MARK.encode("ascii") * LONG_WORD


def word_key(word: str) -> str:
    """The key under which a whole-word atom is found."""
    return SEP + word + SEP


def prefix_key(prefix: str) -> str:
    """The key under which "some word starts with `prefix`" is found."""
    return SEP + prefix


def word_form(text: str, is_ascii: bool) -> str:
    """`text` with every run of characters that are not `\\w` replaced by `SEP`, and `SEP`
    at both ends: every word lies between two `SEP`s, and `split()` yields the words."""
    if is_ascii:
        return f"{SEP}{text.encode('ascii').translate(NON_WORD_TO_SEP).decode('ascii')}{SEP}"
    return f"{SEP}{_NON_WORD.sub(SEP, text)}{SEP}"


def searchable(text: str) -> str:
    """`text` as the automaton may read it (UTF-8): a lone surrogate (the normaliser makes
    them from `\\ud800`, `%ud800` escapes) becomes U+FFFD. No atom holds a surrogate, so
    the stand-in is exact."""
    if _SURROGATE.search(text):
        return _SURROGATE.sub("\ufffd", text)
    return text


class AtomIndex:
    """Every key any plan or cue registered, found in a text by one Aho-Corasick pass
    (`ahocorasick_rs`, C speed, overlapping matches, so every key present is reported). The
    automaton is rebuilt when a key registered later (a rule compiled after the first scan)
    is new; `generation` counts the keys, so a view found before one was added is found
    again (`TextView.atoms`)."""

    def __init__(self) -> None:
        self._keys: list[str] = [LONG]
        self._known: set[str] = {LONG}
        self._built: AhoCorasick | None = None
        self._lock = Lock()
        self.generation = 0

    def add(self, key: str) -> int:
        """Register `key`; returns the generation that knows it."""
        if key not in self._known:
            if key != LONG and (not key.strip(SEP) or SEP in key.strip(SEP) or MARK in key):
                raise ValueError(f"atom {key!r} is empty or holds a control character")
            with self._lock:
                if key not in self._known:
                    self._keys.append(key)
                    self._known.add(key)
                    self._built = None
                    self.generation += 1
        return self.generation

    def ready(self) -> None:
        """Build the automaton now, where the caller compiles (a scanner at config load), so
        no request pays for it (~0.07 s for a six-check scanner, which the first request
        paid before). A key registered later (a reload with new rules) makes the next
        `ready` rebuild it."""
        if self._built is None:
            self._build()

    def _build(self) -> AhoCorasick:
        with self._lock:
            # the longer keys first, then the one-character ones, ASCII first: as the two
            # automata had them (in the order registered, a short text's scan measured ~2 %
            # more instructions: the matches come back in another order)
            keys = sorted(self._keys, key=lambda k: (len(k) == 1, not k.isascii()))
            built = self._built = AhoCorasick(
                keys, implementation=Implementation.DFA, store_patterns=True
            )
        return built

    def present(self, text: str, words: str, is_ascii: bool) -> frozenset[str]:
        """The keys found in `text`, whose word form (`word_form`) is `words`: one pass of
        the automaton over both, and `LONG` in its shape or by a regex search."""
        if is_ascii:
            return self.present_ascii(text, words, text.encode("ascii"))
        built = self._built
        if built is None:
            built = self._build()
        matches = built.find_matches_as_strings(searchable(text) + words, overlapping=True)
        if _LONG_RUN.search(words):
            matches.append(LONG)
        return frozenset(matches)

    def present_ascii(self, text: str, words: str, raw: bytes) -> frozenset[str]:
        """`present` for an ASCII `text` whose bytes are `raw` (the caller encoded it)."""
        built = self._built
        if built is None:
            built = self._build()
        shape = raw.translate(_SHAPE)
        if len(text) <= SHORT_TEXT:  # the shape read with the rest: one call, not two
            haystack = text + words + shape.decode("ascii")
            return frozenset(built.find_matches_as_strings(haystack, overlapping=True))
        matches = built.find_matches_as_strings(text + words, overlapping=True)
        if _LONG_SHAPE in shape:
            matches.append(LONG)
        return frozenset(matches)


ATOMS = AtomIndex()
"""The process-wide index of gate atoms and cues (they are few, and shared by every scanner)."""
