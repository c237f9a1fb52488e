"""The per-target circuit breaker: stop sending traffic to a target that is failing.

States and moves::

    closed ──(failures in a row, or error rate over the window)──► open
    open ──(open time elapsed)──► half_open
    half_open ──(a probe succeeds)──► closed      (open time growth resets)
    half_open ──(a probe fails)──► open           (open time doubles, up to a cap)

The open time is jittered so a fleet of gateways that tripped together does not probe
together. Every attempt asks ``allow()`` for a ``Permit`` and reports back through
``record(permit, success)`` (or ``cancel(permit)`` when the outcome says nothing about
the target, e.g. the client went away). The permit carries the breaker's epoch: a slow
answer that was admitted before the breaker last changed state is ignored, so a
five-minute stream that started before an outage cannot close a freshly opened breaker.

``allows()`` is the side-effect-free peek the balancer uses to filter targets; the
attempt itself must still call ``allow()``, which can say no (the half-open probe slots
may have been taken in between).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from proxy.upstream.quota import Clock, RollingCounter

State = Literal["closed", "open", "half_open"]
Listener = Callable[[State, State], None]

FAILURE_ERROR_KINDS_EXCEPT = frozenset({"cancelled", "client"})
"""Error kinds that are *not* the target's fault: the client disconnected or sent garbage."""


def is_failure(status: int | None, error_kind: str | None) -> bool:
    """Whether an attempt's outcome counts against the target's breaker.

    - any ``error_kind`` (``"connect"``, ``"timeout"``, ``"stream"``, ...) is a failure,
      except ``"cancelled"``/``"client"`` (the client's doing, not the target's);
    - 5xx is a failure;
    - 4xx is not: the client asked for something wrong, the target is fine. That includes
      429: a provider at its rate limit is healthy but busy. It is handled by marking the
      target's quota exhausted until ``Retry-After`` (``ProviderQuota.block_until``), so
      the balancer skips it without the longer, growing penalty of an open breaker.
    - everything else (1xx-3xx) is a success.
    """
    if error_kind is not None:
        return error_kind not in FAILURE_ERROR_KINDS_EXCEPT
    return status is not None and status >= 500


@dataclass(frozen=True, slots=True)
class Permit:
    """Proof that ``allow()`` let an attempt through; hand it back to ``record``/``cancel``."""

    epoch: int
    probe: bool


class CircuitBreaker:
    """Closed / open / half-open breaker for one target. Pure: clock and RNG are injected."""

    def __init__(
        self,
        *,
        failures: int = 5,
        error_rate: float = 0.5,
        window: float = 30.0,
        min_requests: int = 20,
        open_for: float = 30.0,
        half_open: int = 2,
        jitter: float = 0.2,
        max_open_for: float | None = None,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        on_transition: Listener | None = None,
    ) -> None:
        if failures < 0 or min_requests < 0:
            raise ValueError("failures and min_requests must not be negative")
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if open_for <= 0 or window <= 0:
            raise ValueError("open_for and window must be positive")
        if half_open < 1:
            raise ValueError("half_open must be at least 1")
        if not 0.0 <= jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")
        self.failures = failures
        self.error_rate = error_rate
        self.min_requests = min_requests
        self.open_for = open_for
        self.half_open = half_open
        self.jitter = jitter
        self.max_open_for = max(open_for, max_open_for if max_open_for is not None else 300.0)
        self._clock = clock
        self._rng = rng or random.Random()
        self._listeners: list[Listener] = [on_transition] if on_transition else []
        self._state: State = "closed"
        self._epoch = 0
        self._consecutive = 0
        self._total = RollingCounter(window, clock=clock)
        self._failed = RollingCounter(window, clock=clock)
        self._open_until = 0.0
        self._reopens = 0
        self._probes = 0
        # A closed breaker's permit is the same value for every attempt of an epoch: one
        # immutable object per epoch, not a frozen dataclass built per request.
        self._closed_permit = Permit(0, probe=False)

    # -- reading ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """Current state; an open breaker whose time is up reads as half-open."""
        if self._state == "open" and self._clock() >= self._open_until:
            self._move("half_open")
        return self._state

    def peek_state(self) -> State:
        """``state`` without the open -> half-open move: for gauges and status reads, which
        must not change what they observe."""
        if self._state == "open" and self._clock() >= self._open_until:
            return "half_open"
        return self._state

    def allows(self) -> bool:
        """Peek: would ``allow()`` let an attempt through right now? (no side effects
        beyond the open -> half-open move that time has already earned)."""
        if self._state == "closed":
            return True
        state = self.state
        return state == "closed" or (state == "half_open" and self._probes < self.half_open)

    def open_remaining(self) -> float:
        """Seconds until an open breaker admits probes (0 unless open)."""
        return max(0.0, self._open_until - self._clock()) if self.state == "open" else 0.0

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(old, new)`` on every state change (logs, metrics, fleet sync)."""
        self._listeners.append(listener)

    # -- attempts --------------------------------------------------------------------------

    def allow(self) -> Permit | None:
        """A permit for one attempt, or None when the breaker refuses it."""
        if self._state == "closed":  # the hot case: nothing to move, no clock read
            return self._closed_permit
        state = self.state
        if state == "half_open" and self._probes < self.half_open:
            self._probes += 1
            return Permit(self._epoch, probe=True)
        return None

    def record(self, permit: Permit, success: bool) -> None:
        """Report an attempt's outcome (see ``is_failure``). Stale permits are ignored."""
        if permit.epoch != self._epoch:
            return
        if permit.probe:
            self._probes -= 1
            if success:
                self._reopens = 0
                self._move("closed")
            else:
                self._reopens += 1
                self._trip()
            return
        if self._state != "closed":
            return
        self._total.add()
        if success:
            self._consecutive = 0
            return
        self._consecutive += 1
        self._failed.add()
        if self._should_trip():
            self._trip()

    def cancel(self, permit: Permit) -> None:
        """The attempt ended without telling us anything about the target."""
        if permit.probe and permit.epoch == self._epoch:
            self._probes -= 1

    # -- forced moves (fleet sharing) --------------------------------------------------------

    def force_open(self, seconds: float) -> None:
        """Open for exactly ``seconds`` (another instance saw the target fail)."""
        if seconds <= 0:
            return
        self._open_until = self._clock() + seconds
        self._move("open")

    def force_half_open(self) -> None:
        """End an open period early (another instance saw the target recover): our own
        probes then confirm it before traffic flows again."""
        if self.state == "open":
            self._move("half_open")

    # -- internals ---------------------------------------------------------------------------

    def _should_trip(self) -> bool:
        if self.failures and self._consecutive >= self.failures:
            return True
        total = self._total.total()
        if total < max(1, self.min_requests):
            return False
        return self._failed.total() / total > self.error_rate

    def _trip(self) -> None:
        base = min(self.max_open_for, self.open_for * (2 ** min(self._reopens, 32)))
        spread = self._rng.uniform(-self.jitter, self.jitter)
        self._open_until = self._clock() + base * (1.0 + spread)
        self._move("open")

    def _move(self, new: State) -> None:
        old = self._state
        self._state = new
        self._epoch += 1
        self._probes = 0
        self._closed_permit = Permit(self._epoch, probe=False)
        if new == "closed":
            self._consecutive = 0
            self._total.reset()
            self._failed.reset()
        if old != new:
            for listener in self._listeners:
                listener(old, new)

    def snapshot(self) -> dict[str, object]:
        """State and counters for ``/-/status``."""
        state = self.state
        total = self._total.total()
        return {
            "state": state,
            "consecutive_failures": self._consecutive,
            "requests_in_window": int(total),
            "error_rate": round(self._failed.total() / total, 4) if total else 0.0,
            "open_for_remaining": round(self.open_remaining(), 3),
            "reopens": self._reopens,
            "probes_in_flight": self._probes,
        }


