"""The ``on_error`` policy: what a plugin gets from the store while the backend is down.

``GuardedStore`` wraps a backend that may raise ``StateUnavailable`` and decides per call:

- ``allow``: the call returns the permissive answer (GCRA admits, ``reserve`` succeeds,
  ``banned`` says no, ``get`` misses, ``lead`` makes every caller a leader...). The gateway
  keeps serving without limits rather than failing every request because redis blinked.
- ``deny``: the ``StateUnavailable`` propagates; it is a 503 ``GatewayError``, so a plugin
  that does not catch it answers 503 with ``Retry-After``.

Either way ``errors_total`` goes up and ``on_backend_error(op)`` is called, for the metric.
After a failure the backend is not asked again for ``cooldown`` seconds (calls take the
policy at once), so a black-holed redis costs one connect timeout per cooldown instead of one
per request. ``ping`` always asks, and a successful ping ends the cooldown.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal, TypeVar

from proxy.config.types import Rate
from proxy.state.base import (
    BackendErrorHook,
    GcraDecision,
    Lease,
    StateStore,
    StateUnavailable,
    coalesce,
)

OnError = Literal["allow", "deny"]
T = TypeVar("T")
_ALLOW_LEASE_TOKEN = ""


class GuardedStore:
    """A ``StateStore`` that applies ``on_error`` around another ``StateStore``."""

    def __init__(
        self,
        inner: StateStore,
        on_error: OnError = "allow",
        on_backend_error: BackendErrorHook | None = None,
        *,
        cooldown: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if on_error not in ("allow", "deny"):
            raise ValueError(f'on_error must be "allow" or "deny", got {on_error!r}')
        self.inner = inner
        self.on_error: OnError = on_error
        self.on_backend_error = on_backend_error
        self.errors_total = 0
        self._cooldown = cooldown
        self._clock = clock
        self._down_until = float("-inf")

    async def _guard(self, op: str, call: Callable[[], Awaitable[T]], fallback: T) -> T:
        failure: StateUnavailable
        if self._clock() < self._down_until:
            failure = StateUnavailable("shared state is unavailable (cooling down)")
        else:
            try:
                return await call()
            except StateUnavailable as exc:
                self._down_until = self._clock() + self._cooldown
                failure = exc
        self.errors_total += 1
        if self.on_backend_error is not None:
            self.on_backend_error(op)
        if self.on_error == "deny":
            raise failure
        return fallback

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        limit = burst + 1
        fallback = GcraDecision(True, limit, max(0, limit - cost), 0.0, 0.0)
        return await self._guard("gcra", lambda: self.inner.gcra(key, rate, burst, cost), fallback)

    async def incr(self, key: str, amount: float, ttl: float) -> float:
        return await self._guard("incr", lambda: self.inner.incr(key, amount, ttl), amount)

    async def reserve(
        self, key: str, amount: float, limit: float, ttl: float
    ) -> tuple[bool, float]:
        call = lambda: self.inner.reserve(key, amount, limit, ttl)  # noqa: E731
        return await self._guard("reserve", call, (True, amount))

    async def adjust(self, key: str, delta: float, ttl: float) -> float:
        call = lambda: self.inner.adjust(key, delta, ttl)  # noqa: E731
        return await self._guard("adjust", call, max(0.0, delta))

    async def hit(self, key: str, window: float) -> int:
        return await self._guard("hit", lambda: self.inner.hit(key, window), 0)

    async def get(self, key: str) -> bytes | None:
        return await self._guard("get", lambda: self.inner.get(key), None)

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        await self._guard("set", lambda: self.inner.set(key, value, ttl), None)

    async def delete(self, key: str) -> None:
        await self._guard("delete", lambda: self.inner.delete(key), None)

    async def take(self, key: str) -> bytes | None:
        return await self._guard("take", lambda: self.inner.take(key), None)

    async def ban(self, key: str, ttl: float) -> None:
        await self._guard("ban", lambda: self.inner.ban(key, ttl), None)

    async def banned(self, key: str) -> float | None:
        return await self._guard("banned", lambda: self.inner.banned(key), None)

    async def bans(self, prefix: str = "") -> dict[str, float]:
        return await self._guard("bans", lambda: self.inner.bans(prefix), {})

    async def unban(self, key: str) -> bool:
        return await self._guard("unban", lambda: self.inner.unban(key), False)

    async def lead(self, key: str, ttl: float) -> Lease | None:
        fallback = Lease(key, _ALLOW_LEASE_TOKEN)
        return await self._guard("lead", lambda: self.inner.lead(key, ttl), fallback)

    async def release(self, lease: Lease) -> None:
        if lease.token == _ALLOW_LEASE_TOKEN:
            return
        await self._guard("release", lambda: self.inner.release(lease), None)

    async def wait_released(self, key: str, timeout: float) -> bool:
        call = lambda: self.inner.wait_released(key, timeout)  # noqa: E731
        return await self._guard("wait_released", call, True)

    def coalesce(
        self, key: str, ttl: float = 30.0, timeout: float = 10.0
    ) -> AbstractAsyncContextManager[bool]:
        return coalesce(self, key, ttl, timeout)

    async def ping(self) -> None:
        await self.inner.ping()
        self._down_until = float("-inf")

    async def close(self) -> None:
        await self.inner.close()
