"""Cheap, sound prefilters that decide whether a rule's regex needs to run at all.

Python's `re` has no multi-pattern engine, so a rule that starts with an alternation
(`\\b(?:ignore|disregard|...)`) is tried at every position of the text, and even a plain
`"ignore" in text` costs ~2.5 µs on 4 KB. Across ~50 rules that was most of a 1 ms scan of an
ordinary chat message. Instead each rule declares `need`: groups of atoms, every group of
which must have at least one atom present. A word atom (`"ignore"`) must be a whole word of
the text (a maximal run of `\\w`); an atom with a non-word character (`"<|"`, `"--"`) or a
leading `*` (`"*jailbr"`) any substring; a trailing `*` (`"ignor*"`) some word starting with
it; `"ac0*34"` also wants that word at least 34 characters long (a fixed-length key's token),
so ordinary words sharing the head (`act`, `skill`) never wake the rule's regex; `"~24"` is
any word of 24 or more characters (how every long token starts: a key, a hash, base64).

Every atom of every rule is found by one Aho-Corasick pass over the text and its word form
(`atoms`: words, word starts and substrings alike, ~3k instructions on a sentence); only a
long-token prefix is then confirmed against the text's tokens, and only when a rule could
pass with it. All of a detector's rules are decided together (`GatePlan`), and a scanner
decides all its detectors' plans as one per text (`JointPlan`): each (rule, group) is a bit,
each present atom sets its bits. The property tests in
`tests/scanners/text/test_gate_plan.py` hold the plans to a plain-Python reference, and
`python -m evals.same_findings` holds the gated scan to the ungated one on every eval text.

Soundness is the rule author's promise: a word atom may be listed only if every match of the
regex contains it as a whole word (a maximal run of `\\w` characters), a prefix atom only if
every match contains a whole word starting with it, a substring atom only if every match
contains it. `tests/scanners/text/test_text_gates.py` checks the promise on the
whole corpus by scanning with and without gates.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from scanners.text.atoms import (
    ATOMS,
    LONG,
    LONG_WORD,
    NON_WORD_TO_SEP,
    SEP,
    prefix_key,
    word_form,
    word_key,
)

PREFIX_LEN = 3
"""The shortest prefix atom."""

_COUNTED = 256
"""Up to this many characters, `TextView.fewer_words_than` counts separators first."""
_WORD_ATOM = re.compile(r"\w+")
_LONG_PREFIX = re.compile(r"(\w+)\*(\d+)")


@dataclass(frozen=True, slots=True)
class Group:
    """Any-of: present when one of its atoms is (`keys`, as `atoms` finds them)."""

    words: frozenset[str]
    prefixes: tuple[tuple[str, int], ...]  # some token of >= int chars starts with str
    subs: tuple[str, ...]
    keys: frozenset[str]  # every atom but the long-token prefixes, as `atoms` keys
    dear: tuple[tuple[str, str, int], ...]  # (key, prefix, least) of the long-token prefixes
    maybe: frozenset[str]  # `keys` and the long-token prefixes' keys: one may be present
    long_word: bool = False  # `~24`: or a word of `atoms.LONG_WORD` or more characters


def compile_need(need: Sequence[Sequence[str]]) -> tuple[Group, ...]:
    """Turn the author's atom lists into groups; fails at load on an empty or malformed group."""
    groups: list[Group] = []
    for atoms in need:
        if not atoms:
            raise ValueError("a need group must list at least one atom")
        words: set[str] = set()
        prefixes: list[tuple[str, int]] = []
        subs: list[str] = []
        long_word = False
        for atom in atoms:
            if atom == f"~{LONG_WORD}":
                long_word = True
                continue
            long = _LONG_PREFIX.fullmatch(atom)
            if long is not None or (atom.endswith("*") and _WORD_ATOM.fullmatch(atom[:-1])):
                head = long.group(1) if long is not None else atom[:-1]
                if len(head) < PREFIX_LEN or head != head.casefold():
                    raise ValueError(f"prefix atom {atom!r}: lowercase, >= {PREFIX_LEN} chars")
                prefixes.append((head, int(long.group(2)) if long is not None else 0))
                continue
            if atom.startswith("*"):
                atom = atom[1:]
            elif _WORD_ATOM.fullmatch(atom):
                if atom != atom.casefold():
                    raise ValueError(f"need atom {atom!r} must be lowercase")
                words.add(atom)
                continue
            if not atom:
                raise ValueError("empty need atom")
            subs.append(atom)
        groups.append(group_of(frozenset(words), tuple(prefixes), tuple(subs), long_word))
    return tuple(groups)


