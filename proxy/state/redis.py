"""The redis backend: every instance sharing one redis sees the same limits, bans and caches.

Each primitive is one Lua script from ``proxy.state.lua`` (or one native atomic command),
registered once with redis-py's ``register_script``: calls go out as EVALSHA, and a NOSCRIPT
reply (redis restarted, ``SCRIPT FLUSH``, failover to a replica that never saw the script)
makes redis-py send SCRIPT LOAD and retry once. Keys are ``<prefix><kind>:{<key>}``: the hash
tag keeps every key of one primitive call in one Redis Cluster slot.

The client never retries by itself (a retried GCRA could count twice) and every socket has
a timeout; an unreachable or silent redis raises ``StateUnavailable`` and the ``on_error``
policy in ``proxy.state.guard`` decides what the caller gets. The pool reconnects on the next
call once redis is back.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from redis import exceptions as rx
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript

from proxy.config.types import Rate
from proxy.state import lua
from proxy.state.base import (
    NEVER,
    BackendErrorHook,
    GcraDecision,
    Lease,
    StateUnavailable,
    check_gcra_args,
    check_key,
    coalesce,
)

UNAVAILABLE: tuple[type[BaseException], ...] = (
    rx.ConnectionError,  # includes BusyLoadingError and an exhausted pool
    rx.TimeoutError,
    rx.ReadOnlyError,  # a failover left us talking to a replica
    rx.ClusterDownError,
    rx.TryAgainError,
    rx.MasterDownError,
    OSError,
    TimeoutError,
)
_US = 1_000_000.0
T = TypeVar("T")


def _ms(seconds: float) -> int:
    """A TTL in whole milliseconds, never 0 (redis rejects PX 0)."""
    return max(1, math.ceil(seconds * 1000))


def _float(raw: Any) -> float:
    return float(raw.decode() if isinstance(raw, bytes) else raw)


class RedisStore:
    """``StateStore`` on redis; build one per config load, ``close`` it when retired."""

    def __init__(
        self,
        url: str,
        prefix: str = "sluicegate:",
        *,
        timeout: float = 0.5,
        max_connections: int = 64,
        poll_interval: float = 0.05,
    ) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("state prefix must not contain '{' or '}' (they are hash tags)")
        self.errors_total = 0
        self.on_backend_error: BackendErrorHook | None = None
        self.prefix = prefix
        self._poll_interval = poll_interval
        pool: BlockingConnectionPool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.client: Redis = Redis(connection_pool=pool)
        register = self.client.register_script
        self._gcra = register(lua.GCRA)
        self._incr = register(lua.INCR)
        self._reserve = register(lua.RESERVE)
        self._adjust = register(lua.ADJUST)
        self._hit = register(lua.HIT)
        self._ban = register(lua.BAN)
        self._banned = register(lua.BANNED)
        self._bans = register(lua.BANS)
        self._unban = register(lua.UNBAN)
        self._release = register(lua.RELEASE)
        self._ban_registry = f"{prefix}bans"

    def key(self, kind: str, key: str) -> str:
        """The redis key for ``key`` in the ``kind`` key space (public for tests and ops)."""
        check_key(key)
        return f"{self.prefix}{kind}:{{{key}}}"

    async def _run(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except UNAVAILABLE as exc:
            raise StateUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def _call(self, pending: Awaitable[T]) -> T:
        """Await one plain redis command, turning connection trouble into StateUnavailable."""
        try:
            return await pending
        except UNAVAILABLE as exc:
            raise StateUnavailable(f"redis: {type(exc).__name__}: {exc}") from exc

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        check_gcra_args(rate, burst, cost)
        allowed, remaining, retry, reset = await self._run(
            self._gcra, [self.key("rl", key)], [repr(rate.interval * _US), burst, cost]
        )
        retry_after = NEVER if retry == b"-1" else _float(retry) / _US
        return GcraDecision(
            bool(allowed), burst + 1, int(remaining), retry_after, max(0.0, _float(reset) / _US)
        )

    async def incr(self, key: str, amount: float, ttl: float) -> float:
        raw = await self._run(self._incr, [self.key("n", key)], [repr(float(amount)), _ms(ttl)])
        return _float(raw)

    async def reserve(
        self, key: str, amount: float, limit: float, ttl: float
    ) -> tuple[bool, float]:
        ok, value = await self._run(
            self._reserve,
            [self.key("n", key)],
            [repr(float(amount)), repr(float(limit)), _ms(ttl)],
        )
        return bool(ok), _float(value)

    async def adjust(self, key: str, delta: float, ttl: float) -> float:
        raw = await self._run(self._adjust, [self.key("n", key)], [repr(float(delta)), _ms(ttl)])
        return _float(raw)

    async def hit(self, key: str, window: float) -> int:
        events = self.key("hit", key)
        count = await self._run(self._hit, [events, events + ":seq"], [repr(window * _US)])
        return int(count)

    async def get(self, key: str) -> bytes | None:
        value = await self._call(self.client.get(self.key("kv", key)))
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        px = None if ttl is None else _ms(ttl)
        await self._call(self.client.set(self.key("kv", key), value, px=px))

    async def delete(self, key: str) -> None:
        await self._call(self.client.delete(self.key("kv", key)))

    async def take(self, key: str) -> bytes | None:
        value = await self._call(self.client.getdel(self.key("kv", key)))
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def ban(self, key: str, ttl: float) -> None:
        check_key(key)
        await self._run(self._ban, [self._ban_registry], [key, repr(ttl * _US)])

    async def banned(self, key: str) -> float | None:
        check_key(key)
        left = await self._run(self._banned, [self._ban_registry], [key])
        return None if left is None else _float(left) / _US

    async def bans(self, prefix: str = "") -> dict[str, float]:
        flat = await self._run(self._bans, [self._ban_registry], [prefix])
        return {flat[i].decode(): _float(flat[i + 1]) / _US for i in range(0, len(flat), 2)}

    async def unban(self, key: str) -> bool:
        check_key(key)
        return bool(await self._run(self._unban, [self._ban_registry], [key]))

    async def lead(self, key: str, ttl: float) -> Lease | None:
        token = secrets.token_hex(8)
        lock = self.key("lock", key)
        taken = await self._call(self.client.set(lock, token, nx=True, px=_ms(ttl)))
        return Lease(key, token) if taken else None

    async def release(self, lease: Lease) -> None:
        await self._run(self._release, [self.key("lock", lease.key)], [lease.token])

    async def wait_released(self, key: str, timeout: float) -> bool:
        """Poll for the lock to go, backing off from 2 ms to ``poll_interval``.

        Polling costs one EXISTS per waiter per interval and needs no dedicated pub/sub
        connection per waiter; a waiter learns of the release at most ``poll_interval`` late.
        """
        lock = self.key("lock", key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.002
        while await self._call(self.client.exists(lock)):
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, self._poll_interval)
        return True

    def coalesce(
        self, key: str, ttl: float = 30.0, timeout: float = 10.0
    ) -> AbstractAsyncContextManager[bool]:
        return coalesce(self, key, ttl, timeout)

    async def ping(self) -> None:
        await self._call(self.client.ping())

    async def close(self) -> None:
        # redis-py >= 5 names it aclose(); the types-redis stubs predate that.
        await self.client.aclose()  # type: ignore[attr-defined]
        await self.client.connection_pool.disconnect()
