"""One entry of an upstream group, and the live numbers the balancers read.

A ``Target`` is a provider as seen by one group: its weight and priority there, its
model map and prices, and the state that decides whether it can take traffic now
(health, breaker, quota). ``TargetStats`` holds what the balancers need per request
(in-flight count, peak-EWMA time to first byte) and what ``/-/status`` shows (recent
error rate). Everything is plain attribute arithmetic: these are read on every pick.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from proxy.upstream.breaker import CircuitBreaker
from proxy.upstream.pricing import tokens_cost
from proxy.upstream.quota import Clock, ProviderQuota, RollingCounter


class TargetStats:
    """Live per-target numbers: in flight, peak-EWMA TTFB, outcomes over a rolling window.

    The TTFB estimate is Finagle's *peak EWMA*: a sample above the current value replaces
    it at once (slowness is believed immediately), a lower one is blended in with weight
    ``1 - exp(-dt / tau)`` (recovery is believed gradually). Between samples the value
    decays toward zero with the same time constant, so a target that was shunned for
    being slow is tried again after a while instead of being starved forever.
    """

    __slots__ = ("_clock", "_ewma", "_failed", "_stamp", "_total", "in_flight", "samples", "tau")

    def __init__(
        self, *, tau: float = 10.0, window: float = 30.0, clock: Clock = time.monotonic
    ) -> None:
        if tau <= 0:
            raise ValueError("tau must be positive")
        self.tau = tau
        self.in_flight = 0
        self.samples = 0
        self._clock = clock
        self._ewma = 0.0
        self._stamp = clock()
        self._total = RollingCounter(window, clock=clock)
        self._failed = RollingCounter(window, clock=clock)

    def start(self) -> None:
        """An attempt to this target began."""
        self.in_flight += 1

    def finish(self) -> None:
        """An attempt ended (any outcome). Never goes below zero."""
        if self.in_flight > 0:
            self.in_flight -= 1

    def _decayed(self, now: float) -> float:
        elapsed = max(0.0, now - self._stamp)
        return self._ewma * math.exp(-elapsed / self.tau)

    def observe_ttfb(self, seconds: float) -> None:
        """Feed one time-to-first-byte sample."""
        now = self._clock()
        if self.samples == 0 or seconds > self._ewma:
            self._ewma = seconds
        else:
            weight = math.exp(-max(0.0, now - self._stamp) / self.tau)
            self._ewma = self._ewma * weight + seconds * (1.0 - weight)
        self._stamp = now
        self.samples += 1

    def ttfb(self) -> float | None:
        """Current peak-EWMA TTFB in seconds (decayed to now), None before any sample."""
        if self.samples == 0:
            return None
        return self._decayed(self._clock())

    def record(self, success: bool) -> None:
        """Count one attempt's outcome in the rolling window."""
        self._total.add()
        if not success:
            self._failed.add()

    def requests_in_window(self) -> int:
        return int(self._total.total())

    def error_rate(self) -> float:
        """Failed / all attempts in the window; 0.0 with no traffic."""
        total = self._total.total()
        return self._failed.total() / total if total else 0.0

    def snapshot(self) -> dict[str, object]:
        ttfb = self.ttfb()
        return {
            "in_flight": self.in_flight,
            "ttfb_ewma_ms": None if ttfb is None else round(ttfb * 1000.0, 2),
            "requests_in_window": self.requests_in_window(),
            "error_rate": round(self.error_rate(), 4),
        }


class Target:
    """One provider in one upstream group, with everything that decides if it gets traffic.

    Identity matters: targets are compared and hashed by identity, so a balancer can keep
    per-target state in a dict and ``exclude`` can be any collection of targets.
    """

    def __init__(
        self,
        provider_name: str,
        *,
        weight: int = 1,
        priority: int = 0,
        models: Mapping[str, str] | None = None,
        pricing: Mapping[str, tuple[float, float]] | None = None,
        breaker: CircuitBreaker | None = None,
        quota: ProviderQuota | None = None,
        stats: TargetStats | None = None,
        healthy: bool = True,
    ) -> None:
        if weight < 0:
            raise ValueError("weight must not be negative")
        self.provider_name = provider_name
        self.weight = weight
        self.priority = priority
        self.models = dict(models) if models is not None else None
        self.pricing = dict(pricing or {})
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self.quota = quota
        self.stats = stats if stats is not None else TargetStats()
        self.healthy = healthy

    def __repr__(self) -> str:
        return f"Target({self.provider_name!r}, priority={self.priority})"

    def serves(self, alias: str) -> str | None:
        """The provider's model name for a public alias; None when it does not serve it.

        A provider without a models table passes any name through unchanged.
        """
        if self.models is None:
            return alias
        return self.models.get(alias)

    def available(self) -> bool:
        """Healthy, breaker lets attempts through, and not at its quota."""
        if not self.healthy or not self.breaker.allows():
            return False
        return self.quota is None or not self.quota.exhausted()

    def estimated_cost(self, alias: str, input_tokens: int, output_tokens: int) -> float:
        """USD this request would cost here; ``inf`` when the model is unpriced or not
        served (so ``cheapest`` ranks unpriced targets last rather than first)."""
        model = self.serves(alias)
        price = self.pricing.get(model) if model is not None else None
        if price is None:
            return math.inf
        return tokens_cost(price, input_tokens, output_tokens)

    def snapshot(self) -> dict[str, object]:
        """Everything ``/-/status`` shows for this target (no secrets here)."""
        return {
            "provider": self.provider_name,
            "weight": self.weight,
            "priority": self.priority,
            "healthy": self.healthy,
            "available": self.available(),
            "breaker": self.breaker.snapshot(),
            "quota": self.quota.snapshot() if self.quota is not None else None,
            **self.stats.snapshot(),
        }
