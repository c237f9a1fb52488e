"""Balancers: which target of an upstream group takes the next attempt.

Every balancer has one method, ``pick(candidates, cost_of=None, exclude=())``:

- ``candidates`` are the group's targets that serve the requested model alias, in
  priority order (the caller filters by model once per request);
- targets that are not ``available()`` (unhealthy, breaker open, at quota) are skipped;
- targets in ``exclude`` (those already tried for this request) are skipped *if any
  other available target remains*; when only excluded targets are available, one of
  them is returned, so a retry still has somewhere to go in a one-target group;
- ``None`` means no candidate is available at all (the caller answers 503).

Balancers keep small per-target state keyed by the ``Target`` object (rotation index,
smooth-WRR current weights), so one balancer instance belongs to one group.

``BALANCERS`` is the one table of them: the name ``balance`` accepts in the config (and in its
JSON Schema), the class, and what it declares it needs (``needs_cost``: the group estimates
each target's cost of this request only for a balancer that asks). Adding a balancer is a
class here, a line in the table and a row in docs/resilience.md; a test fails if the config,
the schema or the docs drift from the table.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence
from typing import ClassVar, Protocol

from proxy.upstream.target import Target

CostOf = Callable[[Target], float]


class Balancer(Protocol):
    """The balancer interface (see the module docstring for the rules every pick follows)."""

    @property
    def name(self) -> str: ...

    @property
    def needs_cost(self) -> bool: ...

    def pick(
        self,
        candidates: Sequence[Target],
        cost_of: CostOf | None = None,
        exclude: Collection[Target] = (),
    ) -> Target | None: ...


def eligible(candidates: Sequence[Target], exclude: Collection[Target]) -> list[Target]:
    """Available candidates, without the excluded ones unless nothing else is left."""
    pool = [t for t in candidates if t.available()]
    if exclude:
        fresh = [t for t in pool if t not in exclude]
        if fresh:
            return fresh
    return pool


class PoolBalancer:
    """Shared shape of every balancer: narrow the candidates to the eligible pool (see
    ``eligible``), then ``choose`` among them; an empty pool picks nothing."""

    name: ClassVar[str] = ""
    # True when ``choose`` reads ``cost_of``: the group then prices this request per target.
    needs_cost: ClassVar[bool] = False

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def pick(
        self,
        candidates: Sequence[Target],
        cost_of: CostOf | None = None,
        exclude: Collection[Target] = (),
    ) -> Target | None:
        pool = eligible(candidates, exclude)
        return self.choose(pool, cost_of) if pool else None

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        raise NotImplementedError


class RoundRobin(PoolBalancer):
    """Each eligible target in turn, in candidate order."""

    name = "round_robin"

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self._next = 0

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        target = pool[self._next % len(pool)]
        self._next += 1
        return target


class Weighted(PoolBalancer):
    """Smooth weighted round robin (nginx): spreads a heavy target's turns out evenly.

    Weights 5,1,1 give ``a a b a c a a`` rather than ``a a a a a b c``. Each pick adds
    every eligible target's weight to its current weight, picks the largest, and
    subtracts the total from the winner. Zero-weight targets are used only when no
    weighted target is eligible.
    """

    name = "weighted"

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng)
        self._current: dict[Target, int] = {}

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        weighted = [t for t in pool if t.weight > 0]
        if not weighted:
            return pool[0]
        total = 0
        best: Target | None = None
        best_weight = -math.inf
        for target in weighted:
            current = self._current.get(target, 0) + target.weight
            self._current[target] = current
            total += target.weight
            if current > best_weight:
                best, best_weight = target, current
        assert best is not None
        self._current[best] -= total
        return best


class LeastBusy(PoolBalancer):
    """Power of two choices: sample two eligible targets, take the one with fewer in flight.

    Two random choices avoid the herd that "always the least busy" causes when many
    requests pick at once with the same stale counts; ties go to the higher priority.
    """

    name = "least_busy"

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        if len(pool) < 2:
            return pool[0]
        a, b = self._rng.sample(pool, 2)
        return min((a, b), key=lambda t: (t.stats.in_flight, t.priority))


class Fastest(PoolBalancer):
    """Lowest peak-EWMA time to first byte, scaled by load: ``ttfb * (in_flight + 1)``.

    The load factor (Finagle's) keeps a burst from piling onto the single fastest target.
    Targets without a TTFB sample yet are explored first (the least busy of them), so a
    new or recovered target gets measured instead of ignored.
    """

    name = "fastest"

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        untried = [t for t in pool if t.stats.samples == 0]
        if untried:
            return min(untried, key=lambda t: (t.stats.in_flight, t.priority))
        return min(pool, key=_latency_score)


def _latency_score(target: Target) -> tuple[float, int]:
    ttfb = target.stats.ttfb() or 0.0
    return ttfb * (target.stats.in_flight + 1), target.priority


class Cheapest(PoolBalancer):
    """Lowest ``cost_of(target)`` for this request; ties (and no ``cost_of``) by priority."""

    name = "cheapest"
    needs_cost = True

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        if cost_of is None:
            return min(pool, key=lambda t: t.priority)
        costs = {id(t): cost_of(t) for t in pool}
        return min(pool, key=lambda t: (costs[id(t)], t.priority))


class Failover(PoolBalancer):
    """The first eligible target by priority: the rest are standbys."""

    name = "failover"

    def choose(self, pool: list[Target], cost_of: CostOf | None) -> Target:
        return min(pool, key=lambda t: t.priority)


BALANCERS: dict[str, type[PoolBalancer]] = {
    cls.name: cls for cls in (RoundRobin, Weighted, LeastBusy, Fastest, Cheapest, Failover)
}


def make_balancer(name: str, rng: random.Random | None = None) -> Balancer:
    """A fresh balancer for one group; ``rng`` is what randomised balancers draw from."""
    kind = BALANCERS.get(name)
    if kind is None:
        raise ValueError(f"unknown balance {name!r}: expected one of {', '.join(BALANCERS)}")
    return kind(rng or random.Random())
