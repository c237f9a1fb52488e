"""The console's in-process journal: rate buckets roll over, events are bounded."""

from __future__ import annotations

from proxy.observe.journal import BUCKET_SECONDS, BUCKETS, EVENTS_KEPT, Journal
from proxy.testing import FakeClock


def test_rates_count_per_bucket_and_forget_what_is_older_than_the_window() -> None:
    clock = FakeClock(10_000.0)
    journal = Journal(clock)
    for status in (200, 200, 502, 429):
        journal.count(status)
    clock.advance(BUCKET_SECONDS)
    journal.count(500)
    points = journal.rates()
    assert len(points) == BUCKETS
    assert (points[-1].requests, points[-1].errors, points[-1].seconds_ago) == (1, 1, 0)
    assert (points[-2].requests, points[-2].errors) == (4, 1)  # 429 is not an error
    clock.advance(BUCKET_SECONDS * BUCKETS)  # a whole window later: the same slots, new buckets
    journal.count(200)
    points = journal.rates()
    assert sum(p.requests for p in points) == 1 and sum(p.errors for p in points) == 0


def test_events_are_bounded_and_reloads_remember_the_last_rejection() -> None:
    journal = Journal(FakeClock())
    for n in range(EVENTS_KEPT + 10):
        journal.event("auth_failed", "api_key", f"#{n}", ip="10.0.0.1")
    assert len(journal.events) == EVENTS_KEPT and journal.events[0].reason == "#10"
    journal.reloaded(False, "config error: x", "v1")
    journal.reloaded(True, "config v2 is live", "v2")
    assert journal.last_reload is not None and journal.last_reload.ok
    assert journal.last_failed_reload is not None
    assert journal.last_failed_reload.message == "config error: x"
