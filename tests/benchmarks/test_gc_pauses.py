"""gc_pauses: only the collections inside the measured window count, per generation."""

from __future__ import annotations

from benchmarks.gc_pauses import summarise


def test_summarise_counts_the_window_per_generation() -> None:
    # (generation, started, wall s, cpu s, collected, uncollectable)
    events = [
        (0, 1.0, 0.010, 0.002, 5, 0),  # before the window: the warm-up burst
        (0, 10.0, 0.004, 0.003, 0, 0),
        (0, 11.0, 0.009, 0.001, 2, 0),
        (1, 12.0, 0.050, 0.040, 7, 0),
        (2, 30.0, 0.200, 0.150, 9, 0),  # after it: the drain
    ]
    summary = summarise(events, (10.0, 20.0))
    assert summary["gen0"]["count"] == 2
    assert summary["gen0"]["cpu_total_ms"] == 4.0
    assert summary["gen0"]["cpu_max_ms"] == 3.0
    assert summary["gen0"]["wall_max_ms"] == 9.0
    assert summary["gen0"]["collected"] == 2
    assert summary["gen1"] == {
        "count": 1,
        "cpu_total_ms": 40.0,
        "cpu_p50_ms": 40.0,
        "cpu_max_ms": 40.0,
        "wall_max_ms": 50.0,
        "collected": 7,
    }
    assert summary["gen2"]["count"] == 0 and summary["gen2"]["cpu_max_ms"] is None
