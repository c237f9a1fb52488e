"""Summing the workers' metrics: every sample added up, series kept whole, bad files ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from proxy.observe.metrics import Metrics
from proxy.observe.workers import WorkerSnapshots


def _traffic(metrics: Metrics, route: str, durations: list[float], retries: int) -> None:
    for seconds in durations:
        metrics.requests.labels(route, "2xx").inc()
        metrics.request_seconds.labels(route).observe(seconds)
    for _ in range(retries):
        metrics.retries.labels("chat", "5xx").inc()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def two_workers(tmp_path: Path) -> tuple[WorkerSnapshots, Metrics]:
    """Worker A (answering the scrape) and worker B (known only by its snapshot file)."""
    a, b = Metrics(), Metrics()
    _traffic(a, "r1", [0.002, 0.2], retries=1)
    _traffic(b, "r1", [0.02], retries=2)
    _traffic(b, "r2", [3.0], retries=0)  # a series only worker B has seen
    other = WorkerSnapshots(tmp_path, b.registry)
    other._own = tmp_path / "999999.json"  # another process's file
    other.write()
    a.workers = WorkerSnapshots(tmp_path, a.registry)
    return a.workers, a


def test_every_sample_is_the_sum_of_both_workers(two_workers: tuple[WorkerSnapshots, Metrics]):
    snapshots, _ = two_workers
    samples = _samples(snapshots.render().decode())
    assert samples[("sluicegate_requests_total", (("route", "r1"), ("status_class", "2xx")))] == 3
    assert samples[("sluicegate_requests_total", (("route", "r2"), ("status_class", "2xx")))] == 1
    assert samples[("sluicegate_retries_total", (("reason", "5xx"), ("upstream", "chat")))] == 3
    r1 = (("route", "r1"),)
    assert samples[("sluicegate_request_duration_seconds_count", r1)] == 3
    assert samples[("sluicegate_request_duration_seconds_sum", r1)] == pytest.approx(0.222)
    assert samples[("sluicegate_request_duration_seconds_bucket", (("le", "0.025"), *r1))] == 2
    assert samples[("sluicegate_request_duration_seconds_bucket", (("le", "+Inf"), *r1))] == 3
    assert not any(name.endswith("_created") for name, _ in samples)


def test_a_garbled_or_half_written_snapshot_is_skipped(two_workers, tmp_path: Path) -> None:
    snapshots, _ = two_workers
    (tmp_path / "888888.json").write_bytes(b'[["sluicegate_requests", "counter"')
    samples = _samples(snapshots.render().decode())
    assert samples[("sluicegate_requests_total", (("route", "r1"), ("status_class", "2xx")))] == 3


def test_the_summed_page_passes_promtool(two_workers) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: install the Debian package 'prometheus'")
    snapshots, _ = two_workers
    result = subprocess.run(
        [promtool, "check", "metrics"], input=snapshots.render(), capture_output=True, timeout=60
    )
    # promtool exits 0 on a well-formed page; lint remarks (e.g. counter naming) go to stdout.
    assert result.returncode == 0, result.stdout + result.stderr
