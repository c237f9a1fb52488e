"""gc_pauses: only the collections inside the measured window count, per generation."""

from __future__ import annotations

from benchmarks.gc_pauses import render, summarise


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


def _run(p99: float, cpu: float, young: int) -> dict[str, object]:
    gen = {"count": 0, "cpu_total_ms": 0.0, "cpu_max_ms": None, "collected": 0}
    return {
        "ttfb_p50_ms": p99 / 2,
        "ttfb_p99_ms": p99,
        "cpu_ms_per_burst": cpu,
        "gc": {
            "gen0": {**gen, "count": young, "cpu_total_ms": 3.0 * young, "cpu_max_ms": 3.0},
            "gen1": gen,
            "gen2": gen,
        },
    }


def test_render_gives_medians_per_burst_and_the_ratio_to_the_floor() -> None:
    results = {
        "floor": [_run(1000, 700, 30), _run(2000, 800, 30), _run(1200, 650, 33)],
        "gateway": [_run(600, 500, 0), _run(900, 450, 0), _run(500, 480, 3)],
    }
    table = render(results, rounds=3).splitlines()
    assert table[2] == "| floor | 10.0 / 0.0 / 0.0 | 30 | 3 | 0 | 700 | 600 | 1200 | 1.00x |"
    assert table[3] == "| gateway | 0.0 / 0.0 / 0.0 | 0 | 3 | 0 | 480 | 300 | 600 | 0.50x |"
