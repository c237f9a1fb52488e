"""Counters and histograms cheap enough to update on every request.

prometheus_client's metric children take a lock and check their type on every ``inc`` and
``observe`` (~0.4 µs and ~1 µs here): the gateway makes six such updates per request, so
those families cost a tenth of the core's own CPU per request. The gateway serves each
process from one event loop thread, so the per-request updates need no lock: they are
plain additions to cells, and prometheus_client still does the registry and the text
format, reading the cells through a custom collector at scrape time.

The interface is the subset the gateway uses — ``labels(*values)`` then ``inc`` or
``observe`` — so a family here can replace a prometheus_client one without its callers
changing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# A bucket bound written as prometheus_client writes it (its helper is untyped).
_bound_text: Callable[[float], str] = floatToGoString


Cell = TypeVar("Cell")


class CounterCell:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        if amount < 0:
            raise ValueError("counters only go up")
        self.value += amount


class HistogramCell:
    __slots__ = ("_bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        # bisect_left: a value equal to a bound belongs to that bound's bucket (le="bound").
        self.counts[bisect_left(self._bounds, value)] += 1
        self.sum += value


class _Family(Collector, Generic[Cell]):
    """Cells by label values, registered with the registry as one collector."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = list(labelnames)
        self._cells: dict[tuple[str, ...], Cell] = {}
        registry.register(self)

    def labels(self, *values: str) -> Cell:
        cell = self._cells.get(values)
        if cell is None:
            if len(values) != len(self.labelnames):
                raise ValueError(f"{self.name} takes labels {self.labelnames}, got {values}")
            cell = self._cells[values] = self._new_cell()
        return cell

    def _new_cell(self) -> Cell:
        raise NotImplementedError

    def _empty(self) -> Metric:
        raise NotImplementedError

    def describe(self) -> Iterator[Metric]:
        yield self._empty()


class CounterFamily(_Family[CounterCell]):
    """A labelled counter, exposed as ``<name>_total``."""

    def _new_cell(self) -> CounterCell:
        return CounterCell()

    def _empty(self) -> CounterMetricFamily:
        return CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterator[Metric]:
        family = self._empty()
        for values, cell in list(self._cells.items()):
            family.add_metric(list(values), cell.value)
        yield family


class HistogramFamily(_Family[HistogramCell]):
    """A labelled histogram with fixed buckets (``_bucket``, ``_count``, ``_sum``)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        registry: CollectorRegistry,
        buckets: Sequence[float],
    ) -> None:
        self.bounds = tuple(float(b) for b in buckets)
        if list(self.bounds) != sorted(set(self.bounds)):
            raise ValueError("histogram buckets must be distinct and in increasing order")
        self._les = [_bound_text(b) for b in self.bounds] + ["+Inf"]
        super().__init__(name, documentation, labelnames, registry)

    def _new_cell(self) -> HistogramCell:
        return HistogramCell(self.bounds)

    def _empty(self) -> HistogramMetricFamily:
        return HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterator[Metric]:
        family = self._empty()
        for values, cell in list(self._cells.items()):
            cumulative, buckets = 0, []
            for le, count in zip(self._les, cell.counts, strict=True):
                cumulative += count
                buckets.append((le, float(cumulative)))
            family.add_metric(list(values), buckets, cell.sum)
        yield family
