"""The GCRA reference function: exact admissions, waits and headers, with no drift."""

from __future__ import annotations

import math

import pytest

from proxy.state.gcra import gcra_step


def run(times: list[float], interval: float, burst: int, cost: int = 1) -> list[bool]:
    """Feed requests at the given times through gcra_step, keeping the TAT like a backend."""
    tat: float | None = None
    verdicts = []
    for now in times:
        decision, new_tat = gcra_step(tat, now, interval, burst, cost)
        if new_tat is not None:
            tat = new_tat
        verdicts.append(decision.allowed)
    return verdicts


def test_fresh_key_admits_burst_plus_one_at_once() -> None:
    assert run([0.0] * 10, interval=1.0, burst=3) == [True] * 4 + [False] * 6


def test_burst_zero_admits_exactly_one_per_interval() -> None:
    assert run([0.0, 0.5, 0.999, 1.0, 1.5, 2.0], interval=1.0, burst=0) == [
        True, False, False, True, False, True,
    ]  # fmt: skip


def test_steady_traffic_over_a_long_run_gets_exactly_the_rate() -> None:
    # 10/second, no burst, a request every millisecond for 100 s: 1000 admitted, no drift
    # even though 0.1 is not representable in binary floating point.
    times = [i * 0.001 for i in range(100_000)]
    assert sum(run(times, interval=0.1, burst=0)) == 1000


def test_one_third_second_interval_hits_its_boundaries_exactly() -> None:
    interval = 1 / 3
    assert run([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], interval, burst=2) == [
        True, True, True, True, True, True, False,
    ]  # fmt: skip


def test_denied_decision_reports_exact_wait_and_reset() -> None:
    tat = None
    for _ in range(3):
        decision, tat = gcra_step(tat, 100.0, interval=2.0, burst=2, cost=1)
        assert decision.allowed
    decision, stored = gcra_step(tat, 100.0, interval=2.0, burst=2, cost=1)
    assert not decision.allowed and stored is None
    assert decision.limit == 3
    assert decision.remaining == 0
    assert decision.retry_after == pytest.approx(2.0)
    assert decision.reset_after == pytest.approx(6.0)
    later, _ = gcra_step(tat, 102.0, interval=2.0, burst=2, cost=1)
    assert later.allowed and later.remaining == 0


def test_remaining_counts_down_and_reset_grows() -> None:
    tat = None
    seen = []
    for _ in range(4):
        decision, tat = gcra_step(tat, 0.0, interval=10.0, burst=3, cost=1)
        seen.append((decision.remaining, decision.reset_after))
    assert seen == [(3, 10.0), (2, 20.0), (1, 30.0), (0, 40.0)]


def test_cost_uses_several_units_and_partial_capacity_is_refused() -> None:
    decision, tat = gcra_step(None, 0.0, interval=1.0, burst=4, cost=3)
    assert decision.allowed and decision.remaining == 2
    refused, stored = gcra_step(tat, 0.0, interval=1.0, burst=4, cost=3)
    assert not refused.allowed and stored is None
    assert refused.remaining == 2  # two cost-1 requests would still fit
    assert refused.retry_after == pytest.approx(1.0)
    fits, _ = gcra_step(tat, 0.0, interval=1.0, burst=4, cost=2)
    assert fits.allowed and fits.remaining == 0


def test_cost_above_capacity_can_never_be_admitted() -> None:
    decision, stored = gcra_step(None, 0.0, interval=1.0, burst=1, cost=3)
    assert not decision.allowed and stored is None
    assert math.isinf(decision.retry_after)
    assert decision.remaining == 2


def test_cost_zero_peeks_without_consuming() -> None:
    first, tat = gcra_step(None, 0.0, interval=1.0, burst=1, cost=1)
    assert first.allowed and first.remaining == 1
    peek, stored = gcra_step(tat, 0.0, interval=1.0, burst=1, cost=0)
    assert peek.allowed and peek.remaining == 1 and stored is None
