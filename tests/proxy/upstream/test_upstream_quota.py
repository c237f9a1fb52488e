"""RollingCounter and ProviderQuota: sliding windows and the rpm/tpm/429 block."""

from __future__ import annotations

import math

import pytest

from proxy.upstream.quota import ProviderQuota, RollingCounter


def test_counter_sums_within_window_and_forgets_after(clock) -> None:
    counter = RollingCounter(10.0, 10, clock=clock)
    counter.add()
    counter.add(2.5)
    assert counter.total() == 3.5
    clock.advance(5.0)
    counter.add()
    assert counter.total() == 4.5
    clock.advance(5.5)  # the first two adds are now 10.5 s old
    assert counter.total() == 1.0
    clock.advance(10.0)
    assert counter.total() == 0.0


def test_counter_reuses_buckets_without_leaking_old_values(clock) -> None:
    counter = RollingCounter(1.0, 4, clock=clock)
    for _ in range(100):  # wraps the ring of buckets many times
        clock.advance(0.25)
        counter.add()
    # Exactly the last four adds (one per bucket, the newest in the current one) count.
    assert counter.total() == 4.0


def test_counter_reset_and_next_expiry(clock) -> None:
    counter = RollingCounter(60.0, 12, clock=clock)
    assert counter.next_expiry() == 0.0
    counter.add()
    assert 55.0 <= counter.next_expiry() <= 60.0
    counter.reset()
    assert counter.total() == 0.0


@pytest.mark.parametrize(("window", "buckets"), [(0.0, 10), (-1.0, 10), (10.0, 0)])
def test_counter_rejects_bad_shape(window: float, buckets: int) -> None:
    with pytest.raises(ValueError):
        RollingCounter(window, buckets)


def test_rpm_exhausts_at_limit_and_recovers_after_a_minute(clock) -> None:
    quota = ProviderQuota(rpm=3, clock=clock)
    for _ in range(2):
        quota.record_request()
    assert not quota.exhausted()
    quota.record_request()
    assert quota.exhausted()
    assert 0.0 < quota.available_in() <= 60.0
    clock.advance(61.0)
    assert not quota.exhausted()
    assert quota.available_in() == 0.0


def test_tpm_counts_tokens_not_requests(clock) -> None:
    quota = ProviderQuota(tpm=1000, clock=clock)
    quota.record_tokens(600)
    quota.record_tokens(0)
    quota.record_tokens(-50)  # nonsense from a provider is ignored, not subtracted
    assert not quota.exhausted()
    quota.record_tokens(400)
    assert quota.exhausted()
    assert quota.snapshot()["tokens_last_minute"] == 1000


def test_block_until_from_retry_after_and_never_shortened(clock) -> None:
    quota = ProviderQuota(clock=clock)
    assert not quota.exhausted()
    quota.block_for(30.0)
    quota.block_until(clock() + 5.0)  # an earlier deadline does not shorten the block
    assert quota.exhausted()
    assert quota.available_in() == pytest.approx(30.0)
    clock.advance(29.9)
    assert quota.exhausted()
    clock.advance(0.2)
    assert not quota.exhausted()


def test_no_limits_never_exhausts(clock) -> None:
    quota = ProviderQuota(clock=clock)
    for _ in range(10_000):
        quota.record_request()
    quota.record_tokens(10**9)
    assert not quota.exhausted()
    snap = quota.snapshot()
    assert snap["requests_last_minute"] == 10_000
    assert snap["blocked_for"] == 0.0
    assert not math.isinf(quota.available_in())


@pytest.mark.parametrize("kwargs", [{"rpm": 0}, {"tpm": 0}, {"rpm": -5}])
def test_quota_rejects_non_positive_limits(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ProviderQuota(**kwargs)


@pytest.mark.parametrize("seed", range(5))
def test_counter_running_sum_matches_a_naive_log(seed: int, clock) -> None:
    """The O(1) running sum agrees with recounting every event, across gaps of any size."""
    import random

    rng = random.Random(seed)
    counter = RollingCounter(10.0, 5, clock=clock)
    width = 2.0
    events: list[tuple[float, float]] = []
    for _ in range(2000):
        clock.advance(rng.choice([0.0, 0.1, 0.7, 1.9, 4.0, 13.0]))
        amount = float(rng.randint(1, 9))
        counter.add(amount)
        events.append((clock(), amount))
        oldest = math.floor(clock() / width) - 5 + 1
        expected = sum(a for t, a in events if math.floor(t / width) >= oldest)
        assert counter.total() == expected
