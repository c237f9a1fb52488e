"""Prometheus metrics: one registry per process, kept across reloads so counters never reset.

Labels are low-cardinality by rule — route, status class, provider, model, event type —
never a user id, key or IP address. The families every request updates are the lock-free
ones of ``proxy.observe.cells``; the rare ones (retries, reloads, events) are
prometheus_client's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from proxy.observe.cells import CounterFamily, HistogramFamily
from proxy.observe.journal import Journal
from proxy.observe.workers import WorkerSnapshots

_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.workers: WorkerSnapshots | None = None
        # Recent rates, security events and reloads for the console (proxy/observe/journal.py).
        self.journal = Journal()
        r = self.registry
        self._custom: dict[str, Any] = {}
        self.requests = CounterFamily(
            "sluicegate_requests",
            "Requests answered, by route and status class.",
            ["route", "status_class"],
            registry=r,
        )
        self.request_seconds = HistogramFamily(
            "sluicegate_request_duration_seconds",
            "Time from request to last byte.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_attempts = CounterFamily(
            "sluicegate_upstream_attempts",
            "Attempts sent to providers.",
            ["provider", "outcome"],
            registry=r,
        )
        self.upstream_ttfb = HistogramFamily(
            "sluicegate_upstream_ttfb_seconds",
            "Provider time to first byte.",
            ["provider"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.retries = Counter(
            "sluicegate_retries", "Retries and failovers.", ["upstream", "reason"], registry=r
        )
        self.breaker_transitions = Counter(
            "sluicegate_breaker_transitions",
            "Circuit breaker state changes.",
            ["upstream", "target", "to"],
            registry=r,
        )
        self.security_events = Counter(
            "sluicegate_security_events",
            "Security events, by type and plugin.",
            ["type", "plugin", "monitored"],
            registry=r,
        )
        self.tokens = CounterFamily(
            "sluicegate_tokens",
            "Tokens reported by providers.",
            ["provider", "model", "direction"],
            registry=r,
        )
        self.cost = CounterFamily(
            "sluicegate_cost_usd",
            "Estimated spend from pricing.",
            ["provider", "model"],
            registry=r,
        )
        # Filled only for the teams in [keys] team_metrics (bounded label cardinality).
        self.team_tokens = CounterFamily(
            "sluicegate_team_tokens",
            "Tokens reported by providers, by team (allowlisted teams; the rest as other).",
            ["team", "direction"],
            registry=r,
        )
        self.team_cost = CounterFamily(
            "sluicegate_team_cost_usd",
            "Estimated spend from pricing, by team (allowlisted teams; the rest as other).",
            ["team"],
            registry=r,
        )
        self.reloads = Counter(
            "sluicegate_config_reloads", "Config reloads, by outcome.", ["outcome"], registry=r
        )
        self.state_errors = Counter(
            "sluicegate_state_backend_errors",
            "Shared-state operations that failed, by operation and node (host:port).",
            ["op", "node"],
            registry=r,
        )
        self.in_flight = Gauge(
            "sluicegate_in_flight_requests", "Requests being served.", registry=r
        )

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """A plugin's own counter, created once per process and reused by later reloads."""
        counter: Counter = self._get_or_create(Counter, name, documentation, labels)
        return counter

    def gauge(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
        gauge: Gauge = self._get_or_create(Gauge, name, documentation, labels)
        return gauge

    def histogram(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Histogram:
        histogram: Histogram = self._get_or_create(
            Histogram, name, documentation, labels, buckets=_LATENCY_BUCKETS
        )
        return histogram

    def _get_or_create(
        self, kind: Any, name: str, documentation: str, labels: Sequence[str], **extra: Any
    ) -> Any:
        existing = self._custom.get(name)
        if existing is None:
            existing = kind(name, documentation, list(labels), registry=self.registry, **extra)
            self._custom[name] = existing
        return existing

    def render(self) -> bytes:
        """This process's figures, or every worker's summed when workers share the admin
        socket (``proxy.observe.workers``)."""
        if self.workers is not None:
            return self.workers.render()
        return generate_latest(self.registry)
