"""The lock-free metric families expose exactly what prometheus_client's own would."""

from __future__ import annotations

import random

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from proxy.observe.cells import CounterFamily, HistogramFamily

BUCKETS = (0.001, 0.01, 0.1, 1, 10)


def _exposition(registry: CollectorRegistry) -> list[str]:
    """The scrape text without prometheus_client's ``_created`` samples (ours has none)."""
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if "_created" not in line]


def test_histogram_scrape_matches_prometheus_client_for_the_same_observations() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    mine = HistogramFamily("t_seconds", "doc", ["route"], ours, buckets=BUCKETS)
    reference = Histogram("t_seconds", "doc", ["route"], registry=theirs, buckets=BUCKETS)
    rng = random.Random(7)
    # Values on the bounds themselves check the le="bound" edge; 50 s lands in +Inf.
    values = [rng.uniform(0, 2) for _ in range(500)] + [*BUCKETS, 0.0, 50.0]
    for index, value in enumerate(values):
        route = "a" if index % 3 else "b"
        mine.labels(route).observe(value)
        reference.labels(route).observe(value)
    assert _exposition(ours) == _exposition(theirs)


def test_counter_scrape_matches_prometheus_client() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    mine = CounterFamily("t_requests", "doc", ["route", "status_class"], ours)
    reference = Counter("t_requests", "doc", ["route", "status_class"], registry=theirs)
    for labels, amount in [(("a", "2xx"), 1), (("a", "2xx"), 2.5), (("b", "5xx"), 1)]:
        mine.labels(*labels).inc(amount)
        reference.labels(*labels).inc(amount)
    assert _exposition(ours) == _exposition(theirs)
    assert ours.get_sample_value("t_requests_total", {"route": "a", "status_class": "2xx"}) == 3.5


def test_a_counter_refuses_to_go_down_and_wrong_label_counts() -> None:
    family = CounterFamily("t_events", "doc", ["type"], CollectorRegistry())
    with pytest.raises(ValueError, match="only go up"):
        family.labels("x").inc(-1)
    with pytest.raises(ValueError, match="takes labels"):
        family.labels("x", "y")


def test_unsorted_buckets_are_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        HistogramFamily("t_h", "doc", [], CollectorRegistry(), buckets=(1, 0.5))
