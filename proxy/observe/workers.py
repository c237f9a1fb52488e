"""``/-/metrics`` across worker processes: every worker's figures, summed at scrape time.

With ``workers > 1`` the admin socket is shared, so a scrape reaches one worker, chosen by the
kernel; on its own, that worker's registry would show its share of the traffic and jump
between scrapes. So every worker writes a snapshot of its registry into a directory the
parent process created (every ``interval`` seconds, and once more when it stops), and the
worker that answers a scrape adds the other workers' latest snapshots to its own live
figures. Counters, histogram buckets, sums and counts, and gauges (in-flight requests,
admission queues) are summed per sample; ``_created`` samples are dropped, since a sum of
creation times means nothing. The other workers' figures are at most ``interval`` old.

prometheus_client's own multiprocess mode does not fit: it does not cover custom collectors
(the per-request cells of ``proxy.observe.cells``) nor callback gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger("sluicegate.metrics")

SampleKey = tuple[str, tuple[tuple[str, str], ...]]


class WorkerSnapshots:
    """One worker's side: write its snapshot, and render the sum of everyone's."""

    def __init__(self, directory: Path, registry: CollectorRegistry, interval: float = 1.0):
        self.directory = directory
        self.registry = registry
        self.interval = interval
        self._own = directory / f"{os.getpid()}.json"

    def write(self) -> None:
        """Replace this worker's snapshot atomically (a reader never sees half a file)."""
        data = [_dump(family) for family in self.registry.collect()]
        partial = self._own.with_suffix(".partial")
        partial.write_bytes(orjson.dumps(data))
        os.replace(partial, self._own)

    async def run(self) -> None:
        while True:
            try:
                self.write()
            except OSError as exc:  # a full or vanished temp dir must not stop the worker
                log.warning("could not write the metrics snapshot: %s", exc)
            await asyncio.sleep(self.interval)

    def render(self) -> bytes:
        """The text format of this worker's live registry plus every other worker's snapshot."""
        families = [_dump(family) for family in self.registry.collect()]
        for other in self._others():
            families.extend(other)
        merged = CollectorRegistry(auto_describe=False)
        merged.register(_Fixed(_merge(families)))
        return generate_latest(merged)

    def _others(self) -> Iterator[list[Any]]:
        for path in self.directory.glob("*.json"):
            if path == self._own:
                continue
            with contextlib.suppress(OSError, orjson.JSONDecodeError):
                yield orjson.loads(path.read_bytes())


def _dump(family: Metric) -> list[Any]:
    samples = [
        [s.name, sorted(s.labels.items()), s.value]
        for s in family.samples
        if not s.name.endswith("_created")
    ]
    return [family.name, family.type, family.documentation, samples]


def _merge(families: Iterable[list[Any]]) -> list[Metric]:
    """Sum samples with the same name and labels; families keep their first-seen order."""
    heads: dict[str, tuple[str, str]] = {}
    sums: dict[str, dict[SampleKey, float]] = {}
    for name, kind, documentation, samples in families:
        heads.setdefault(name, (kind, documentation))
        totals = sums.setdefault(name, {})
        for sample_name, labels, value in samples:
            if value is None:  # NaN travels as null: nothing to add
                continue
            key = (sample_name, tuple((k, v) for k, v in labels))
            totals[key] = totals.get(key, 0.0) + value
    out = []
    for name, (kind, documentation) in heads.items():
        metric = Metric(name, documentation, kind)
        for (sample_name, labels), value in sorted(sums[name].items(), key=_series_order):
            metric.add_sample(sample_name, dict(labels), value)
        out.append(metric)
    return out


def _series_order(item: tuple[SampleKey, float]) -> tuple[Any, ...]:
    """Each series together, a histogram's buckets in ``le`` order, then its count and sum
    (a series only one worker has seen would otherwise come after everyone else's)."""
    (sample_name, labels), _ = item
    series = tuple(pair for pair in labels if pair[0] != "le")
    le = next((v for k, v in labels if k == "le"), None)
    bound = float(le) if le is not None else 0.0
    return (series, sample_name.rsplit("_", 1)[-1] != "bucket", sample_name, bound)


class _Fixed(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self._metrics
