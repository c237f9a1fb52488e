"""The redis backend: every instance sharing one redis sees the same limits, bans and caches.

Each primitive is one Lua script from ``proxy.state.lua`` (or one native atomic command),
sent as EVALSHA; a NOSCRIPT reply (redis restarted, ``SCRIPT FLUSH``, failover to a replica
that never saw the script) makes the client send SCRIPT LOAD and retry once. Keys are
``<prefix><kind>:{<key>}``: the hash tag keeps every key of one primitive call in one Redis
Cluster slot.

Commands go through ``proxy.state.resp``: one multiplexed connection with hiredis parsing,
several times cheaper per call than redis-py's pooled client (that module says why and how
much). The client never retries by itself (a retried GCRA could count twice) and every call
has a timeout; an unreachable or silent redis raises ``StateUnavailable`` and the
``on_error`` policy in ``proxy.state.guard`` decides what the caller gets. The next call
after a failure reconnects, so the store recovers by itself once redis is back.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from contextlib import AbstractAsyncContextManager
from typing import Any

from proxy.config.types import Rate
from proxy.state import lua
from proxy.state.base import (
    NEVER,
    BackendErrorHook,
    GcraDecision,
    Lease,
    check_gcra_args,
    check_key,
    coalesce,
)
from proxy.state.resp import RespClient, Script, parse_url

_US = 1_000_000.0


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
        poll_interval: float = 0.05,
    ) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("state prefix must not contain '{' or '}' (they are hash tags)")
        self.errors_total = 0
        self.on_backend_error: BackendErrorHook | None = None
        self.prefix = prefix
        self._poll_interval = poll_interval
        self.client = RespClient(parse_url(url, timeout))
        self._gcra = Script(lua.GCRA)
        self._incr = Script(lua.INCR)
        self._reserve = Script(lua.RESERVE)
        self._adjust = Script(lua.ADJUST)
        self._hit = Script(lua.HIT)
        self._ban = Script(lua.BAN)
        self._banned = Script(lua.BANNED)
        self._bans = Script(lua.BANS)
        self._unban = Script(lua.UNBAN)
        self._release = Script(lua.RELEASE)
        self._ban_registry = f"{prefix}bans"
        self._intervals: dict[float, str] = {}  # rate interval (s) -> script argument (us)

    def key(self, kind: str, key: str) -> str:
        """The redis key for ``key`` in the ``kind`` key space (public for tests and ops)."""
        check_key(key)
        return f"{self.prefix}{kind}:{{{key}}}"

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return self.client.evalsha(script, keys, args)

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        check_gcra_args(rate, burst, cost)
        interval = self._intervals.get(rate.interval)
        if interval is None:  # a handful of distinct rates per config: format each once
            interval = self._intervals[rate.interval] = repr(rate.interval * _US)
        allowed, remaining, retry, reset = await self._run(
            self._gcra, [self.key("rl", key)], [interval, burst, cost]
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
        value = await self.client.execute("GET", self.key("kv", key))
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        if ttl is None:
            await self.client.execute("SET", self.key("kv", key), value)
        else:
            await self.client.execute("SET", self.key("kv", key), value, "PX", _ms(ttl))

    async def delete(self, key: str) -> None:
        await self.client.execute("DEL", self.key("kv", key))

    async def take(self, key: str) -> bytes | None:
        value = await self.client.execute("GETDEL", self.key("kv", key))
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
        taken = await self.client.execute("SET", lock, token, "NX", "PX", _ms(ttl))
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
        while await self.client.execute("EXISTS", lock):
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
        await self.client.execute("PING")

    async def close(self) -> None:
        await self.client.close()