class SharedStore(Protocol):
    """The slice of the state store that breaker sharing needs (``proxy/state`` has it)."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float | None) -> None: ...


class BreakerSync:
    """Optional fleet sharing: publish this breaker's open/close moves, adopt others'.

    One shared key per target holds ``{"state": "open", "until": <unix time>}`` or
    ``{"state": "closed"}``. Wall-clock time is used in the record because instances do
    not share a monotonic clock. Adopting is conservative:

    - a remote *open* opens a closed local breaker for the remaining time (without
      growing its own open time);
    - a remote *closed* moves an open local breaker to half-open, so our own probes
      confirm the recovery before full traffic returns.

    Wiring: ``breaker.subscribe(sync.notify)`` and call ``await sync.pull()`` periodically
    (e.g. with the health-check interval). Store errors are swallowed and counted in
    ``errors``: sharing is an optimisation and must never break the request path.
    """

    CLOSED_TTL = 60.0

    def __init__(
        self,
        store: SharedStore,
        key: str,
        breaker: CircuitBreaker,
        *,
        wall_clock: Clock = time.time,
    ) -> None:
        self.store = store
        self.key = key
        self.breaker = breaker
        self.errors = 0
        self._wall = wall_clock
        self._applying = False
        self._tasks: set[asyncio.Task[None]] = set()

    def notify(self, old: State, new: State) -> None:
        """Breaker listener: schedule a publish of ``new`` (not of moves we adopted)."""
        if self._applying or new == "half_open":
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.publish(new))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish(self, state: State) -> None:
        """Write ``state`` to the shared key."""
        if state == "open":
            remaining = self.breaker.open_remaining()
            record: dict[str, object] = {"state": "open", "until": self._wall() + remaining}
            ttl: float | None = max(remaining, 0.001)
        else:
            record, ttl = {"state": "closed"}, self.CLOSED_TTL
        try:
            await self.store.set(self.key, json.dumps(record).encode(), ttl)
        except Exception:
            self.errors += 1

    async def pull(self) -> None:
        """Read the shared key and adopt what it says (see the class docstring)."""
        try:
            raw = await self.store.get(self.key)
        except Exception:
            self.errors += 1
            return
        if raw is None:
            return
        try:
            record = json.loads(raw)
            state = record["state"]
            until = float(record.get("until", 0.0))
        except (ValueError, KeyError, TypeError):
            self.errors += 1
            return
        self._applying = True
        try:
            local = self.breaker.state
            if state == "open" and local == "closed":
                self.breaker.force_open(until - self._wall())
            elif state == "closed" and local == "open":
                self.breaker.force_half_open()
        finally:
            self._applying = False

    async def drain(self) -> None:
        """Wait for scheduled publishes (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))
