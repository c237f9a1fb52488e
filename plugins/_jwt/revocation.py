"""The ``jti`` denylist: revoked token ids in the shared store, with a short local memory.

Asking the store on every request costs one redis round trip per authenticated request, on
top of the rate limiter's. Almost every answer is "not revoked", so this instance remembers
that answer for ``cache_ttl`` seconds (default 1 s) per ``jti``:

- a revocation made **on this instance** takes effect at once (``revoke`` forgets the entry);
- a revocation made on **another** instance takes effect here within ``cache_ttl``;
- a revoked ``jti`` is never cached as revoked-or-not: every use asks the store again, so an
  expired denylist entry ends the refusal on time.

``cache_ttl = 0`` asks the store every time. The memory is bounded (``max_entries``); when it
is full, the oldest half is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from proxy.state.base import KeyValue

REVOKED_PREFIX = "jwt:revoked:"


class Denylist:
    """``await denylist.revoked(jti)``; ``await denylist.revoke(jti, ttl)``."""

    def __init__(
        self,
        store: KeyValue,
        clock: Callable[[], float],
        cache_ttl: float,
        max_entries: int = 10_000,
    ) -> None:
        if cache_ttl < 0:
            raise ValueError("cache_ttl must be >= 0")
        self._store = store
        self._clock = clock
        self._ttl = cache_ttl
        self._max = max_entries
        self._clear_until: dict[str, float] = {}  # jti -> time until which "not revoked" holds

    async def revoked(self, jti: str) -> bool:
        until = self._clear_until.get(jti)
        if until is not None:
            if self._clock() < until:
                return False
            del self._clear_until[jti]
        found = await self._store.get(REVOKED_PREFIX + jti) is not None
        if not found and self._ttl > 0:
            self._remember(jti)
        return found

    def _remember(self, jti: str) -> None:
        if len(self._clear_until) >= self._max:
            for stale in list(islice(self._clear_until, self._max // 2 or 1)):
                del self._clear_until[stale]
        self._clear_until[jti] = self._clock() + self._ttl

    async def revoke(self, jti: str, ttl: float) -> None:
        """Deny ``jti`` for ``ttl`` seconds, everywhere; here at once."""
        self._clear_until.pop(jti, None)
        await self._store.set(REVOKED_PREFIX + jti, b"1", ttl)

    async def is_listed(self, jti: str) -> bool:
        """What the store says now, bypassing the local memory (for the admin endpoint)."""
        return await self._store.get(REVOKED_PREFIX + jti) is not None
