"""What an upstream group reports to Prometheus: attempts, TTFB, breaker states, admission.

Kept apart from the group so the request path calls one method per event and pays for no
label lookups: children are resolved once per (provider, outcome) and cached. Without a
``Metrics`` (unit tests, the plugin test kit) every method is a no-op.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from proxy.observe.metrics import Metrics
from proxy.upstream.admission import AdmissionController
from proxy.upstream.breaker import CircuitBreaker
from proxy.upstream.target import Target

_BREAKER_STATES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}


def _breaker_state(breaker: CircuitBreaker) -> float:
    return _BREAKER_STATES[breaker.peek_state()]


class GroupObserver:
    """Metrics of one upstream group (names are documented in docs/resilience.md)."""

    def __init__(self, upstream: str, metrics: Metrics | None) -> None:
        self.upstream = upstream
        self._metrics = metrics
        self._attempts: dict[tuple[str, str], Any] = {}
        self._ttfb: dict[str, Any] = {}
        self._waits: dict[str, Any] = {}
        self._wait_family = (
            metrics.histogram(
                "sluicegate_admission_wait_seconds",
                "Time spent waiting for an upstream slot, by outcome.",
                ["upstream", "outcome"],
            )
            if metrics is not None
            else None
        )

    def watch_breakers(self, targets: list[Target]) -> None:
        """Each target's breaker state as a gauge read at scrape time (0 closed, 1 half-open,
        2 open). A reload re-points the gauges at the new group's breakers."""
        if self._metrics is None:
            return
        gauge = self._metrics.gauge(
            "sluicegate_breaker_state",
            "Circuit breaker state per target: 0 closed, 1 half-open, 2 open.",
            ["upstream", "target"],
        )
        for target in targets:
            gauge.labels(self.upstream, target.provider_name).set_function(
                partial(_breaker_state, target.breaker)
            )

    def watch(self, admission: AdmissionController) -> None:
        """Slots in use and queue depth as gauges read at scrape time (nothing per request).

        A reload re-points the gauges at the new group's controller.
        """
        if self._metrics is None:
            return
        queued = self._metrics.gauge(
            "sluicegate_admission_queued", "Requests waiting for an upstream slot.", ["upstream"]
        )
        in_flight = self._metrics.gauge(
            "sluicegate_admission_in_flight", "Upstream slots in use.", ["upstream"]
        )
        queued.labels(self.upstream).set_function(lambda: admission.queued)
        in_flight.labels(self.upstream).set_function(lambda: admission.in_flight)

    def waited(self, seconds: float, outcome: str) -> None:
        """One admission decision (``AdmissionController``'s ``on_wait``)."""
        if self._wait_family is None:
            return
        child = self._waits.get(outcome)
        if child is None:
            child = self._waits[outcome] = self._wait_family.labels(self.upstream, outcome)
        child.observe(seconds)

    def attempt(self, provider: str, outcome: str, ttfb: float | None = None) -> None:
        """One attempt sent to ``provider``, and its time to first byte when it answered."""
        if self._metrics is None:
            return
        key = (provider, outcome)
        counter = self._attempts.get(key)
        if counter is None:
            counter = self._attempts[key] = self._metrics.upstream_attempts.labels(
                provider, outcome
            )
        counter.inc()
        if ttfb is not None:
            histogram = self._ttfb.get(provider)
            if histogram is None:
                histogram = self._ttfb[provider] = self._metrics.upstream_ttfb.labels(provider)
            histogram.observe(ttfb)
