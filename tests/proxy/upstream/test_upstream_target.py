"""TargetStats (in flight, peak-EWMA TTFB, rolling outcomes) and Target availability."""

from __future__ import annotations

import math

import pytest

from proxy.upstream.breaker import CircuitBreaker
from proxy.upstream.quota import ProviderQuota
from proxy.upstream.target import Target, TargetStats


def test_in_flight_counts_and_never_goes_negative(clock) -> None:
    stats = TargetStats(clock=clock)
    stats.start()
    stats.start()
    stats.finish()
    assert stats.in_flight == 1
    stats.finish()
    stats.finish()  # an extra finish (double cleanup) must not go below zero
    assert stats.in_flight == 0


def test_ttfb_is_none_until_first_sample_then_takes_it(clock) -> None:
    stats = TargetStats(tau=10.0, clock=clock)
    assert stats.ttfb() is None
    stats.observe_ttfb(0.3)
    assert stats.ttfb() == pytest.approx(0.3)


def test_peak_sample_replaces_immediately(clock) -> None:
    stats = TargetStats(tau=10.0, clock=clock)
    stats.observe_ttfb(0.1)
    clock.advance(1.0)
    stats.observe_ttfb(2.0)
    assert stats.ttfb() == pytest.approx(2.0)


def test_lower_sample_blends_in_gradually(clock) -> None:
    stats = TargetStats(tau=10.0, clock=clock)
    stats.observe_ttfb(2.0)
    clock.advance(1.0)
    stats.observe_ttfb(0.1)
    weight = math.exp(-1.0 / 10.0)
    assert stats.ttfb() == pytest.approx(2.0 * weight + 0.1 * (1 - weight))
    # Many fast samples converge on the fast value.
    for _ in range(200):
        clock.advance(1.0)
        stats.observe_ttfb(0.1)
    assert stats.ttfb() == pytest.approx(0.1, rel=1e-3)


def test_idle_estimate_decays_so_a_shunned_target_is_retried(clock) -> None:
    stats = TargetStats(tau=10.0, clock=clock)
    stats.observe_ttfb(2.0)
    clock.advance(10.0)
    assert stats.ttfb() == pytest.approx(2.0 / math.e)
    clock.advance(100.0)
    assert stats.ttfb() < 0.001


def test_error_rate_over_rolling_window(clock) -> None:
    stats = TargetStats(window=30.0, clock=clock)
    assert stats.error_rate() == 0.0
    for ok in (True, False, False, True):
        stats.record(ok)
    assert stats.requests_in_window() == 4
    assert stats.error_rate() == 0.5
    clock.advance(31.0)
    stats.record(True)
    assert stats.requests_in_window() == 1
    assert stats.error_rate() == 0.0


def test_snapshot_reports_live_numbers(clock) -> None:
    stats = TargetStats(clock=clock)
    stats.start()
    stats.observe_ttfb(0.25)
    stats.record(False)
    snap = stats.snapshot()
    assert snap == {
        "in_flight": 1,
        "ttfb_ewma_ms": 250.0,
        "requests_in_window": 1,
        "error_rate": 1.0,
    }


def test_rejects_bad_tau() -> None:
    with pytest.raises(ValueError):
        TargetStats(tau=0.0)


def test_serves_maps_aliases_or_passes_through() -> None:
    mapped = Target("groq", models={"chat-fast": "llama-3.1-8b-instant"})
    assert mapped.serves("chat-fast") == "llama-3.1-8b-instant"
    assert mapped.serves("gpt-4o") is None
    passthrough = Target("openrouter")
    assert passthrough.serves("anything/at-all") == "anything/at-all"
    empty = Target("empty", models={})
    assert empty.serves("chat-fast") is None


def test_available_needs_health_breaker_and_quota(clock) -> None:
    quota = ProviderQuota(rpm=1, clock=clock)
    breaker = CircuitBreaker(failures=1, clock=clock)
    target = Target("p", breaker=breaker, quota=quota)
    assert target.available()

    target.healthy = False
    assert not target.available()
    target.healthy = True

    quota.record_request()
    assert not target.available()
    clock.advance(61.0)
    assert target.available()

    permit = breaker.allow()
    assert permit is not None
    breaker.record(permit, success=False)
    assert not target.available()


def test_estimated_cost_uses_mapped_model_price() -> None:
    target = Target(
        "groq",
        models={"chat": "llama"},
        pricing={"llama": (0.05, 0.08)},
    )
    assert target.estimated_cost("chat", 1_000_000, 500_000) == pytest.approx(0.05 + 0.04)
    assert target.estimated_cost("other", 10, 10) == math.inf
    assert Target("mock").estimated_cost("chat", 10, 10) == math.inf


def test_targets_compare_by_identity_and_snapshot_has_no_secrets() -> None:
    a, b = Target("same"), Target("same")
    assert a != b
    assert len({a, b}) == 2
    snap = a.snapshot()
    assert snap["provider"] == "same"
    assert snap["available"] is True
    assert snap["breaker"]["state"] == "closed"  # type: ignore[index]
    assert "api_key" not in snap
    with pytest.raises(ValueError):
        Target("bad", weight=-1)
