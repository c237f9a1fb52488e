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

All of a detector's rules are decided together (`GatePlan`), and a scanner decides all its
detectors' plans as one per text (`JointPlan`): each (rule, group) is a bit, each present
atom sets its bits; every substring atom of two or more characters is found by one
Aho-Corasick pass over the text (`SubstringIndex`), shared by all checks. On the 4 KB
benchmark body the six checks went from ~270 to ~210 µs (`python -m benchmarks.scan_ab`)
with a plan per check, to ~127 with one joint plan; the property tests in
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
from dataclasses import dataclass, field
from operator import itemgetter

from scanners.text.substrings import SUBSTRINGS

PREFIX_LEN = 3
"""Token prefixes are indexed at this length; a prefix atom must be at least this long."""
_HEAD = itemgetter(slice(0, PREFIX_LEN))

_WORD_ATOM = re.compile(r"\w+")
_LONG_PREFIX = re.compile(r"(\w+)\*(\d+)")
_WORDS = re.compile(r"\w+")
# Every ASCII character that is not `\w` becomes a space, so `split()` yields exactly the
# maximal `\w` runs of an ASCII text (the tokens `\b` sees). A bytes table: `bytes.translate`
# is a C table lookup per byte, where `str.translate` with a dict looks each distinct
# character up in the dict first (~1 µs on a sentence, against ~0.2).
_NON_WORD_TO_SPACE = bytes(
    c if c < 128 and (chr(c).isalnum() or chr(c) == "_") else 32 for c in range(256)
)
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
    # `prefixes` by their PREFIX_LEN head: a text's head set is intersected with `heads` at C
    # speed, and only the prefixes of heads it holds are tried (a group of 47 Turkish stems
    # cost ~20 µs per 4 KB of English tried one by one; now one set operation).
    heads: frozenset[str] = frozenset()
    by_head: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict, compare=False)


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
            SUBSTRINGS.add(atom)
        ascii_possible = any(
            a.isascii() for a in (*words, *(p for p, _ in prefixes), *(s for _, s in subs))
        )
        lengths = [n for _, n in prefixes]
        least = min(lengths) if lengths and not words and not subs and all(lengths) else 0
        by_head: dict[str, list[tuple[str, int]]] = {}
        for prefix in prefixes:
            by_head.setdefault(_HEAD(prefix[0]), []).append(prefix)
        groups.append(
            Group(
                frozenset(words),
                tuple(prefixes),
                tuple(subs),
                ascii_possible,
                least,
                frozenset(by_head),
                {head: tuple(ps) for head, ps in by_head.items()},
            )
        )
    return tuple(groups)


def _rarest(atom: str) -> str:
    """The atom's guard character: a non-ASCII one when it has one (absent from every ASCII
    text, which is nearly every chat message), else the rarest in prose."""
    for ch in atom:
        if not ch.isascii():
            return ch
    for ch in _RARE_FIRST:
        if ch in atom:
            return ch
    return atom[0]


class TextView:
    """One normalised text plus what the gates ask of it, each computed at most once.

    The word set (`tokens`) is built at once: every scan reads it (the gates' words, the
    classifier, the encoded-run cues), so a lazy property only added a call per read.
    """

    __slots__ = (
        "_heads",
        "_known",
        "_longest",
        "_present",
        "_sorted",
        "decided",
        "decided_for",
        "is_ascii",
        "text",
        "tokens",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.is_ascii = ascii = text.isascii()
        # The distinct maximal `\w` runs of the text.
        self.tokens: frozenset[str] = (
            frozenset(text.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split())
            if ascii
            else frozenset(_WORDS.findall(text))
        )
        self._heads: frozenset[str] | None = None
        self._sorted: list[str] | None = None
        self._longest = -1
        self._present: frozenset[str] | None = None
        self._known: frozenset[str] = frozenset()
        # When a `JointPlan` decided this text: the passing rules of each plan that has any,
        # and every plan it decided (a plan among them and not in `decided` passes none).
        self.decided: Mapping[object, Sequence[int]] | None = None
        self.decided_for: frozenset[object] = frozenset()

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

    @property
    def substrings(self) -> frozenset[str]:
        """The atoms of `SUBSTRINGS` the text holds (its one Aho-Corasick pass)."""
        if self._present is None:
            self._present, self._known = SUBSTRINGS.present(self.text)
        return self._present

    @property
    def indexed(self) -> bool:
        """Whether the text's Aho-Corasick pass (`has`) already ran."""
        return self._present is not None

    def has_prefix(self, prefix: str, least: int = 0) -> bool:
        """Some token of at least `least` characters starts with `prefix`: its head is
        indexed; a longer prefix or a length is then confirmed by a binary search of the
        sorted tokens, where a substring search would read the whole text (~2 µs on 4 KB, per
        prefix)."""
        if prefix[:PREFIX_LEN] not in self.heads:
            return False
        return self.has_prefix_of_head(prefix, least)

    def has_prefix_of_head(self, prefix: str, least: int = 0) -> bool:
        """`has_prefix` for a prefix whose head the caller knows to be present."""
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
        """`sub in text`: a memchr for `key` (a character of `sub`, or "" when already
        checked) first; then, for an atom
        of several characters, the one Aho-Corasick pass of `SUBSTRINGS` over the text."""
        if key and key not in self.text:
            return False
        if len(sub) == 1:
            return True
        if self._present is None:
            self._present, self._known = SUBSTRINGS.present(self.text)
        if sub in self._known:
            return sub in self._present
        return sub in self.text  # an atom never compiled by compile_need

    def _has_any_prefix(self, group: Group) -> bool:
        """Some prefix atom of `group` is present; only heads the text holds are tried."""
        heads = self.heads
        if group.heads.isdisjoint(heads):
            return False
        for head in group.heads & heads:
            for prefix, least in group.by_head[head]:
                if len(prefix) == PREFIX_LEN and not least:
                    return True
                if self.has_prefix(prefix, least):
                    return True
        return False

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
            if g.prefixes and self._has_any_prefix(g):
                continue
            for key, sub in g.subs:
                if self.has(key, sub):
                    break
            else:
                return False
        return True
