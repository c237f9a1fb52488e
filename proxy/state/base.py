"""The shared-state protocol: the few primitives plugins need, not a generic key-value API.

Plugins (rate_limit, token_limit, budget, ip_filter, jwt revocation, token_issuer, cache) hold
their counters here and never in module globals, so N gateway instances sharing one redis
behave as one. Every operation is atomic in the backend: a rate limiter is one ``gcra`` call,
not a read-modify-write that two instances could interleave.

Keys are plain strings chosen by the caller (namespace them by plugin, e.g.
``"rate_limit:ip:203.0.113.9"``). Each primitive has its own key space, so ``gcra("x")`` and
``get("x")`` never collide; the backend adds the configured prefix.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

from proxy.config.types import Rate
from proxy.errors import GatewayError

BackendErrorHook = Callable[[str, str], None]
"""Called with the operation name (``"gcra"``, ``"get"``...) and the node (``host:port``,
or ``"*"`` when no one node is to blame) each time the backend fails."""

MAX_LISTED_BANS = 10_000
"""``bans()`` lists at most this many: an admin listing, not an export."""

NEVER = math.inf
"""``retry_after`` of a GCRA request whose cost exceeds the bucket: waiting never helps."""


class StateUnavailable(GatewayError):
    """The state backend cannot be reached or did not answer in time.

    It is a ``GatewayError`` (503, ``state_unavailable``, ``Retry-After: 1``), so a plugin
    that lets it propagate under ``on_error = "deny"`` produces the right answer without
    catching anything; the client never sees a traceback.
    """

    def __init__(self, message: str = "shared state is unavailable", node: str = "*") -> None:
        super().__init__(503, "state_unavailable", message, {"Retry-After": "1"})
        self.node = node
        """The node that failed (``host:port``), so cooldowns and metrics can name it."""


class GcraDecision(NamedTuple):
    """The verdict of one GCRA call, with what the IETF ``RateLimit`` headers need.

    A named tuple (immutable, read by name): one is made per limiter per request, and a
    frozen dataclass's ``__init__`` pays an ``object.__setattr__`` call per field.

    ``limit`` is the bucket capacity, ``burst + 1``: how many cost-1 requests a fresh key may
    make at the same instant. ``remaining`` is how many more cost-1 requests would be admitted
    right now. ``retry_after`` is 0 when allowed, else the seconds until this same request
    would be admitted (``math.inf`` when ``cost > limit``, which no wait can satisfy).
    ``reset_after`` is the seconds until the bucket is full again.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    reset_after: float


@dataclass(frozen=True, slots=True)
class Lease:
    """Proof of leadership from ``lead``; give it back to ``release``.

    ``token`` tells this leader from a later one that took over after ``ttl`` expired, so a
    slow leader can never release somebody else's lease. An empty token marks a lease handed
    out by the ``on_error = "allow"`` fallback: there is nothing to release.
    """

    key: str
    token: str


def check_gcra_args(rate: Rate, burst: int, cost: int) -> None:
    """Reject arguments that would make the arithmetic meaningless (shared by both backends)."""
    if rate.count <= 0 or rate.period <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if burst < 0:
        raise ValueError(f"burst must be >= 0, got {burst}")
    if cost < 0:
        raise ValueError(f"cost must be >= 0, got {cost}")


def check_key(key: str) -> None:
    """An empty key would silently share one bucket between every caller that forgot one."""
    if not key:
        raise ValueError("state keys must be non-empty strings")


class Limiter(Protocol):
    """The rate-limiting slice: ``rate_limit``, provider rpm/tpm."""

    def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> Awaitable[GcraDecision]:
        """Admit or refuse ``cost`` units against a GCRA bucket of ``rate`` with ``burst``
        (an awaitable, not necessarily a coroutine: redis's is the connection's future)."""
        ...


class Counters(Protocol):
    """Counters and sliding windows: token limits, budgets, offence counts."""

    async def incr(self, key: str, amount: float, ttl: float) -> float:
        """Add ``amount`` and return the new value; a new key lives ``ttl`` s from creation."""
        ...

    async def reserve(
        self, key: str, amount: float, limit: float, ttl: float
    ) -> tuple[bool, float]:
        """Add ``amount`` only if the total stays <= ``limit``; return (ok, value after)."""
        ...

    async def adjust(self, key: str, delta: float, ttl: float) -> float:
        """Settle a reservation by ``delta`` (may be negative); never goes below zero."""
        ...

    async def hit(self, key: str, window: float) -> int:
        """Record one event now and return how many happened within the last ``window`` s."""
        ...


