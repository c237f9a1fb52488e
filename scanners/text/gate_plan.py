"""`GatePlan`: every rule of a detector gated in one pass over a text's atoms (see `gates`);
`JointPlan`: the plans of all a scanner's detectors decided as one, once per text.

Why joint: each check used to decide its own plan per text, so a text paid six word
intersections, six head intersections and six loops over guard characters (93 memchr calls
for 50 distinct characters), plus the calls around them: on the two-sentence benchmark chat
body `GatePlan.passing` was ~60 % of all six checks' cost (cProfile). One plan over every
rule of every check pays each once. Substring atoms are no longer assumed present from a
guard character and confirmed later: a guard that is a letter is in any prose, so 4 KB of
prose woke ~26 atoms and every rule that needed them; one Aho-Corasick pass (`substrings`,
~12 µs on 4 KB, shared with `encoded`) decides them all exactly, one-character atoms are a
memchr each (in a short text, `substrings.SHORT_TEXT`, the same pass finds them too).

Measured (`python -m benchmarks.scan_ab --base main`, interleaved, shared machine; results in
`benchmarks/results/`): all six checks on the short chat body 65.7 -> 27.4 µs p50, on the
4 KB body 183 -> 127 µs; instructions per scan (callgrind) 709k -> 283k and 2.01M -> 1.51M.
What remains on 4 KB of prose is mostly the text's word set (`TextView.tokens`, ~35 % of
the instructions: splitting and hashing ~700 words), which the classifier needs too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from scanners.text.gates import PREFIX_LEN, Group, TextView
from scanners.text.substrings import SHORT_TEXT, SUBSTRINGS

_HEAD = itemgetter(slice(0, PREFIX_LEN))
Atoms = tuple[tuple[str, int, int], ...]
"""Dear atoms: (a prefix longer than its head, or with a least length; that length; bits)."""
Cue = tuple[int, int, Atoms]
"""What one present token head tells `GatePlan.passing`: the bits its exact three-letter
prefixes set for sure, the bits its dear prefixes may set, and those dear prefixes."""


class GatePlan:
    """All the need groups of a detector's rules, evaluated together: one pass per text.

    Each (rule, group) pair is one bit. Each atom maps to the bits of the groups it satisfies;
    a text's mask is the OR of its present atoms' bits, and a rule passes when all its bits
    are set: exactly `TextView.satisfies(rule.need)` for every rule, at the cost of the atoms
    the text holds rather than of a Python call per rule and per group (with ~80
    prompt-injection rules the calls, not the lookups, were most of a scan of ordinary text).

    Words are one set intersection with the tokens, three-letter prefixes one with the token
    heads, substrings exact (see the module docstring). A longer prefix (or one with a least
    length) is first assumed present when its head is; only if some rule could then pass is
    it decided (a binary search of the sorted tokens), and only if such a rule still needs it.
    """

    __slots__ = ("_always", "_by_head", "_by_sub", "_by_word", "_first_at", "_first_bits",
                 "_first_of", "_head_keys", "_masks", "_singles", "_sub_keys", "_word_keys",
                 "needs")  # fmt: skip

    def __init__(self, needs: Sequence[tuple[Group, ...]]) -> None:
        self.needs = tuple(needs)
        by_word: dict[str, int] = {}
        by_head: dict[str, dict[tuple[str, int], int]] = {}
        by_sub: dict[str, int] = {}
        masks: list[int] = []
        bit = 1
        for groups in self.needs:
            mask = 0
            for g in groups:
                for w in g.words:
                    by_word[w] = by_word.get(w, 0) | bit
                for p in g.prefixes:
                    heads = by_head.setdefault(_HEAD(p[0]), {})
                    heads[p] = heads.get(p, 0) | bit
                for _, sub in g.subs:
                    by_sub[sub] = by_sub.get(sub, 0) | bit
                mask |= bit
                bit <<= 1
            masks.append(mask)
        self._masks = tuple(masks)
        # A rule is a candidate only when its first group's bit (its lowest) is set: the
        # rules are read off the set bits of a mask, in order, rather than by testing every
        # rule (a list over ~100 rules per check cost more than the short texts' lookups).
        self._first_of = {m & -m: i for i, m in enumerate(masks) if m}
        self._first_bits = _or(self._first_of)
        # The same, indexed by the first bit's position (`int.bit_length`), so the loop over
        # a mask's candidates never hashes a several-hundred-bit int.
        first_at = [-1] * (self._first_bits.bit_length() + 1)
        for low, i in self._first_of.items():
            first_at[low.bit_length()] = i
        self._first_at = tuple(first_at)
        self._always = tuple(i for i, m in enumerate(masks) if not m)
        self._by_word = by_word
        self._word_keys = frozenset(by_word)
        self._by_head = {
            h: _cue(
                _or(b for (p, n), b in ps.items() if len(p) == PREFIX_LEN and not n),
                [(p, n, b) for (p, n), b in ps.items() if len(p) > PREFIX_LEN or n],
            )
            for h, ps in by_head.items()
        }
        self._head_keys = frozenset(by_head)
        # Substring atoms are decided exactly, never assumed from a guard: all of them by the
        # text's Aho-Corasick pass in a short text, the longer ones so in any text, and in a
        # longer text the one-character ones by a memchr each.
        for sub in by_sub:
            SUBSTRINGS.add(sub)  # compile_need did, unless a Group was built by hand
        single = {sub: b for sub, b in by_sub.items() if len(sub) == 1}
        # A non-ASCII character can never be in an ASCII text: those come last, skipped at once.
        ordered = sorted(single.items(), key=lambda kv: not kv[0].isascii())
        self._singles = (tuple(kv for kv in ordered if kv[0].isascii()), tuple(ordered))
        self._by_sub = by_sub
        self._sub_keys = frozenset(by_sub)

    def passing(self, view: TextView) -> list[int]:
        """Indexes of the rules whose every need group has an atom in `view`, in order."""
        mask = 0
        by_word = self._by_word
        for w in view.tokens & self._word_keys:
            mask |= by_word[w]
        text = view.text
        if len(text) > SHORT_TEXT:  # else the Aho-Corasick pass finds them (`SHORT_TEXT`)
            for c, bits in self._singles[0 if view.is_ascii else 1]:
                if c in text:  # one memchr
                    mask |= bits
        if self._sub_keys:
            by_sub = self._by_sub
            for sub in view.substrings & self._sub_keys:
                mask |= by_sub[sub]
        if self._head_keys:
            maybe = 0
            dear: list[Atoms] = []
            by_head = self._by_head
            # Only the heads a rule names are made into a set (the text's own head set, built
            # for `TextView.has_prefix`, is never needed here).
            for h in self._head_keys.intersection(map(_HEAD, view.tokens)):
                sure, may, atoms = by_head[h]
                mask |= sure
                if atoms:
                    maybe |= may
                    dear.append(atoms)
            if dear:
                mask = self._settle(view, mask, maybe | mask, dear)
        masks = self._masks
        first_at = self._first_at
        passed = []
        bits = mask & self._first_bits
        while bits:  # from the highest candidate down: no int is hashed or negated
            at = bits.bit_length()
            i = first_at[at]
            need = masks[i]
            if need & mask == need:
                passed.append(i)
            bits ^= 1 << (at - 1)
        passed.reverse()
        return sorted({*passed, *self._always}) if self._always else passed

    def _settle(self, view: TextView, mask: int, maybe: int, dear: list[Atoms]) -> int:
        """`mask` plus the bits of the longer prefixes present that a rule possible under
        `maybe` (every such prefix taken as present when its head is) still needs; the
        others are never looked up."""
        masks = self._masks
        first_of = self._first_of
        wanted = 0
        bits = maybe & self._first_bits
        while bits:
            low = bits & -bits
            need = masks[first_of[low]]
            if need & maybe == need:
                wanted |= need
            bits ^= low
        wanted &= ~mask
        if wanted:
            for atoms in dear:
                for prefix, least, bits in atoms:
                    if bits & wanted & ~mask and view.has_prefix_of_head(prefix, least):
                        mask |= bits
        return mask


class JointPlan:
    """The `GatePlan`s of several detectors decided as one plan, once per text.

    `TextScanner` builds one at config load over its detectors' plans and calls `decide` on
    each text's view; a detector then reads its passing rules off the view (`decided`)
    instead of running its own plan. A view nobody decided (a detector called on its own, a
    decoded run, a rescan) falls back to the detector's own plan, which decides the same.

    The plans' rules keep their order: bit by bit, the joint plan is the plans one after
    the other, so reading a plan's rules off the joint result keeps declaration order.
    """

    __slots__ = ("_covers", "_owner", "_plan", "plans")

    def __init__(self, plans: Iterable[GatePlan]) -> None:
        self.plans = tuple(dict.fromkeys(plans))
        self._plan = GatePlan([need for p in self.plans for need in p.needs])
        self._owner = tuple((p, i) for p in self.plans for i in range(len(p.needs)))
        self._covers = frozenset(self.plans)

    def decide(self, view: TextView) -> Mapping[object, Sequence[int]]:
        """Each plan's passing rules, for the plans that have any (a detector whose plan is
        not among them cannot find anything); also kept on `view` (`TextView.decided`)."""
        found: dict[object, list[int]] = {}
        passing = self._plan.passing(view)
        if passing:
            owner = self._owner
            for i in passing:
                plan, j = owner[i]
                if plan in found:
                    found[plan].append(j)
                else:
                    found[plan] = [j]
        view.decided = found
        view.decided_for = self._covers
        return found


def _cue(sure: int, dear: Sequence[tuple[str, int, int]]) -> Cue:
    return sure, _or(b for _, _, b in dear), tuple(dear)


def _or(bits: Iterable[int]) -> int:
    out = 0
    for b in bits:
        out |= b
    return out
