"""The gateway's short in-process memory for the console: recent request and error rates,
recent security events, and the last config reload.

The console (docs/console.md) answers "what is happening now" without Prometheus, so the
process keeps a little history itself, bounded and cheap to keep:

* rates: 90 buckets of 10 seconds (15 minutes). A request costs one clock read, an integer
  division and two list increments on the reporting path, after the client has its answer:
  0.26-0.38 µs (``python -m timeit -s "from proxy.observe.journal import Journal;
  j=Journal()" "j.count(200)"`` on the shared 2-core machine), under 1% of the core's
  ~40 µs per request.
* events: the last 500 security events (auth failures, limits, scans, bans), oldest dropped.
* reloads: the outcome of the last reload, with the errors of a rejected one.

One journal per process, kept on ``Metrics`` so it survives reloads like the counters do;
with several workers each worker shows its own traffic (the console says so).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BUCKET_SECONDS = 10
BUCKETS = 90
EVENTS_KEPT = 500


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    at: float  # epoch seconds
    type: str
    plugin: str
    reason: str
    ip: str | None = None
    route: str | None = None
    identity: str | None = None
    monitored: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReloadRecord:
    at: float
    ok: bool
    message: str
    config_version: str


@dataclass(frozen=True, slots=True)
class RatePoint:
    seconds_ago: int
    requests: int
    errors: int


class Journal:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._ids = [-1] * BUCKETS  # which bucket number each slot currently holds
        self._requests = [0] * BUCKETS
        self._errors = [0] * BUCKETS
        self.events: deque[RecordedEvent] = deque(maxlen=EVENTS_KEPT)
        self.last_reload: ReloadRecord | None = None
        self.last_failed_reload: ReloadRecord | None = None

    # -- rates --------------------------------------------------------------------------------

    def count(self, status: int) -> None:
        self.count_at(status, self.clock())

    def count_at(self, status: int, now: float) -> None:
        """``count`` at ``now`` (epoch seconds): the reporter reads the clock once for the
        journal and the access line."""
        bucket = int(now) // BUCKET_SECONDS
        slot = bucket % BUCKETS
        if self._ids[slot] != bucket:
            self._ids[slot] = bucket
            self._requests[slot] = 0
            self._errors[slot] = 0
        self._requests[slot] += 1
        if status >= 500:
            self._errors[slot] += 1

    def rates(self) -> list[RatePoint]:
        """Oldest first, one point per bucket of the last 15 minutes (empty buckets are 0)."""
        now = int(self.clock()) // BUCKET_SECONDS
        points = []
        for bucket in range(now - BUCKETS + 1, now + 1):
            slot = bucket % BUCKETS
            held = self._ids[slot] == bucket
            points.append(
                RatePoint(
                    (now - bucket) * BUCKET_SECONDS,
                    self._requests[slot] if held else 0,
                    self._errors[slot] if held else 0,
                )
            )
        return points

    # -- events -------------------------------------------------------------------------------

    def event(self, type: str, plugin: str, reason: str, **extra: Any) -> None:
        self.events.append(RecordedEvent(self.clock(), type, plugin, reason, **extra))

    # -- reloads ------------------------------------------------------------------------------

    def reloaded(self, ok: bool, message: str, config_version: str) -> None:
        record = ReloadRecord(self.clock(), ok, message, config_version)
        self.last_reload = record
        if not ok:
            self.last_failed_reload = record
