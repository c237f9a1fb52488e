"""CircuitBreaker state machine on a hand-driven clock, is_failure, and BreakerSync."""

from __future__ import annotations

import json
import random

import pytest

from proxy.upstream.breaker import BreakerSync, CircuitBreaker, Permit, is_failure


def make(clock, **kwargs) -> tuple[CircuitBreaker, list[tuple[str, str]]]:
    moves: list[tuple[str, str]] = []
    options = {"rng": random.Random(0), "clock": clock, **kwargs}
    breaker = CircuitBreaker(on_transition=lambda old, new: moves.append((old, new)), **options)
    return breaker, moves


def outcome(breaker: CircuitBreaker, success: bool) -> None:
    permit = breaker.allow()
    assert permit is not None, "breaker refused an attempt it should have allowed"
    breaker.record(permit, success)


def open_and_wait(breaker: CircuitBreaker, clock) -> None:
    """Trip a closed breaker by consecutive failures and let its open time run out."""
    for _ in range(breaker.failures):
        outcome(breaker, False)
    assert breaker.state == "open"
    clock.advance(breaker.max_open_for * 2)
    assert breaker.state == "half_open"


# -- closed -> open -----------------------------------------------------------------------


def test_opens_on_exactly_n_consecutive_failures(clock) -> None:
    breaker, moves = make(clock, failures=3)
    outcome(breaker, False)
    outcome(breaker, False)
    assert breaker.state == "closed"
    outcome(breaker, True)  # a success resets the streak
    outcome(breaker, False)
    outcome(breaker, False)
    assert breaker.state == "closed"
    outcome(breaker, False)
    assert breaker.state == "open"
    assert moves == [("closed", "open")]
    assert breaker.allow() is None
    assert not breaker.allows()


def test_opens_on_error_rate_only_once_min_requests_is_reached(clock) -> None:
    breaker, _ = make(clock, failures=5, error_rate=0.5, min_requests=20)
    pattern = [False, False, True]  # never five in a row, 2/3 failing
    for n in range(1, 20):
        outcome(breaker, pattern[(n - 1) % 3])
        assert breaker.state == "closed", f"tripped after only {n} requests"
    outcome(breaker, pattern[19 % 3])  # 20th request: 14 of 20 failed
    assert breaker.state == "open"


def test_error_rate_at_threshold_does_not_trip(clock) -> None:
    breaker, _ = make(clock, failures=5, error_rate=0.5, min_requests=20)
    for n in range(200):
        outcome(breaker, n % 2 == 0)  # exactly 50 %: the rule is "over", not "at"
    assert breaker.state == "closed"


def test_old_failures_leave_the_window(clock) -> None:
    breaker, _ = make(clock, failures=0, error_rate=0.5, min_requests=20, window=30.0)
    for _ in range(15):
        outcome(breaker, False)
    clock.advance(31.0)
    for _ in range(10):
        outcome(breaker, False)
    for _ in range(15):
        outcome(breaker, True)
    # In the window: 10 failures of 25 = 40 %; the 15 old failures must not count.
    assert breaker.state == "closed"
    assert breaker.snapshot()["requests_in_window"] == 25


def test_failures_zero_disables_the_consecutive_rule(clock) -> None:
    breaker, _ = make(clock, failures=0, min_requests=1000)
    for _ in range(500):
        outcome(breaker, False)
    assert breaker.state == "closed"


# -- open time ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_open_time_is_jittered_within_bounds(seed: int, clock) -> None:
    breaker = CircuitBreaker(
        failures=1, open_for=30.0, jitter=0.2, clock=clock, rng=random.Random(seed)
    )
    outcome(breaker, False)
    remaining = breaker.open_remaining()
    assert 24.0 <= remaining <= 36.0
    clock.advance(remaining - 0.001)
    assert breaker.state == "open"
    clock.advance(0.002)
    assert breaker.state == "half_open"


def test_jitter_actually_spreads_open_times(clock) -> None:
    rng = random.Random(1)
    spans = set()
    for _ in range(20):
        breaker = CircuitBreaker(failures=1, open_for=30.0, clock=clock, rng=rng)
        outcome(breaker, False)
        spans.add(round(breaker.open_remaining(), 3))
    assert len(spans) > 10