def group_of(
    words: frozenset[str],
    prefixes: tuple[tuple[str, int], ...],
    subs: tuple[str, ...],
    long_word: bool = False,
) -> Group:
    """The group of these atoms, each registered with the one pass (`atoms.ATOMS`)."""
    keys = {
        *map(word_key, words),
        *(prefix_key(p) for p, least in prefixes if not least),
        *subs,
        *((LONG,) if long_word else ()),
    }
    dear = tuple((prefix_key(p), p, least) for p, least in prefixes if least)
    for key in (*keys, *(k for k, _, _ in dear)):
        ATOMS.add(key)
    maybe = frozenset((*keys, *(k for k, _, _ in dear)))
    return Group(words, prefixes, subs, frozenset(keys), dear, maybe, long_word)


class TextView:
    """One normalised text plus what the gates ask of it, each computed at most once.

    The one pass (`atoms`) is what every scan reads; the word set (`tokens`) only the
    classifier and a long-token prefix need, so it is built on first use.
    """

    __slots__ = (
        "_atoms",
        "_generation",
        "_longest",
        "_sorted",
        "_tokens",
        "decided",
        "decided_for",
        "is_ascii",
        "text",
        "words",
    )

    def __init__(self, text: str) -> None:
        # Only what every scan reads is set here; `_sorted` and `_longest` on first use,
        # `decided_for` with `decided`.
        self.text = text
        self.is_ascii = ascii = text.isascii()
        # `atoms.word_form`, written out for the ASCII text nearly every scan reads; the
        # one pass runs here, on the same bytes (every scan reads its keys)
        self._generation = ATOMS.generation
        if ascii:
            raw = text.encode("ascii")
            self.words = words = f"{SEP}{raw.translate(NON_WORD_TO_SEP).decode('ascii')}{SEP}"
            self._atoms = ATOMS.present_ascii(text, words, raw)
        else:
            self.words = words = word_form(text, False)
            self._atoms = ATOMS.present(text, words, False)
        self._tokens: frozenset[str] | None = None
        # When a `JointPlan` decided this text: the passing rules of each plan that has any,
        # and every plan it decided (a plan among them and not in `decided` passes none).
        self.decided: Mapping[object, Sequence[int]] | None = None
        self.decided_for: frozenset[object]  # set with `decided`

    @property
    def tokens(self) -> frozenset[str]:
        """The distinct maximal `\\w` runs of the text."""
        if self._tokens is None:
            self._tokens = frozenset(self.words.split())
        return self._tokens

    @property
    def atoms(self) -> frozenset[str]:
        """The keys of every atom the text holds: its one Aho-Corasick pass (`atoms`), run
        again only if a key was registered since."""
        if self._generation != ATOMS.generation:
            self._generation = ATOMS.generation
            self._atoms = ATOMS.present(self.text, self.words, self.is_ascii)
        return self._atoms

    def fewer_words_than(self, count: int) -> bool:
        """Whether the text has fewer than `count` distinct words; without building the word
        set when the text is short and its separators alone bound the number of words below
        `count` (each word of the word form lies between two). A longer text's set decides
        at once: counting the separators of 4 KB of prose cost ~20k instructions and spared
        nothing (the classifier reads the set next), and a long text of few words is a set
        of few words."""
        if self._tokens is None and len(self.words) <= _COUNTED and self.words.count(SEP) <= count:
            return True
        return len(self.tokens) < count

    @property
    def longest(self) -> int:
        """The length of the longest token."""
        longest: int = getattr(self, "_longest", -1)
        if longest < 0:
            longest = self._longest = max(map(len, self.tokens), default=0)
        return longest

    def has_token_of(self, length: int) -> bool:
        """Some token is at least `length` characters long: no when the one pass found no
        word of `atoms.LONG_WORD`; else the word set's longest word when the set was built
        anyway (it costs ~500k instructions on 4 KB), else one regex search of the word
        form, from `SEP` to `SEP`."""
        if len(self.text) < length:
            return False
        if length >= LONG_WORD:
            if LONG not in self.atoms:
                return False
            if length == LONG_WORD:
                return True
        if self._tokens is not None:
            return self.longest >= length
        return _run_of(length).search(self.words) is not None

    def has_prefix(self, prefix: str, least: int = 0) -> bool:
        """Some token of at least `least` characters starts with `prefix`: a binary search
        of the sorted tokens, where a substring search would read the whole text (~2 µs on
        4 KB, per prefix)."""
        if least and not self.has_token_of(least):
            return False
        tokens: list[str] | None = getattr(self, "_sorted", None)
        if tokens is None:
            tokens = self._sorted = sorted(self.tokens)
        index = bisect_left(tokens, prefix)
        while index < len(tokens) and tokens[index].startswith(prefix):
            if len(tokens[index]) >= least:
                return True
            index += 1
        return False

    def satisfies(self, groups: tuple[Group, ...]) -> bool:
        """True when every group has an atom present: the rule's regex may match."""
        atoms = self.atoms
        for g in groups:
            if not g.keys.isdisjoint(atoms):
                continue
            if any(k in atoms and self.has_prefix(p, n) for k, p, n in g.dear):
                continue
            return False
        return True


@cache
def _run_of(length: int) -> re.Pattern[str]:
    return re.compile(f"{SEP}[^{SEP}]{{{length}}}")
