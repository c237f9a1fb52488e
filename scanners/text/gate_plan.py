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
memchr each (a short text: one set intersection with its characters).

Measured (`python -m benchmarks.scan_ab --base main`, interleaved, shared machine; results in
`benchmarks/results/`): all six checks on the short chat body 65.7 -> 27.4 µs p50, on the
4 KB body 183 -> 127 µs; instructions per scan (callgrind) 709k -> 283k and 2.01M -> 1.51M.
What remains on 4 KB of prose is mostly the text's word set (`TextView.tokens`, ~35 % of
the instructions: splitting and hashing ~700 words), which the classifier needs too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter

from scanners.text.gates import PREFIX_LEN, Group, TextView
from scanners.text.substrings import SUBSTRINGS

_HEAD = itemgetter(slice(0, PREFIX_LEN))
SHORT_TEXT = 160
"""Up to this many characters, a text's substring atoms are decided exactly and at once: the
one-character ones by one C-level intersection with the text's characters (~15 ns a
character, where a memchr per guard character cost ~40 ns of Python each, ~50 of them), the
longer ones from the text's Aho-Corasick pass (~1 µs on a sentence), so no guard is taken
as its atom and no rule is weighed twice."""
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

    __slots__ = ("_always", "_by_head", "_by_sub", "_by_word", "_first_bits", "_first_of",
                 "_head_keys", "_masks", "_single", "_single_keys", "_singles", "_sub_keys",
                 "_word_keys", "needs")  # fmt: skip

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
        # Substring atoms are decided exactly, never assumed from a guard: the one-character
        # ones by a memchr each (or, in a short text, one intersection with its characters),
        # the longer ones all at once by the text's Aho-Corasick pass.
        single = {sub: b for sub, b in by_sub.items() if len(sub) == 1}
        for sub in by_sub:
            SUBSTRINGS.add(sub)  # compile_need did, unless a Group was built by hand
        self._single = single
        self._single_keys = frozenset(single)
        # A non-ASCII character can never be in an ASCII text: those come last, skipped at once.
        ordered = sorted(single.items(), key=lambda kv: not kv[0].isascii())
        self._singles = (tuple(kv for kv in ordered if kv[0].isascii()), tuple(ordered))
        self._by_sub = {sub: b for sub, b in by_sub.items() if len(sub) > 1}
        self._sub_keys = frozenset(self._by_sub)

    def passing(self, view: TextView) -> list[int]:
        """Indexes of the rules whose every need group has an atom in `view`, in order."""
        mask = 0
        by_word = self._by_word
        for w in view.tokens & self._word_keys:
            mask |= by_word[w]
        text = view.text
        if len(text) <= SHORT_TEXT:
            single = self._single
            for c in self._single_keys.intersection(text):
                mask |= single[c]
        else:
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
            for h in view.heads & self._head_keys:
                sure, may, atoms = by_head[h]
                mask |= sure
                if atoms:
                    maybe |= may
                    dear.append(atoms)
            if dear:
                mask = self._settle(view, mask, maybe | mask, dear)
        masks = self._masks
        first_of = self._first_of
        passed = []
        bits = mask & self._first_bits
        while bits:
            low = bits & -bits
            i = first_of[low]
            if masks[i] & mask == masks[i]:
                passed.append(i)
            bits ^= low
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
                    if bits & wanted & ~mask and view.has_prefix(prefix, least):
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

    __slots__ = ("_empty", "_owner", "_plan", "plans")

    def __init__(self, plans: Iterable[GatePlan]) -> None:
        self.plans = tuple(dict.fromkeys(plans))
        self._plan = GatePlan([need for p in self.plans for need in p.needs])
        self._owner = tuple((p, i) for p in self.plans for i in range(len(p.needs)))
        self._empty: dict[object, Sequence[int]] = {p: () for p in self.plans}

    def decide(self, view: TextView) -> None:
        """Store on `view` each plan's passing rules (`view.decided[plan]`)."""
        decided = self._empty.copy()
        passing = self._plan.passing(view)
        if passing:
            found: dict[object, list[int]] = {}
            owner = self._owner
            for i in passing:
                plan, j = owner[i]
                if plan in found:
                    found[plan].append(j)
                else:
                    found[plan] = [j]
            decided.update(found)
        view.decided = decided


def _cue(sure: int, dear: Sequence[tuple[str, int, int]]) -> Cue:
    return sure, _or(b for _, _, b in dear), tuple(dear)


def _or(bits: Iterable[int]) -> int:
    out = 0
    for b in bits:
        out |= b
    return out
