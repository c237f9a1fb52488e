"""Cheap, sound prefilters that decide whether a rule's regex needs to run at all.

Python's `re` has no multi-pattern engine, so a rule that starts with an alternation
(`\\b(?:ignore|disregard|...)`) is tried at every position of the text, and even a plain
`"ignore" in text` costs ~2.5 µs on 4 KB. Across ~50 rules that was most of a 1 ms scan of an
ordinary chat message. Instead each text is split into its set of words once (one C-speed
`translate` + `split`), and each rule declares `need`: groups of atoms, every group of which must
have at least one atom present. A word atom (`"ignore"`) is a set lookup; an atom with a
non-word character (`"<|"`, `"--"`) or a leading `*` (`"*jailbr"`: any substring) is a substring
test guarded by a memchr for its rarest character; a trailing `*` (`"ignor*"`: some word starts
with it) is a lookup in the set of three-letter token heads, confirmed by a binary search of
the sorted tokens; `"ac0*34"` also wants that word at least 34 characters long (a fixed-length
key's token), so ordinary words sharing the head (`act`, `skill`) never wake the rule's regex.
Benign text usually fails the first group, so it costs one tokenisation and a few dozen hash
lookups per text.

Soundness is the rule author's promise: a word atom may be listed only if every match of the
regex contains it as a whole word (a maximal run of `\\w` characters), a prefix atom only if
every match contains a whole word starting with it, a substring atom only if every match
contains it. `tests/scanners/text/test_text_gates.py` checks the promise on the
whole corpus by scanning with and without gates.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

PREFIX_LEN = 3
"""Token prefixes are indexed at this length; a prefix atom must be at least this long."""
_HEAD = itemgetter(slice(0, PREFIX_LEN))

_WORD_ATOM = re.compile(r"\w+")
_LONG_PREFIX = re.compile(r"(\w+)\*(\d+)")
_WORDS = re.compile(r"\w+")
# Every ASCII character that is not `\w` becomes a space, so `split()` yields exactly the
# maximal `\w` runs of an ASCII text (the tokens `\b` sees).
_NON_WORD_TO_SPACE = {c: " " for c in range(128) if not chr(c).isalnum() and chr(c) != "_"}
# Characters tried first when guarding a substring atom: rare in prose, so the memchr usually
# fails and the full substring search is skipped.
_RARE_FIRST = "<>|[]{}\\`~^=#*;@$%&\"'/+_:()!?-.,0123456789qzxjkvwyfbgpmucdlhrsnioate"


@dataclass(frozen=True, slots=True)
class Group:
    """Any-of: present when one of `words` is a token or one of `subs` is a substring."""

    words: frozenset[str]
    prefixes: tuple[tuple[str, int], ...]  # some token of >= int chars starts with str
    subs: tuple[tuple[str, str], ...]  # (rarest character, substring)
    ascii_possible: bool  # False when every atom has a non-ASCII character
    least: int = 0  # when every atom is a prefix with a length: the shortest length


def compile_need(need: Sequence[Sequence[str]]) -> tuple[Group, ...]:
    """Turn the author's atom lists into groups; fails at load on an empty or malformed group."""
    groups: list[Group] = []
    for atoms in need:
        if not atoms:
            raise ValueError("a need group must list at least one atom")
        words: set[str] = set()
        prefixes: list[tuple[str, int]] = []
        subs: list[tuple[str, str]] = []
        for atom in atoms:
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
            subs.append((_rarest(atom), atom))
        ascii_possible = any(
            a.isascii() for a in (*words, *(p for p, _ in prefixes), *(s for _, s in subs))
        )
        lengths = [n for _, n in prefixes]
        least = min(lengths) if lengths and not words and not subs and all(lengths) else 0
        groups.append(Group(frozenset(words), tuple(prefixes), tuple(subs), ascii_possible, least))
    return tuple(groups)


def _rarest(atom: str) -> str:
    for ch in _RARE_FIRST:
        if ch in atom:
            return ch
    return atom[0]


class TextView:
    """One normalised text plus what the gates ask of it, each computed at most once."""

    __slots__ = ("_heads", "_longest", "_sorted", "_subs", "_tokens", "is_ascii", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.is_ascii = text.isascii()
        self._tokens: frozenset[str] | None = None
        self._heads: frozenset[str] | None = None
        self._sorted: list[str] | None = None
        self._longest = -1
        self._subs: dict[str, bool] = {}

    @property
    def tokens(self) -> frozenset[str]:
        """The distinct maximal `\\w` runs of the text."""
        if self._tokens is None:
            if self.is_ascii:
                self._tokens = frozenset(self.text.translate(_NON_WORD_TO_SPACE).split())
            else:
                self._tokens = frozenset(_WORDS.findall(self.text))
        return self._tokens

    @property
    def heads(self) -> frozenset[str]:
        """The first PREFIX_LEN characters of every token (shorter tokens stand for
        themselves, and can never equal a head that long)."""
        if self._heads is None:
            self._heads = frozenset(map(_HEAD, self.tokens))  # map: no Python-level loop
        return self._heads

    @property
    def longest(self) -> int:
        """The length of the longest token (a C-speed map, once): a group of long-token
        prefixes fails at once on ordinary prose, without trying its atoms one by one."""
        if self._longest < 0:
            self._longest = max(map(len, self.tokens), default=0)
        return self._longest

    def has_prefix(self, prefix: str, least: int = 0) -> bool:
        """Some token of at least `least` characters starts with `prefix`: its head is
        indexed; a longer prefix or a length is then confirmed by a binary search of the
        sorted tokens, where a substring search would read the whole text (~2 µs on 4 KB, per
        prefix)."""
        if prefix[:PREFIX_LEN] not in self.heads:
            return False
        if len(prefix) == PREFIX_LEN and not least:
            return True
        if least and self.longest < least:
            return False
        if self._sorted is None:
            self._sorted = sorted(self.tokens)
        tokens = self._sorted
        index = bisect_left(tokens, prefix)
        while index < len(tokens) and tokens[index].startswith(prefix):
            if len(tokens[index]) >= least:
                return True
            index += 1
        return False

    def has(self, key: str, sub: str) -> bool:
        """`sub in text`, cached, after a memchr for `key` (a character of `sub`)."""
        hit = self._subs.get(sub)
        if hit is None:
            hit = self._subs[sub] = key in self.text and sub in self.text
        return hit

    def satisfies(self, groups: tuple[Group, ...]) -> bool:
        """True when every group has an atom present: the rule's regex may match."""
        tokens = self.tokens
        for g in groups:
            if self.is_ascii and not g.ascii_possible:
                return False
            if g.least and self.longest < g.least:
                return False
            if not g.words.isdisjoint(tokens):
                continue
            if any(self.has_prefix(p, n) for p, n in g.prefixes):
                continue
            for key, sub in g.subs:
                if self.has(key, sub):
                    break
            else:
                return False
        return True