def test_open_time_doubles_on_each_reopen_up_to_the_cap(clock) -> None:
    breaker, _ = make(clock, failures=1, open_for=10.0, jitter=0.2, max_open_for=60.0)
    outcome(breaker, False)
    expected = [10.0, 20.0, 40.0, 60.0, 60.0]
    assert 8.0 <= breaker.open_remaining() <= 12.0
    for base in expected[1:]:
        clock.advance(breaker.open_remaining() + 0.001)
        assert breaker.state == "half_open"
        outcome(breaker, False)  # the probe fails: open again, for longer
        assert breaker.state == "open"
        assert base * 0.8 <= breaker.open_remaining() <= base * 1.2
    assert breaker.snapshot()["reopens"] == 4


def test_success_in_half_open_closes_and_resets_growth(clock) -> None:
    breaker, moves = make(clock, failures=1, open_for=10.0, jitter=0.0)
    outcome(breaker, False)
    clock.advance(10.0)
    outcome(breaker, False)  # re-open: 20 s
    assert breaker.open_remaining() == pytest.approx(20.0)
    clock.advance(20.0)
    outcome(breaker, True)
    assert breaker.state == "closed"
    outcome(breaker, False)  # a fresh trip starts from open_for again
    assert breaker.open_remaining() == pytest.approx(10.0)
    assert moves == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
        ("closed", "open"),
    ]


# -- half-open ----------------------------------------------------------------------------


def test_half_open_admits_only_the_configured_probes(clock) -> None:
    breaker, _ = make(clock, failures=1, half_open=2)
    open_and_wait(breaker, clock)
    first, second = breaker.allow(), breaker.allow()
    assert first is not None and first.probe
    assert second is not None and second.probe
    assert breaker.allow() is None
    assert not breaker.allows()
    breaker.cancel(first)  # a probe whose client went away frees its slot
    third = breaker.allow()
    assert third is not None
    assert breaker.snapshot()["probes_in_flight"] == 2


def test_other_probes_results_are_ignored_after_the_first_decides(clock) -> None:
    breaker, _ = make(clock, failures=1, half_open=2)
    open_and_wait(breaker, clock)
    good, bad = breaker.allow(), breaker.allow()
    assert good is not None and bad is not None
    breaker.record(good, True)
    breaker.record(bad, False)  # stale: the breaker already closed on the good one
    assert breaker.state == "closed"


def test_stale_permit_from_before_a_trip_cannot_close_the_breaker(clock) -> None:
    breaker, _ = make(clock, failures=2)
    long_stream = breaker.allow()
    assert long_stream is not None
    outcome(breaker, False)
    outcome(breaker, False)
    assert breaker.state == "open"
    breaker.record(long_stream, True)
    assert breaker.state == "open"
    breaker.cancel(Permit(epoch=-1, probe=True))  # unknown permits are harmless
    assert breaker.snapshot()["probes_in_flight"] == 0


def test_closing_starts_a_fresh_window(clock) -> None:
    breaker, _ = make(clock, failures=3)
    outcome(breaker, False)
    outcome(breaker, False)
    outcome(breaker, False)
    clock.advance(1000.0)
    outcome(breaker, True)
    assert breaker.state == "closed"
    outcome(breaker, False)
    outcome(breaker, False)
    assert breaker.state == "closed"  # the streak before the trip does not carry over


def test_snapshot_and_validation(clock) -> None:
    breaker, _ = make(clock)
    outcome(breaker, True)
    outcome(breaker, False)
    snap = breaker.snapshot()
    assert snap["state"] == "closed"
    assert snap["error_rate"] == 0.5
    assert snap["consecutive_failures"] == 1
    for bad in (
        {"half_open": 0},
        {"error_rate": 1.5},
        {"open_for": 0},
        {"jitter": 1.0},
        {"failures": -1},
    ):
        with pytest.raises(ValueError):
            CircuitBreaker(**bad)  # type: ignore[arg-type]


# -- what counts as a failure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (None, "connect", True),
        (None, "timeout", True),
        (None, "protocol", True),
        (None, "cancelled", False),
        (None, "client", False),
        (500, None, True),
        (502, None, True),
        (503, None, True),
        (504, None, True),
        (400, None, False),
        (401, None, False),
        (404, None, False),
        (429, None, False),
        (200, None, False),
        (None, None, False),
    ],
)
def test_is_failure(status: int | None, kind: str | None, expected: bool) -> None:
    assert is_failure(status, kind) is expected


