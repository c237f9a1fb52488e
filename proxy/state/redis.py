"""The redis backend: every instance sharing one redis sees the same limits, bans and caches.

The store is the primitives and the key layout; where a key lives is the injected
``RedisClient``'s business (``proxy.state.client``: one node, Cluster, Sentinel), chosen by
the URL's scheme in ``CLIENTS``. Each primitive is one Lua script from ``proxy.state.lua``
(or one native atomic command), sent as EVALSHA; a NOSCRIPT reply (redis restarted,
``SCRIPT FLUSH``, failover to a replica that never saw the script) makes the client send
SCRIPT LOAD and retry once. Keys are
``<prefix><kind>:{<key>}``: the hash tag keeps every key of one primitive call in one Redis
Cluster slot.

Commands go through ``proxy.state.resp``: one multiplexed connection per node with hiredis
parsing, about half the CPU per call of redis-py's pooled client (that module says why). The
clients never resend a command that may have run (a retried GCRA could count twice) and every
call has a timeout; an unreachable or silent node raises ``StateUnavailable`` and the
``on_error`` policy in ``proxy.state.guard`` decides what the caller gets. The next call
after a failure reconnects, so the store recovers by itself once redis is back.

Bans are one key per banned subject (``<prefix>ban:{<key>}``, expiring with the ban), so
ban checks spread over a cluster like every other key; ``bans()`` lists them with a bounded
``SCAN`` of every primary.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from proxy.config.types import Rate
from proxy.state import lua
from proxy.state.base import (
    MAX_LISTED_BANS,
    NEVER,
    BackendErrorHook,
    GcraDecision,
    Lease,
    check_gcra_args,
    check_key,
    coalesce,
)
from proxy.state.client import RedisClient, SingleNode
from proxy.state.cluster import ClusterClient
from proxy.state.packing import Script
from proxy.state.sentinel import SentinelClient
from proxy.state.urls import StateUrl, TopologyKind, parse_state_url

CLIENTS: dict[TopologyKind, Callable[[StateUrl], RedisClient]] = {
    "single": SingleNode,
    "cluster": ClusterClient,
    "sentinel": SentinelClient,
}
"""Topology kind -> the client that speaks it."""

_US = 1_000_000.0
_PACKED_KEYS = 4096  # (limiter, caller) GCRA commands kept packed: ~2 MiB at most
_new = tuple.__new__


def _ms(seconds: float) -> int:
    """A TTL in whole milliseconds, never 0 (redis rejects PX 0)."""
    return max(1, math.ceil(seconds * 1000))


def _float(raw: Any) -> float:
    return float(raw.decode() if isinstance(raw, bytes) else raw)


class _GcraCall:
    """One limiter's GCRA script call, packed once per caller (a bounded memo of each
    caller's key and command: the usual call is a dict lookup, no formatting), its reply
    read into a ``GcraDecision`` by the connection as it arrives (no frame of the store's
    in between)."""

    __slots__ = ("_command", "burst", "commands", "convert", "cost", "limit", "rate")

    def __init__(self, script: Script, rate: Rate, burst: int, cost: int) -> None:
        self._command = script.on_one_key([repr(rate.interval * _US), burst, cost]).command
        self.commands: dict[str, tuple[str, bytes]] = {}  # caller key -> (redis key, command)
        self.rate = rate  # a Rate is frozen: the same object is the same rate
        self.burst = burst
        self.cost = cost
        self.limit = burst + 1
        self.convert: Callable[[list[Any]], GcraDecision] = self.decision  # bound once

    def pack(self, prefix: str, key: str) -> tuple[str, bytes]:
        check_key(key)
        name = f"{prefix}rl:{{{key}}}"
        command = self.commands[key] = (name, self._command(name))
        return command

    def decision(self, reply: list[Any]) -> GcraDecision:
        allowed, remaining, retry, reset = reply
        # float() reads the script's "%.17g" replies as bytes, as it reads numbers.
        retry_after = 0.0 if retry == b"0" else NEVER if retry == b"-1" else float(retry) / _US
        reset_after = float(reset) / _US
        if reset_after < 0.0:  # max(0.0, ...) without the builtin's call (~1.5 k instructions)
            reset_after = 0.0
        # _new is GcraDecision's own __new__ without its Python frame. The script's flag and
        # count are integer replies, which hiredis reads as ints: ``== 1`` and the count as
        # it came, not ``bool()`` and ``int()`` (~0.9 k instructions of the ~4.4 k here).
        return _new(GcraDecision, (allowed == 1, self.limit, remaining, retry_after, reset_after))


def _glob_escape(text: str) -> str:
    """``text`` as a literal inside a redis ``MATCH`` pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def connect(url: str, timeout: float = 0.5) -> RedisClient:
    """The client for ``url``'s topology (no I/O yet: the first call connects)."""
    parsed = parse_state_url(url, timeout)
    return CLIENTS[parsed.kind](parsed)


async def discover(url: str, timeout: float = 2.0) -> dict[str, Any]:
    """Connect to ``url``'s topology, learn it, ping every primary and return the topology
    (``sluicegate check --connect``); raises ``StateUnavailable`` when it cannot."""
    client = connect(url, timeout)
    try:
        topology = await client.discover()
        await client.ping()
        return topology
    finally:
        await client.close()


