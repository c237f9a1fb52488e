"""One pass over a text for every substring atom of the rules' gates (see `gates`)."""

from __future__ import annotations

import re
from operator import itemgetter
from threading import Lock

from ahocorasick_rs import AhoCorasick, Implementation

_SURROGATE = re.compile("[\ud800-\udfff]")
_INDEX = itemgetter(0)
SHORT_TEXT = 160
"""Up to this many characters, a text's one-character atoms are found by the same pass as
the longer ones (its few extra matches cost less than a separate look at its characters:
~500 instructions against ~5,000 for a set intersection with the text or a table-built
`bytes.translate`); a longer text, where `.` and `,` match hundreds of times, tests each
one-character atom with a memchr instead (`GatePlan.passing`)."""

Built = tuple[AhoCorasick, AhoCorasick, tuple[str, ...], frozenset[str]]


class SubstringIndex:
    """Every substring atom that any rule was compiled with, found in a text by one
    Aho-Corasick pass (`ahocorasick_rs`, C speed, overlapping matches, so every atom present
    is reported): the atoms of two or more characters in every text, the one-character ones
    too in a short text (`SHORT_TEXT`).

    Python's `sub in text` is a fresh two-way search per atom (~3-5 µs on 4 KB when the
    atom's guard character occurs, as `k` of `akia` does in any prose); a text that woke a
    dozen secrets and path rules paid for a dozen. One pass over the text answers for all
    ~220 atoms (`python -m benchmarks.scan_ab`). The automata are rebuilt when a rule compiled
    later (a custom rule at config load) brings a new atom.
    """

    def __init__(self) -> None:
        self._atoms: list[str] = []
        self._singles: list[str] = []
        self._known: set[str] = set()
        self._built: Built | None = None
        self._lock = Lock()

    def add(self, atom: str) -> None:
        if atom and atom not in self._known:
            with self._lock:
                if atom not in self._known:
                    (self._atoms if len(atom) > 1 else self._singles).append(atom)
                    self._known.add(atom)
                    self._built = None

    def _build(self) -> Built:
        with self._lock:
            # The short texts' automaton holds every atom, the longer ones first: a match's
            # index below len(atoms) is the same atom in both automata.
            atoms = tuple(self._atoms)
            every = (*atoms, *self._singles)
            built = self._built = (
                AhoCorasick(atoms, implementation=Implementation.DFA),
                AhoCorasick(every, implementation=Implementation.DFA),
                every,
                frozenset(atoms),
            )
        return built

    def present(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """(atoms found in `text`: every one of two or more characters, and in a text of at
        most `SHORT_TEXT` characters the one-character ones as well; every atom of two or
        more characters the automaton knows)."""
        built = self._built
        if built is None:
            built = self._build()
        longer, short, atoms, known = built
        if not text.isascii() and _SURROGATE.search(text):
            # The automaton takes UTF-8, which has no lone surrogates; the normaliser makes
            # them from `\ud800`, `%ud800` escapes. No atom holds one, so a stand-in is exact.
            text = _SURROGATE.sub("\ufffd", text)
        automaton = short if len(text) <= SHORT_TEXT else longer
        found = automaton.find_matches_as_indexes(text, overlapping=True)
        return frozenset(map(atoms.__getitem__, map(_INDEX, found))), known


SUBSTRINGS = SubstringIndex()
"""The process-wide index of substring atoms (they are few, and shared by every scanner)."""
