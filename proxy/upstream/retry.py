"""Retry policy, retry budget and ``Retry-After`` parsing.

Retries turn one provider's blip into zero client-visible errors, but unbounded retries
turn an outage into a self-inflicted flood: with 3 attempts every request becomes 3
upstream requests exactly when upstreams are weakest. So retries are limited twice:
per request (``RetryPolicy.attempts``) and per group (``RetryBudget``: at most
``ratio`` x requests over a sliding window, plus a small floor so a quiet group can
still retry).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

from proxy.upstream.quota import Clock, RollingCounter

Outcome = int | str
"""An attempt's outcome: an HTTP status, or an error kind such as ``"connect"``/``"timeout"``."""

# The longest Retry-After believed from a provider, in seconds. One 429 with
# ``Retry-After: 1e300`` used to take its target out until a reload and hand clients a
# 301-digit header (issue 17, L4); an hour is longer than any per-minute or per-hour quota
# window, and a provider that is really out for a day fails its health checks instead.
RETRY_AFTER_CAP = 3600.0

DEFAULT_RETRY_ON: frozenset[Outcome] = frozenset(
    {"connect", "timeout", 429, 500, 502, 503, 504, 529}
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Per-request retry rules of one upstream group.

    ``attempts`` counts *all* tries including the first, so ``attempts = 1`` switches
    retries off. The delay before retry ``n`` (1-based) is drawn uniformly ("full
    jitter") from ``[backoff, min(max_backoff, backoff * 2**n)]``. A ``Retry-After``
    from the target being retried raises the delay to that value, capped at
    ``retry_after_cap`` (default: ``max_backoff``).
    """

    attempts: int = 3
    backoff: float = 0.1
    max_backoff: float = 2.0
    budget: float = 0.2
    on: frozenset[Outcome] = field(default=DEFAULT_RETRY_ON)
    retry_after_cap: float | None = None

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1 (1 = no retries)")
        if self.backoff < 0 or self.max_backoff < self.backoff:
            raise ValueError("need 0 <= backoff <= max_backoff")
        if self.budget < 0:
            raise ValueError("budget must not be negative")

    def should_retry(self, outcome: Outcome) -> bool:
        """Whether this outcome is one the group retries on."""
        return outcome in self.on

    def can_retry(self, attempts_made: int) -> bool:
        """Whether another attempt is allowed after ``attempts_made`` tries."""
        return attempts_made < self.attempts

    @property
    def cap(self) -> float:
        """Longest ``Retry-After`` we are willing to wait before retrying the same target."""
        return self.retry_after_cap if self.retry_after_cap is not None else self.max_backoff

    def worth_waiting(self, retry_after: float) -> bool:
        """False when the target asks for a longer pause than we would wait: retrying it
        after a capped delay would only earn another 429, so try elsewhere or give up."""
        return retry_after <= self.cap

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1 = first retry).

        Pass ``retry_after`` only when the retry goes to the target that sent it: another
        target is not bound by the first one's rate limit.
        """
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** min(max(attempt, 1), 62))
        wait = rng.uniform(self.backoff, ceiling)
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.cap)
        return wait


class RetryBudget:
    """Envoy/Finagle-style budget: retries <= ratio x requests + floor, over a window.

    Call ``record_request()`` once per client request that reaches the group (not per
    attempt) and ``try_acquire_retry()`` before each retry; a False means "answer the
    client with what you have". The floor is ``min_retries_per_second x window`` retries
    per window, so a group with little traffic can still retry a blip.
    """

    def __init__(
        self,
        ratio: float = 0.2,
        window: float = 10.0,
        min_retries_per_second: float = 1.0,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        if ratio < 0 or min_retries_per_second < 0:
            raise ValueError("ratio and min_retries_per_second must not be negative")
        self.ratio = ratio
        self.floor = min_retries_per_second * window
        self._requests = RollingCounter(window, clock=clock)
        self._retries = RollingCounter(window, clock=clock)

    def record_request(self) -> None:
        self._requests.add()

    def allowance(self) -> float:
        """Retries the window can hold right now."""
        return self.ratio * self._requests.total() + self.floor

    def try_acquire_retry(self) -> bool:
        """Take one retry from the budget if there is room."""
        if self._retries.total() + 1 > self.allowance():
            return False
        self._retries.add()
        return True

    def snapshot(self) -> dict[str, float]:
        return {
            "requests_in_window": self._requests.total(),
            "retries_in_window": self._retries.total(),
            "allowance": round(self.allowance(), 2),
        }


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value: delta-seconds or an HTTP-date.

    ``now`` is the current Unix time (injected for tests). A date in the past gives 0.0;
    anything unparseable, negative or non-finite gives None (ignore the header); anything
    longer than ``RETRY_AFTER_CAP`` gives the cap.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), -float("inf")) or seconds < 0:
            return None
        return min(seconds, RETRY_AFTER_CAP)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - current), RETRY_AFTER_CAP)
