"""`GatePlan`: every rule of a detector gated in one pass over a text's atoms (see `gates`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from scanners.text.gates import PREFIX_LEN, Group, TextView

_HEAD = itemgetter(slice(0, PREFIX_LEN))


class GatePlan:
    """All the need groups of a detector's rules, evaluated together: one pass per text.

    Each (rule, group) pair is one bit. Each atom maps to the bits of the groups it satisfies;
    a text's mask is the OR of its present atoms' bits, and a rule passes when all its bits
    are set: exactly `TextView.satisfies(rule.need)` for every rule, at the cost of the atoms
    the text holds rather than of a Python call per rule and per group (with ~80
    prompt-injection rules the calls, not the lookups, were most of a scan of ordinary text).

    Cheap atoms are decided first: words (one set intersection with the tokens), three-letter
    prefixes (one with the token heads), one-character substrings (a memchr each). Dearer ones
    (a longer substring: the text's Aho-Corasick pass; a longer prefix: a binary search of the
    sorted tokens) are first assumed present when their guard is (the substring's guard
    character, the prefix's head); only if some rule could then pass are they decided, and
    only those that such a rule still needs. Ordinary prose usually stops after the cheap
    atoms.
    """

    __slots__ = ("_always", "_ascii_chars", "_by_head", "_by_word", "_first_bits", "_first_of",
                 "_head_keys", "_needs", "_other_chars", "_word_keys")  # fmt: skip

    def __init__(self, needs: Sequence[tuple[Group, ...]]) -> None:
        by_word: dict[str, int] = {}
        by_head: dict[str, dict[tuple[str, int], int]] = {}
        by_char: dict[str, dict[str, int]] = {}
        masks: list[int] = []
        bit = 1
        for groups in needs:
            mask = 0
            for g in groups:
                for w in g.words:
                    by_word[w] = by_word.get(w, 0) | bit
                for p in g.prefixes:
                    heads = by_head.setdefault(_HEAD(p[0]), {})
                    heads[p] = heads.get(p, 0) | bit
                for key, sub in g.subs:
                    subs = by_char.setdefault(key, {})
                    subs[sub] = subs.get(sub, 0) | bit
                mask |= bit
                bit <<= 1
            masks.append(mask)
        self._needs = tuple(masks)
        # A rule is a candidate only when its first group's bit (its lowest) is set: the
        # rules are read off the set bits of a mask, in order, rather than by testing every
        # rule (a list over ~100 rules per check cost more than the short texts' lookups).
        self._first_of = {m & -m: i for i, m in enumerate(masks) if m}
        self._first_bits = _or(self._first_of)
        self._always = tuple(i for i, m in enumerate(masks) if not m)
        self._by_word = by_word
        self._word_keys = frozenset(by_word)
        # Per head and per guard character: the bits its cheap atoms set for sure (an exact
        # three-letter prefix, the one-character substring), the bits its dear atoms may
        # set, and those atoms as (atom, least length or -1 for a substring, bits).
        self._by_head = {
            h: _Cue.of(
                {(p, n): b for (p, n), b in ps.items() if len(p) == PREFIX_LEN and not n},
                [(p, n, b) for (p, n), b in ps.items() if len(p) > PREFIX_LEN or n],
            )
            for h, ps in by_head.items()
        }
        self._head_keys = frozenset(by_head)
        chars = [
            (c, _Cue.of({c: subs[c]} if c in subs else {},
                        [(sub, -1, b) for sub, b in subs.items() if sub != c]))
            for c, subs in by_char.items()
        ]  # fmt: skip
        # A non-ASCII guard can never be in an ASCII text: those are skipped at once.
        self._ascii_chars = tuple(cue for cue in chars if cue[0].isascii())
        self._other_chars = tuple(cue for cue in chars if not cue[0].isascii())

    def passing(self, view: TextView) -> list[int]:
        """Indexes of the rules whose every need group has an atom in `view`, in order."""
        mask = 0
        by_word = self._by_word
        for w in view.tokens & self._word_keys:
            mask |= by_word[w]
        maybe = 0
        dear: list[tuple[tuple[str, int, int], ...]] = []
        if self._head_keys:
            by_head = self._by_head
            for h in view.heads & self._head_keys:
                cue = by_head[h]
                mask |= cue.sure
                if cue.dear:
                    maybe |= cue.maybe
                    dear.append(cue.dear)
        text = view.text
        for c, cue in self._ascii_chars if view.is_ascii else (*self._ascii_chars,
                                                                *self._other_chars):  # fmt: skip
            if c in text:  # one memchr
                mask |= cue.sure
                if cue.dear:
                    maybe |= cue.maybe
                    dear.append(cue.dear)
        needs = self._needs
        if not dear:
            passed = [i for i in self._rules_of(mask) if needs[i] & mask == needs[i]]
        else:
            maybe |= mask
            passed = [i for i in self._rules_of(maybe) if needs[i] & maybe == needs[i]]
            wanted = 0
            for i in passed:
                wanted |= needs[i]
            for atoms in dear if passed else ():
                for atom, least, bits in atoms:
                    if bits & wanted & ~mask and (
                        view.has_prefix(atom, least) if least >= 0 else view.has("", atom)
                    ):
                        mask |= bits
            passed = [i for i in passed if needs[i] & mask == needs[i]]
        return sorted({*passed, *self._always}) if self._always else passed

    def _rules_of(self, bits: int) -> list[int]:
        """The rules whose first group's bit is in `bits`, in declaration order."""
        first_of = self._first_of
        out = []
        bits &= self._first_bits
        while bits:
            low = bits & -bits
            out.append(first_of[low])
            bits ^= low
        return out


@dataclass(frozen=True, slots=True)
class _Cue:
    """What one present token head or guard character tells `GatePlan.passing`."""

    sure: int
    maybe: int
    dear: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, sure: Mapping[object, int], dear: Sequence[tuple[str, int, int]]) -> _Cue:
        return cls(_or(sure.values()), _or(b for _, _, b in dear), tuple(dear))


def _or(bits: Iterable[int]) -> int:
    out = 0
    for b in bits:
        out |= b
    return out
