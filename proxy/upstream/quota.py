"""Sliding-window counters, and the per-provider rpm/tpm quota built on them.

A provider that is at its requests-per-minute or tokens-per-minute quota should be
*skipped* by the balancer, not hammered into 429s. ``ProviderQuota`` keeps a local
estimate of what this instance has sent in the last minute and, when a provider answers
429 with ``Retry-After``, remembers that it is blocked until then.

``RollingCounter`` lives here because quotas are its main user; the circuit breaker,
the retry budget and ``TargetStats`` reuse it. It is bucketed (not a log of every event)
so memory and cost per event are constant however busy a target is: the window slides
in steps of ``window / buckets`` seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Monotonic seconds. Injected everywhere so tests drive time by hand."""


class RollingCounter:
    """Sum of values added during the last ``window`` seconds, in ``buckets`` steps.

    Events older than ``window`` drop out one bucket at a time, so ``total()`` covers
    between ``window - window/buckets`` and ``window`` seconds of history. A running sum
    is kept, so ``total()`` is O(1) on the request path (balancers read it per pick).
    """

    __slots__ = ("_clock", "_head", "_n", "_sum", "_values", "_width", "window")

    def __init__(self, window: float, buckets: int = 10, *, clock: Clock = time.monotonic) -> None:
        if window <= 0:
            raise ValueError("window must be positive")
        if buckets < 1:
            raise ValueError("buckets must be at least 1")
        self.window = window
        self._n = buckets
        self._width = window / buckets
        self._clock = clock
        self._values = [0.0] * buckets
        self._sum = 0.0
        self._head = math.floor(clock() / self._width)

    def _advance(self) -> int:
        """Move the ring to the current bucket, dropping the ones that left the window."""
        epoch = math.floor(self._clock() / self._width)
        gap = epoch - self._head
        if gap > 0:
            if gap >= self._n:
                self._values = [0.0] * self._n
                self._sum = 0.0
            else:
                for passed in range(self._head + 1, epoch + 1):
                    slot = passed % self._n
                    self._sum -= self._values[slot]
                    self._values[slot] = 0.0
            self._head = epoch
        return self._head

    def add(self, amount: float = 1.0) -> None:
        """Count ``amount`` now."""
        # Five counters take a count per request: while the head bucket is current (nearly
        # always) this is one clock read and no call of ``_advance``.
        if math.floor(self._clock() / self._width) == self._head:
            slot = self._head % self._n
        else:
            slot = self._advance() % self._n  # first: _advance may replace the list
        self._values[slot] += amount
        self._sum += amount

    def total(self) -> float:
        """Sum over the live buckets (those younger than the window)."""
        self._advance()
        return self._sum

    def next_expiry(self) -> float:
        """Seconds until the oldest non-empty bucket leaves the window (0 when empty)."""
        head = self._advance()
        for epoch in range(head - self._n + 1, head + 1):
            if self._values[epoch % self._n]:
                return max(0.0, (epoch + self._n) * self._width - self._clock())
        return 0.0

    def reset(self) -> None:
        """Forget everything (a breaker that closes starts a fresh window)."""
        self._values = [0.0] * self._n
        self._sum = 0.0


class ProviderQuota:
    """Local requests-per-minute and tokens-per-minute limits for one provider.

    ``None`` for a limit means "no limit". The counts are this instance's own traffic: a
    fleet of N gateways sharing one key should configure ``rpm / N`` each (the provider's
    429 + ``Retry-After``, fed to ``block_until``, is the backstop).
    """

    WINDOW = 60.0

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Clock = time.monotonic,
        buckets: int = 12,
    ) -> None:
        if rpm is not None and rpm < 1:
            raise ValueError("rpm must be at least 1")
        if tpm is not None and tpm < 1:
            raise ValueError("tpm must be at least 1")
        self.rpm = rpm
        self.tpm = tpm
        self._clock = clock
        self._requests = RollingCounter(self.WINDOW, buckets, clock=clock)
        self._tokens = RollingCounter(self.WINDOW, buckets, clock=clock)
        self._blocked_until = -math.inf

    def record_request(self) -> None:
        """One request sent to the provider (count it when the attempt starts)."""
        self._requests.add()

    def record_tokens(self, n: int) -> None:
        """Tokens the provider reported for a finished request (prompt + completion)."""
        if n > 0:
            self._tokens.add(n)

    def block_until(self, t: float) -> None:
        """Treat the provider as exhausted until clock time ``t`` (from a 429's Retry-After).

        A later deadline wins; an earlier one never shortens an existing block.
        """
        self._blocked_until = max(self._blocked_until, t)

    def block_for(self, seconds: float) -> None:
        """``block_until(now + seconds)``."""
        self.block_until(self._clock() + max(0.0, seconds))

    def exhausted(self) -> bool:
        """True while blocked by a 429, or at the rpm or tpm limit for the last minute."""
        if self._blocked_until != -math.inf and self._clock() < self._blocked_until:
            return True  # (never blocked: no clock read, the balancer asks on every pick)
        if self.rpm is not None and self._requests.total() >= self.rpm:
            return True
        return self.tpm is not None and self._tokens.total() >= self.tpm

    def available_in(self) -> float:
        """Seconds until the quota is likely to admit a request again (0 if it does now).

        Used for the ``Retry-After`` of a 503 when every target is at its quota.
        """
        now = self._clock()
        wait = max(0.0, self._blocked_until - now)
        if self.rpm is not None and self._requests.total() >= self.rpm:
            wait = max(wait, self._requests.next_expiry())
        if self.tpm is not None and self._tokens.total() >= self.tpm:
            wait = max(wait, self._tokens.next_expiry())
        return wait

    def snapshot(self) -> dict[str, object]:
        """Numbers for ``/-/status``."""
        return {
            "rpm": self.rpm,
            "tpm": self.tpm,
            "requests_last_minute": int(self._requests.total()),
            "tokens_last_minute": int(self._tokens.total()),
            "blocked_for": round(max(0.0, self._blocked_until - self._clock()), 3),
            "exhausted": self.exhausted(),
        }
