"""One pass over a text for every substring atom of the rules' gates (see `gates`)."""

from __future__ import annotations

import re
from threading import Lock

from ahocorasick_rs import AhoCorasick, Implementation

_SURROGATE = re.compile("[\ud800-\udfff]")


class SubstringIndex:
    """Every substring atom of two or more characters that any rule was compiled with, found
    in a text by one Aho-Corasick pass (`ahocorasick_rs`, C speed, overlapping matches, so
    every atom present is reported).

    Python's `sub in text` is a fresh two-way search per atom (~3-5 µs on 4 KB when the
    atom's guard character occurs, as `k` of `akia` does in any prose); a text that woke a
    dozen secrets and path rules paid for a dozen. One pass over the text answers for all
    ~220 atoms (`python -m benchmarks.scan_ab`). The automaton is rebuilt when a rule compiled
    later (a custom rule at config load) brings a new atom.
    """

    def __init__(self) -> None:
        self._atoms: list[str] = []
        self._known: set[str] = set()
        self._built: tuple[AhoCorasick, tuple[str, ...], frozenset[str]] | None = None
        self._lock = Lock()

    def add(self, atom: str) -> None:
        if len(atom) > 1 and atom not in self._known:
            with self._lock:
                if atom not in self._known:
                    self._atoms.append(atom)
                    self._known.add(atom)
                    self._built = None

    def present(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """(atoms found in `text`, every atom the automaton knows)."""
        built = self._built
        if built is None:
            with self._lock:
                atoms = tuple(self._atoms)
                built = self._built = (
                    AhoCorasick(atoms, implementation=Implementation.DFA),
                    atoms,
                    frozenset(atoms),
                )
        automaton, atoms, known = built
        if not text.isascii() and _SURROGATE.search(text):
            # The automaton takes UTF-8, which has no lone surrogates; the normaliser makes
            # them from `\ud800`, `%ud800` escapes. No atom holds one, so a stand-in is exact.
            text = _SURROGATE.sub("\ufffd", text)
        found = automaton.find_matches_as_indexes(text, overlapping=True)
        return frozenset([atoms[i] for i, _, _ in found]), known


SUBSTRINGS = SubstringIndex()
"""The process-wide index of substring atoms (they are few, and shared by every scanner)."""