class RedisStore:
    """``StateStore`` on redis; build one per config load, ``close`` it when retired."""

    shared = True

    def __init__(
        self,
        client: RedisClient,
        prefix: str = "sluicegate:",
        *,
        poll_interval: float = 0.05,
    ) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("state prefix must not contain '{' or '}' (they are hash tags)")
        self.errors_total = 0
        self.on_backend_error: BackendErrorHook | None = None
        self.prefix = prefix
        self._poll_interval = poll_interval
        self.client = client
        self._gcra = Script(lua.GCRA)
        self._incr = Script(lua.INCR)
        self._reserve = Script(lua.RESERVE)
        self._adjust = Script(lua.ADJUST)
        self._hit = Script(lua.HIT)
        self._release = Script(lua.RELEASE)
        # (rate, burst, cost) -> the GCRA script's call, checked and packed once
        self._gcra_calls: dict[tuple[float, float, int, int], _GcraCall] = {}
        self._packed = 0  # callers' commands the calls keep packed, in all
        self._last: _GcraCall | None = None  # the call gcra made last

    @classmethod
    def from_url(cls, url: str, prefix: str = "sluicegate:", timeout: float = 0.5) -> RedisStore:
        """A store on the topology ``url`` names (tests and tools; the core uses the registry)."""
        return cls(connect(url, timeout), prefix)

    def key(self, kind: str, key: str) -> str:
        """The redis key for ``key`` in the ``kind`` key space (public for tests and ops)."""
        check_key(key)
        return f"{self.prefix}{kind}:{{{key}}}"

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Awaitable[Any]:
        return self.client.evalsha(script, keys[0], script.command(keys, args))

    def node_for(self, key: str) -> str:
        return self.client.node_for(f"{{{key}}}")

    def topology(self) -> dict[str, Any]:
        return self.client.topology()

    def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> Awaitable[GcraDecision]:
        call = self._last
        # The last limiter's call again (one limiter per request, the usual entry) without
        # the lookup's tuple and hashes; then keyed by the rate's fields: a Rate's own hash
        # is a Python call (a dataclass's).
        if call is None or call.rate is not rate or call.burst != burst or call.cost != cost:
            call = self._gcra_calls.get((rate.count, rate.period, burst, cost))
            if call is None:  # a handful of limiters per config: check and pack each once
                call = self._gcra_call(rate, burst, cost)
            self._last = call  # always one of _gcra_calls: their bound covers it
        command = call.commands.get(key)
        if command is None:  # a caller's first call (since the memos were last cleared)
            self._packed += 1
            if self._packed > _PACKED_KEYS:  # bounded across every limiter
                for each in self._gcra_calls.values():
                    each.commands.clear()
                self._packed = 1
            command = call.pack(self.prefix, key)
        # Not a coroutine: the connection's future, the decision made as the reply is read.
        return self.client.evalsha(self._gcra, command[0], command[1], call.convert)

    def _gcra_call(self, rate: Rate, burst: int, cost: int) -> _GcraCall:
        check_gcra_args(rate, burst, cost)
        if len(self._gcra_calls) >= 1024:  # per-caller limits could make many
            self._gcra_calls.clear()
            self._packed = 0
        call = _GcraCall(self._gcra, rate, burst, cost)
        self._gcra_calls[(rate.count, rate.period, burst, cost)] = call
        return call

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
        name = self.key("kv", key)
        value = await self.client.command(name, "GET", name)
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        name = self.key("kv", key)
        if ttl is None:
            await self.client.command(name, "SET", name, value)
        else:
            await self.client.command(name, "SET", name, value, "PX", _ms(ttl))

    async def delete(self, key: str) -> None:
        name = self.key("kv", key)
        await self.client.command(name, "DEL", name)

    async def take(self, key: str) -> bytes | None:
        name = self.key("kv", key)
        value = await self.client.command(name, "GETDEL", name)
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def ban(self, key: str, ttl: float) -> None:
        name = self.key("ban", key)
        await self.client.command(name, "SET", name, b"1", "PX", _ms(ttl))

    async def banned(self, key: str) -> float | None:
        name = self.key("ban", key)
        left = await self.client.command(name, "PTTL", name)
        return None if left < 0 else left / 1000.0

    async def bans(self, prefix: str = "") -> dict[str, float]:
        head = f"{self.prefix}ban:{{"
        names = await self.client.scan(head + _glob_escape(prefix) + "*", MAX_LISTED_BANS)
        keys = [raw.decode() for raw in names]
        lefts = await asyncio.gather(*(self.client.command(k, "PTTL", k) for k in keys))
        return {
            k[len(head) : -1]: ms / 1000.0 for k, ms in zip(keys, lefts, strict=True) if ms >= 0
        }

    async def unban(self, key: str) -> bool:
        name = self.key("ban", key)
        return bool(await self.client.command(name, "DEL", name))

    async def lead(self, key: str, ttl: float) -> Lease | None:
        token = secrets.token_hex(8)
        lock = self.key("lock", key)
        taken = await self.client.command(lock, "SET", lock, token, "NX", "PX", _ms(ttl))
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
        while await self.client.command(lock, "EXISTS", lock):
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
        await self.client.ping()

    async def close(self) -> None:
        await self.client.close()