# -- fleet sharing ------------------------------------------------------------------------


class FakeStore:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.sets: list[tuple[str, bytes, float | None]] = []
        self.fail = False

    async def get(self, key: str) -> bytes | None:
        if self.fail:
            raise ConnectionError("store down")
        return self.data.get(key)

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        if self.fail:
            raise ConnectionError("store down")
        self.sets.append((key, value, ttl))
        self.data[key] = value


async def test_open_is_shared_and_adopted_without_echo(clock) -> None:
    store = FakeStore()
    wall = [5000.0]
    a = CircuitBreaker(failures=1, open_for=30.0, jitter=0.0, clock=clock)
    b = CircuitBreaker(failures=1, open_for=30.0, jitter=0.0, clock=clock)
    sync_a = BreakerSync(store, "brk:groq", a, wall_clock=lambda: wall[0])
    sync_b = BreakerSync(store, "brk:groq", b, wall_clock=lambda: wall[0])
    a.subscribe(sync_a.notify)
    b.subscribe(sync_b.notify)

    outcome(a, False)
    await sync_a.drain()
    assert json.loads(store.data["brk:groq"]) == {"state": "open", "until": 5030.0}
    assert store.sets[-1][2] == pytest.approx(30.0)  # the record expires with the open time

    wall[0] += 10.0
    await sync_b.pull()
    assert b.state == "open"
    assert b.open_remaining() == pytest.approx(20.0)
    await sync_b.drain()
    assert len(store.sets) == 1  # b adopted the open state; it did not republish it


async def test_remote_close_moves_open_to_half_open_not_closed(clock) -> None:
    store = FakeStore()
    breaker = CircuitBreaker(failures=1, clock=clock)
    sync = BreakerSync(store, "k", breaker)
    outcome(breaker, False)
    store.data["k"] = b'{"state": "closed"}'
    await sync.pull()
    assert breaker.state == "half_open"  # our own probe must confirm the recovery


async def test_close_is_published_with_a_ttl(clock) -> None:
    store = FakeStore()
    breaker = CircuitBreaker(failures=1, clock=clock)
    sync = BreakerSync(store, "k", breaker)
    breaker.subscribe(sync.notify)
    open_and_wait(breaker, clock)
    outcome(breaker, True)
    await sync.drain()
    assert [json.loads(v)["state"] for _, v, _ in store.sets] == ["open", "closed"]
    assert store.sets[-1][2] == BreakerSync.CLOSED_TTL


async def test_store_errors_and_garbage_never_raise(clock) -> None:
    store = FakeStore()
    breaker = CircuitBreaker(failures=1, clock=clock)
    sync = BreakerSync(store, "k", breaker)
    breaker.subscribe(sync.notify)
    store.fail = True
    outcome(breaker, False)
    await sync.drain()
    await sync.pull()
    assert sync.errors == 2
    store.fail = False
    for garbage in (b"not json", b'{"nostate": 1}', b'{"state": "open", "until": "x"}'):
        store.data["k"] = garbage
        await sync.pull()
    assert sync.errors == 5
    assert breaker.state == "open"  # local state untouched by garbage


async def test_expired_remote_open_is_not_adopted(clock) -> None:
    store = FakeStore()
    breaker = CircuitBreaker(clock=clock)
    sync = BreakerSync(store, "k", breaker, wall_clock=lambda: 100.0)
    store.data["k"] = b'{"state": "open", "until": 99.0}'
    await sync.pull()
    assert breaker.state == "closed"


def test_notify_outside_a_loop_is_a_no_op(clock) -> None:
    store = FakeStore()
    breaker = CircuitBreaker(failures=1, clock=clock)
    sync = BreakerSync(store, "k", breaker)
    breaker.subscribe(sync.notify)
    outcome(breaker, False)  # no running loop: nothing scheduled, nothing raised
    assert store.sets == []


def test_peek_state_reports_half_open_without_moving_the_breaker(clock) -> None:
    breaker, moves = make(clock, failures=2)
    outcome(breaker, False)
    outcome(breaker, False)
    assert breaker.peek_state() == "open"
    clock.advance(breaker.max_open_for * 2)
    assert breaker.peek_state() == "half_open"
    assert moves == [("closed", "open")]  # a gauge read is not a transition
    assert breaker.state == "half_open"  # the real read moves it, and says so
    assert moves == [("closed", "open"), ("open", "half_open")]