class KeyValue(Protocol):
    """Bytes under a key: cache entries, refresh tokens, denylists, shared breakers."""

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        """Store bytes; ``ttl=None`` keeps them until deleted."""
        ...

    async def delete(self, key: str) -> None:
        """Forget a ``set`` value (absent keys are fine)."""
        ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete in one step: of concurrent takers exactly one gets the value.

        For single-use secrets such as refresh tokens, where a read-then-delete would let
        two concurrent refreshes both succeed and hide a reuse.
        """
        ...


class Bans(Protocol):
    """Time-limited bans: ``ip_filter``'s automatic bans, revocations."""

    async def ban(self, key: str, ttl: float) -> None:
        """Ban ``key`` for ``ttl`` s from now, replacing any earlier ban of that key."""
        ...

    async def banned(self, key: str) -> float | None:
        """Seconds left on the ban of ``key``, or None when it is not banned."""
        ...

    async def bans(self, prefix: str = "") -> dict[str, float]:
        """Live bans whose key starts with ``prefix``, with their seconds left.

        Bounded: at most ``MAX_LISTED_BANS`` entries (the redis backend scans every node).
        """
        ...

    async def unban(self, key: str) -> bool:
        """Lift a ban; True when there was a live one."""
        ...


class Leadership(Protocol):
    """One leader per key: cache stampede guards (``coalesce``)."""

    async def lead(self, key: str, ttl: float) -> Lease | None:
        """Become the one leader for ``key`` (for ``ttl`` s at most), or None if taken."""
        ...

    async def release(self, lease: Lease) -> None:
        """End a leadership; waiters in ``wait_released`` wake up."""
        ...

    async def wait_released(self, key: str, timeout: float) -> bool:
        """Wait until nobody leads ``key``; False when ``timeout`` ran out first."""
        ...

    def coalesce(
        self, key: str, ttl: float = 30.0, timeout: float = 10.0
    ) -> AbstractAsyncContextManager[bool]:
        """Stampede guard: ``async with store.coalesce(k) as leader`` (see ``coalesce``)."""
        ...


@runtime_checkable
class StateStore(Limiter, Counters, KeyValue, Bans, Leadership, Protocol):
    """What every backend offers: all the slices, plus health. Durations are seconds.

    ``shared`` says whether other processes see what this store holds (redis: yes, memory:
    no) — plugins that keep an in-process copy when nothing is shared ask it, never the type.
    ``errors_total`` counts backend failures absorbed or raised under the ``on_error`` policy
    (always 0 for the memory backend); ``on_backend_error`` is the metrics hook.
    """

    shared: bool
    errors_total: int
    on_backend_error: BackendErrorHook | None

    def node_for(self, key: str) -> str:
        """The node that holds ``key`` (``host:port``): per-node cooldowns and metrics."""
        ...

    def topology(self) -> dict[str, Any]:
        """What ``/-/status`` shows: the topology kind and each node's role, from what the
        store last saw (no I/O)."""
        ...

    async def ping(self) -> None:
        """Raise ``StateUnavailable`` unless every node answers (readiness probes)."""
        ...

    async def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
        ...


@asynccontextmanager
async def coalesce(
    store: StateStore, key: str, ttl: float = 30.0, timeout: float = 10.0
) -> AsyncIterator[bool]:
    """Let one caller per key do expensive work while concurrent callers wait for it.

    Yields True to the leader, which should do the work (and store the result) inside the
    block; leadership is released when the block exits, normally or not. Every other caller
    waits until the leader is done, at most ``timeout`` s, and then gets False: it should
    re-check the cache and, on a miss (the leader failed, or timed out), do the work itself.
    ``ttl`` bounds how long a crashed leader can hold the key.
    """
    lease = await store.lead(key, ttl)
    if lease is None:
        await store.wait_released(key, timeout)
        yield False
        return
    try:
        yield True
    finally:
        await store.release(lease)
