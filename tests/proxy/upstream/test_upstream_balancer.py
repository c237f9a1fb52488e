"""Balancers: distribution, ordering, and the rules every pick follows."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from proxy.upstream.balancer import BALANCERS, make_balancer
from proxy.upstream.breaker import CircuitBreaker
from proxy.upstream.quota import ProviderQuota
from proxy.upstream.target import Target, TargetStats


def targets(*names: str, weights: tuple[int, ...] | None = None, clock=None) -> list[Target]:
    result = []
    for i, name in enumerate(names):
        kwargs = {}
        if clock is not None:
            kwargs = {
                "breaker": CircuitBreaker(failures=1, clock=clock),
                "stats": TargetStats(clock=clock),
            }
        weight = weights[i] if weights else 1
        result.append(Target(name, weight=weight, priority=i, **kwargs))
    return result


def trip(target: Target) -> None:
    permit = target.breaker.allow()
    assert permit is not None
    for _ in range(target.breaker.failures):
        target.breaker.record(permit, success=False)
    assert target.breaker.state == "open"


def names(picks: list[Target | None]) -> str:
    return "".join(t.provider_name if t else "-" for t in picks)


# -- weighted -----------------------------------------------------------------------------


def test_weighted_distribution_over_2000_picks_within_one_pick() -> None:
    # Stated tolerance: each target within +-1 pick of weight share (smooth WRR is exact
    # over any multiple of the total weight; the tolerance allows for the cycle boundary).
    group = targets("a", "b", "c", weights=(5, 3, 2))
    balancer = make_balancer("weighted")
    counts = Counter(balancer.pick(group).provider_name for _ in range(2000))  # type: ignore[union-attr]
    for name, share in (("a", 0.5), ("b", 0.3), ("c", 0.2)):
        assert abs(counts[name] - 2000 * share) <= 1, counts


def test_weighted_is_smooth_nginx_sequence() -> None:
    group = targets("a", "b", "c", weights=(5, 1, 1))
    balancer = make_balancer("weighted")
    assert names([balancer.pick(group) for _ in range(14)]) == "aabacaa" * 2


def test_weighted_redistributes_when_a_target_drops_out(clock) -> None:
    group = targets("a", "b", "c", weights=(2, 1, 1), clock=clock)
    balancer = make_balancer("weighted")
    trip(group[0])
    counts = Counter(balancer.pick(group).provider_name for _ in range(1000))  # type: ignore[union-attr]
    assert counts == {"b": 500, "c": 500}


def test_weighted_zero_weight_is_a_last_resort(clock) -> None:
    group = targets("a", "spare", weights=(1, 0), clock=clock)
    balancer = make_balancer("weighted")
    assert {balancer.pick(group).provider_name for _ in range(50)} == {"a"}  # type: ignore[union-attr]
    trip(group[0])
    assert balancer.pick(group) is group[1]


# -- round robin --------------------------------------------------------------------------


def test_round_robin_cycles_and_skips_unavailable() -> None:
    group = targets("a", "b", "c")
    balancer = make_balancer("round_robin")
    assert names([balancer.pick(group) for _ in range(6)]) == "abcabc"
    group[1].healthy = False
    assert set(names([balancer.pick(group) for _ in range(6)])) == {"a", "c"}


# -- least busy ---------------------------------------------------------------------------


def test_least_busy_prefers_fewer_in_flight() -> None:
    group = targets("idle", "some", "busy")
    for _ in range(5):
        group[1].stats.start()
    for _ in range(10):
        group[2].stats.start()
    balancer = make_balancer("least_busy", rng=random.Random(7))
    counts = Counter(balancer.pick(group).provider_name for _ in range(3000))  # type: ignore[union-attr]
    # The busiest target loses every pairing; the idle one wins every pairing it is in
    # (two of the three possible pairs).
    assert counts["busy"] == 0
    assert abs(counts["idle"] - 2000) < 150
    assert abs(counts["some"] - 1000) < 150


def test_least_busy_two_targets_always_the_less_busy() -> None:
    group = targets("a", "b")
    group[0].stats.start()
    balancer = make_balancer("least_busy", rng=random.Random(1))
    assert {balancer.pick(group).provider_name for _ in range(100)} == {"b"}  # type: ignore[union-attr]
    group[1].stats.start()  # a tie goes to priority
    assert balancer.pick(group) is group[0]


# -- fastest ------------------------------------------------------------------------------


def test_fastest_explores_untried_targets_first(clock) -> None:
    group = targets("a", "b", clock=clock)
    balancer = make_balancer("fastest")
    group[0].stats.observe_ttfb(0.05)
    assert balancer.pick(group) is group[1]  # never measured: try it
    group[1].stats.observe_ttfb(0.2)
    assert balancer.pick(group) is group[0]


def test_fastest_moves_away_from_a_slowed_target(clock) -> None:
    group = targets("a", "b", "c", clock=clock)
    for target, ttfb in zip(group, (0.1, 0.3, 0.5), strict=True):
        target.stats.observe_ttfb(ttfb)
    balancer = make_balancer("fastest")
    assert balancer.pick(group) is group[0]
    clock.advance(0.5)
    group[0].stats.observe_ttfb(2.0)  # a slows down: the peak is believed at once
    picks = Counter(balancer.pick(group).provider_name for _ in range(100))  # type: ignore[union-attr]
    assert picks == {"b": 100}


def test_fastest_spreads_load_by_in_flight(clock) -> None:
    group = targets("a", "b", clock=clock)
    group[0].stats.observe_ttfb(0.1)
    group[1].stats.observe_ttfb(0.15)
    balancer = make_balancer("fastest")
    assert balancer.pick(group) is group[0]
    group[0].stats.start()  # 0.1 x 2 > 0.15 x 1
    assert balancer.pick(group) is group[1]


# -- cheapest -----------------------------------------------------------------------------


def priced_group(clock) -> list[Target]:
    group = targets("pricey", "cheap", "mid", "unpriced", clock=clock)
    prices = [(10.0, 30.0), (0.05, 0.08), (0.5, 1.5), None]
    for target, price in zip(group, prices, strict=True):
        target.pricing = {"m": price} if price else {}
    return group


def test_cheapest_picks_cheapest_and_moves_when_its_breaker_opens(clock) -> None:
    group = priced_group(clock)
    balancer = make_balancer("cheapest")

    def cost_of(target: Target) -> float:
        return target.estimated_cost("m", 1000, 500)

    assert balancer.pick(group, cost_of) is group[1]
    trip(group[1])
    assert balancer.pick(group, cost_of) is group[2]
    trip(group[2])
    assert balancer.pick(group, cost_of) is group[0]
    trip(group[0])
    assert balancer.pick(group, cost_of) is group[3]  # unpriced is ranked last, not dropped


def test_cheapest_ties_and_missing_cost_fall_back_to_priority(clock) -> None:
    group = targets("first", "second", clock=clock)
    balancer = make_balancer("cheapest")
    assert balancer.pick(group, lambda t: 1.0) is group[0]
    assert balancer.pick(list(reversed(group)), lambda t: 1.0) is group[0]
    assert balancer.pick(group) is group[0]


# -- failover -----------------------------------------------------------------------------


def test_failover_goes_down_the_priority_list(clock) -> None:
    group = targets("primary", "secondary", "tertiary", clock=clock)
    balancer = make_balancer("failover")
    assert {balancer.pick(group).provider_name for _ in range(10)} == {"primary"}  # type: ignore[union-attr]
    trip(group[0])
    assert balancer.pick(group) is group[1]
    group[1].healthy = False
    assert balancer.pick(group) is group[2]
    clock.advance(1000.0)  # primary's breaker goes half-open: it may take a probe again
    assert balancer.pick(group) is group[0]


# -- rules shared by every balancer ---------------------------------------------------------


@pytest.mark.parametrize("name", BALANCERS)
def test_retry_goes_to_a_different_target_when_there_is_one(name: str, clock) -> None:
    group = targets("a", "b", "c", clock=clock)
    for target in group:
        target.stats.observe_ttfb(0.1)
    balancer = make_balancer(name, rng=random.Random(3))
    first = balancer.pick(group, lambda t: float(t.priority))
    assert first is not None
    second = balancer.pick(group, lambda t: float(t.priority), exclude={first})
    assert second is not None and second is not first
    third = balancer.pick(group, lambda t: float(t.priority), exclude=[first, second])
    assert third is not None and third not in (first, second)


@pytest.mark.parametrize("name", BALANCERS)
def test_excluded_target_is_returned_when_it_is_the_only_one_available(name: str, clock) -> None:
    group = targets("a", "b", clock=clock)
    trip(group[1])
    balancer = make_balancer(name, rng=random.Random(3))
    assert balancer.pick(group, lambda t: 1.0, exclude={group[0]}) is group[0]


@pytest.mark.parametrize("name", BALANCERS)
def test_none_when_nothing_is_available(name: str, clock) -> None:
    group = targets("a", "b", clock=clock)
    group[0].healthy = False
    group[1].quota = ProviderQuota(clock=clock)
    group[1].quota.block_for(10.0)
    balancer = make_balancer(name, rng=random.Random(3))
    assert balancer.pick(group, lambda t: 1.0) is None
    assert balancer.pick([], lambda t: 1.0) is None


@pytest.mark.parametrize("name", BALANCERS)
def test_quota_exhausted_target_is_skipped(name: str, clock) -> None:
    group = targets("limited", "free", clock=clock)
    group[0].quota = ProviderQuota(rpm=1, clock=clock)
    group[0].quota.record_request()
    for target in group:
        target.stats.observe_ttfb(0.1)
    balancer = make_balancer(name, rng=random.Random(3))
    assert {balancer.pick(group, lambda t: 1.0) for _ in range(20)} == {group[1]}


def test_unknown_balancer_name_is_an_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="round_robin"):
        make_balancer("random")
    assert {make_balancer(n).name for n in BALANCERS} == set(BALANCERS)


def test_the_config_the_schema_and_the_docs_name_exactly_the_registered_balancers() -> None:
    # Adding a balancer is its class, a line in BALANCERS and a docs row: nothing else to edit.
    from pathlib import Path

    from proxy.config.schema import config_schema
    from proxy.config.upstreams import UpstreamConfig

    names = set(BALANCERS)
    for name in names:
        assert UpstreamConfig.model_validate({"balance": name, "targets": [{"provider": "p"}]})
    with pytest.raises(ValueError, match="unknown balancer 'fastes'"):
        UpstreamConfig.model_validate({"balance": "fastes", "targets": [{"provider": "p"}]})
    enum = config_schema()["$defs"]["UpstreamConfig"]["properties"]["balance"]["enum"]
    assert set(enum) == names
    docs = Path(__file__).resolve().parents[3] / "docs" / "resilience.md"
    section = docs.read_text().split("## `balance`", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert rows == names


def test_only_a_balancer_that_needs_cost_gets_one() -> None:
    assert {n for n, cls in BALANCERS.items() if cls.needs_cost} == {"cheapest"}
