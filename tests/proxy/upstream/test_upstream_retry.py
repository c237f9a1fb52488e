"""RetryPolicy (what and when to retry), RetryBudget and Retry-After parsing."""

from __future__ import annotations

import email.utils
import random

import pytest

from proxy.upstream.retry import RETRY_AFTER_CAP, RetryBudget, RetryPolicy, parse_retry_after

POLICY = RetryPolicy(
    attempts=3,
    backoff=0.1,
    max_backoff=2.0,
    on=frozenset({"connect", "timeout", 429, 500, 502, 503, 504}),
)


@pytest.mark.parametrize("outcome", ["connect", "timeout", 429, 500, 502, 503, 504])
def test_retries_on_configured_outcomes(outcome: int | str) -> None:
    assert POLICY.should_retry(outcome)


@pytest.mark.parametrize("outcome", ["protocol", 400, 401, 404, 501, 200])
def test_does_not_retry_other_outcomes(outcome: int | str) -> None:
    assert not POLICY.should_retry(outcome)


def test_attempts_counts_the_first_try() -> None:
    assert POLICY.can_retry(1)
    assert POLICY.can_retry(2)
    assert not POLICY.can_retry(3)
    off = RetryPolicy(attempts=1)
    assert not off.can_retry(1)


@pytest.mark.parametrize("attempt", range(1, 9))
def test_backoff_stays_within_full_jitter_bounds(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = min(2.0, 0.1 * 2**attempt)
    delays = [POLICY.delay(attempt, None, rng) for _ in range(500)]
    assert min(delays) >= 0.1
    assert max(delays) <= ceiling
    # Full jitter: the draws really spread over the range, not cluster at one end.
    spread = ceiling - 0.1
    assert max(delays) - min(delays) > 0.8 * spread


def test_backoff_grows_with_attempts() -> None:
    rng = random.Random(0)
    mean = [sum(POLICY.delay(a, None, rng) for _ in range(400)) / 400 for a in (1, 2, 3, 4)]
    assert mean == sorted(mean)
    assert mean[3] > 2 * mean[0]


def test_retry_after_is_honoured_but_capped() -> None:
    rng = random.Random(0)
    assert POLICY.delay(1, 1.5, rng) == 1.5  # above the backoff draw: waited for
    assert POLICY.delay(1, 30.0, rng) == 2.0  # capped at max_backoff
    assert 0.1 <= POLICY.delay(1, 0.0, rng) <= 0.2  # below the draw: backoff wins
    assert POLICY.worth_waiting(2.0)
    assert not POLICY.worth_waiting(2.5)


def test_separate_retry_after_cap() -> None:
    policy = RetryPolicy(backoff=0.1, max_backoff=1.0, retry_after_cap=5.0)
    assert policy.delay(1, 4.0, random.Random(0)) == 4.0
    assert policy.delay(1, 60.0, random.Random(0)) == 5.0
    assert policy.worth_waiting(5.0) and not policy.worth_waiting(5.1)


@pytest.mark.parametrize(
    "kwargs",
    [{"attempts": 0}, {"backoff": -1.0}, {"backoff": 3.0, "max_backoff": 2.0}, {"budget": -0.1}],
)
def test_policy_validation(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# -- budget -------------------------------------------------------------------------------


def test_budget_under_a_burst_of_failures_never_exceeds_ratio_plus_floor(clock) -> None:
    budget = RetryBudget(ratio=0.2, window=10.0, min_retries_per_second=0.5, clock=clock)
    floor = 0.5 * 10.0
    granted = 0
    for requests in range(1, 1001):  # every request fails and wants two retries
        budget.record_request()
        for _ in range(2):
            if budget.try_acquire_retry():
                granted += 1
            assert granted <= 0.2 * requests + floor
    assert granted == int(0.2 * 1000 + floor)  # and the budget is used, not just refused


def test_budget_holds_while_time_passes(clock) -> None:
    budget = RetryBudget(ratio=0.1, window=10.0, min_retries_per_second=0.0, clock=clock)
    granted_in_window: list[tuple[float, int]] = []
    for step in range(3000):
        clock.advance(0.01)
        budget.record_request()
        if budget.try_acquire_retry():
            granted_in_window.append((clock(), step))
        snap = budget.snapshot()
        assert snap["retries_in_window"] <= 0.1 * snap["requests_in_window"]
    # 30 s of steady traffic at 100 rps with a 10 % budget: about 300 retries in all.
    assert 250 <= len(granted_in_window) <= 300


def test_budget_floor_lets_a_quiet_group_retry_and_refills(clock) -> None:
    budget = RetryBudget(ratio=0.2, window=10.0, min_retries_per_second=0.3, clock=clock)
    assert [budget.try_acquire_retry() for _ in range(4)] == [True, True, True, False]
    clock.advance(10.5)
    assert budget.try_acquire_retry()


def test_zero_budget_refuses_every_retry(clock) -> None:
    budget = RetryBudget(ratio=0.0, min_retries_per_second=0.0, clock=clock)
    for _ in range(100):
        budget.record_request()
    assert not budget.try_acquire_retry()


def test_budget_validation() -> None:
    with pytest.raises(ValueError):
        RetryBudget(ratio=-1.0)


# -- Retry-After --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 3 ", 3.0), ("0", 0.0), ("1.5", 1.5)],
)
def test_retry_after_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize(
    "value", [None, "", "   ", "-1", "nan", "inf", "soon", "Wed, 99 Foo 2015", "12abc"]
)
def test_retry_after_garbage_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_retry_after_is_capped() -> None:
    assert parse_retry_after("1e300") == RETRY_AFTER_CAP
    assert parse_retry_after("99999999999999999999") == RETRY_AFTER_CAP
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=0.0) == RETRY_AFTER_CAP


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(30.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 5) == 5.0
