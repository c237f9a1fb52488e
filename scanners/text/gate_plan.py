"""`GatePlan`: every rule of a detector gated in one pass over a text's atoms (see `gates`);
`JointPlan`: the plans of all a scanner's detectors decided as one, once per text.

Why joint: each check used to decide its own plan per text, so a text paid six word
intersections, six head intersections and six loops over guard characters (93 memchr calls
for 50 distinct characters), plus the calls around them: on the two-sentence benchmark chat
body `GatePlan.passing` was ~60 % of all six checks' cost (cProfile). One plan over every
rule of every check pays each once. Substring atoms are no longer assumed present from a
guard character and confirmed later: a guard that is a letter is in any prose, so 4 KB of
prose woke ~26 atoms and every rule that needed them; one Aho-Corasick pass (`substrings`,
~12 µs on 4 KB, shared with `encoded`) decides them all exactly, one-character atoms
included (`atoms.SHORT_TEXT` says why).

Measured (`python -m benchmarks.scan_ab --base main`, interleaved, shared machine; results in
`benchmarks/results/`): all six checks on the short chat body 65.7 -> 27.4 µs p50, on the
4 KB body 183 -> 127 µs; instructions per scan (callgrind) 709k -> 283k and 2.01M -> 1.51M.
What remains on 4 KB of prose is mostly the text's word set (`TextView.tokens`, ~35 % of
the instructions: splitting and hashing ~700 words), which the classifier needs too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scanners.text.atoms import ATOMS
from scanners.text.gates import Group, TextView


class GatePlan:
    """All the need groups of a detector's rules, evaluated together: one pass per text.

    The atoms a text holds are the keys its one pass found (`TextView.atoms`). A rule is a
    candidate only when an atom of its first group is present: the rules each key can start
    are looked up for the keys the text holds (one set intersection; ordinary prose starts
    a handful), and only those rules' other groups are tested, each one `isdisjoint` with
    the text's keys. Exactly `TextView.satisfies(rule.need)` for every rule, at the cost of
    the atoms the text holds rather than of a Python call per rule and per group (with ~80
    prompt-injection rules the calls, not the lookups, were most of a scan of ordinary text).

    A long-token prefix (`"ac0*34"`) is taken as present when its key (some word starts with
    it) is; only once every group of a rule holds so is its length confirmed (`_confirmed`).
    """

    __slots__ = ("_always", "_dear", "_first", "_first_keys", "needs")

    def __init__(self, needs: Sequence[tuple[Group, ...]]) -> None:
        self.needs = tuple(needs)
        first: dict[str, list[int]] = {}
        for i, groups in enumerate(self.needs):
            for g in groups:
                for key in g.maybe:
                    ATOMS.add(key)  # `group_of` did, unless a Group was built by hand
            if groups:
                for key in groups[0].maybe:
                    first.setdefault(key, []).append(i)
        # Per key, the rules it starts, each with its groups after the first (a rule is only
        # tried when its first holds).
        self._first = {
            key: tuple((i, tuple(g.maybe for g in self.needs[i][1:])) for i in rules)
            for key, rules in first.items()
        }
        self._first_keys = frozenset(first)
        self._always = tuple(i for i, groups in enumerate(self.needs) if not groups)
        # Per rule with a long-token prefix, its groups that have one (`_confirmed`).
        self._dear = {
            i: tuple(_dear_group(g) for g in groups if g.dear)
            for i, groups in enumerate(self.needs)
            if any(g.dear for g in groups)
        }

    def passing(self, view: TextView) -> list[int]:
        """Indexes of the rules whose every need group has an atom in `view`, in order."""
        atoms = view.atoms
        starts = self._first_keys.intersection(atoms)
        if not starts:
            return list(self._always)
        first = self._first
        passed = []
        for key in starts:  # plain loops: a comprehension is one more call per text
            for i, rest in first[key]:
                for keys in rest:
                    if keys.isdisjoint(atoms):
                        break
                else:
                    passed.append(i)
        if len(starts) > 1 and len(passed) > 1:  # each key's rules are in order; a rule
            passed = sorted(set(passed))  # may follow two keys
        dear = self._dear
        if passed and dear and not dear.keys().isdisjoint(passed):
            passed = [i for i in passed if i not in dear or _confirmed(view, atoms, dear[i])]
        if self._always:
            passed = sorted({*passed, *self._always})
        return passed


DearGroup = tuple[frozenset[str], frozenset[str], dict[str, tuple[tuple[str, int], ...]]]
"""A group with a long-token prefix: (its other keys, its prefixes' keys, each such key's
(prefix, least length) pairs)."""


def _dear_group(group: Group) -> DearGroup:
    by_key: dict[str, list[tuple[str, int]]] = {}
    for key, prefix, least in group.dear:
        by_key.setdefault(key, []).append((prefix, least))
    return group.keys, frozenset(by_key), {k: tuple(v) for k, v in by_key.items()}


def _confirmed(view: TextView, atoms: frozenset[str], groups: tuple[DearGroup, ...]) -> bool:
    """Whether every group that only a long-token prefix's key satisfied has a word that
    long (`TextView.has_prefix`); the others were decided by their keys. Only the prefixes
    whose key the text holds are tried: one set intersection, where a loop over all of a
    group's prefixes (72 in the secrets rule the benchmark's prose wakes with `act`) cost
    ~40k instructions per 4 KB text."""
    for keys, dear_keys, by_key in groups:
        if keys.isdisjoint(atoms) and not any(
            view.has_prefix(p, n) for k in dear_keys.intersection(atoms) for p, n in by_key[k]
        ):
            return False
    return True


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
