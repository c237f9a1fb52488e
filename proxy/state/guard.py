"""The ``on_error`` policy: what a plugin gets from the store while the backend is down.

``GuardedStore`` wraps a backend that may raise ``StateUnavailable`` and decides per call:

- ``allow``: the call returns the permissive answer (GCRA admits, ``reserve`` succeeds,
  ``banned`` says no, ``get`` misses, ``lead`` makes every caller a leader...). The gateway
  keeps serving without limits rather than failing every request because redis blinked.
- ``deny``: the ``StateUnavailable`` propagates; it is a 503 ``GatewayError``, so a plugin
  that does not catch it answers 503 with ``Retry-After``.

Either way ``errors_total`` goes up and ``on_backend_error(op, node)`` is called, for the
metric. After a failure **that node** is not asked for ``cooldown`` seconds (50 ms; calls
for keys it holds take the policy at once); after it, one call at a time goes through as a
**probe** while the others still take the policy. The first probe that answers ends the
outage, so the store is used again as soon as the node (or the replica promoted in its
place) answers; a failed probe starts the cooldown again. A black-holed node so costs one
connect timeout at a time instead of one per request, a refusing one a connect per 50 ms,
and keys on the healthy masters of a cluster keep their exact limits throughout. Why: the
cooldown used to be 0.5 s with nothing let through, so one failed call — a fresh gateway's
first, timed out — refused every request for that node for half a second while the node
answered again (``tests/integration/test_fleet_recovery.py``: three requests after a
0.45 s stall were 503, 503, 503; now 200, 200, 429). ``ping`` always asks, and a
successful ping ends every cooldown; ``wait_released`` (which may poll for seconds) is
never a probe.

One WARN line when a node becomes unavailable and one when it answers again, at most one
pair per node per ``log_interval`` (a flapping node does not flood the log); ``topology()``
adds each node's health for ``/-/status``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

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
ALL_NODES = "*"
log = logging.getLogger("sluicegate.state")


@dataclass(slots=True)
class _Outage:
    """One node's current outage: since when, how many failures, whether it was logged."""

    since: float
    failures: int = 0
    logged: bool = False
    reason: str = ""


class GuardedStore:
    """A ``StateStore`` that applies ``on_error`` around another ``StateStore``."""

    def __init__(
        self,
        inner: StateStore,
        on_error: OnError = "allow",
        on_backend_error: BackendErrorHook | None = None,
        *,
        cooldown: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        log_interval: float = 30.0,
    ) -> None:
        if on_error not in ("allow", "deny"):
            raise ValueError(f'on_error must be "allow" or "deny", got {on_error!r}')
        self.inner = inner
        self.shared = inner.shared
        self.on_error: OnError = on_error
        self.on_backend_error = on_backend_error
        self.errors_total = 0
        self._cooldown = cooldown
        self._clock = clock
        self._log_interval = log_interval
        self._down_until: dict[str, float] = {}  # node out -> end of its cooldown
        self._probing: set[str] = set()  # nodes out whose probe is in flight
        self._outages: dict[str, _Outage] = {}  # node -> its current outage
        self._last_logged: dict[str, float] = {}  # node -> when its last down line was written
        self._last_prune = float("-inf")
        self._admit: dict[tuple[int, int], GcraDecision] = {}  # gcra's fallback per (burst, cost)

    async def _guard(
        self,
        op: str,
        key: str | None,
        call: Coroutine[Any, Any, T],
        fallback: T,
        *,
        may_probe: bool = True,
    ) -> T:
        """Await ``call`` (the backend's coroutine, not yet started) under the policy; a node
        that is out gets ``call`` closed unstarted and the policy at once, unless this call
        is its probe."""
        if self._down_until:
            cooling = self._cooling(key, may_probe)
            if isinstance(cooling, StateUnavailable):
                call.close()
                return self._failed(op, cooling.node, cooling, fallback)
            if cooling is not None:
                return await self._ask(op, key, call, fallback, cooling)
        try:
            result = await call
        except StateUnavailable as exc:
            return self._unavailable(op, key, exc, fallback)
        if self._outages:
            self._answered(key)
        return result

    def _cooling(self, key: str | None, may_probe: bool = True) -> StateUnavailable | str | None:
        """For a call on ``key`` while some node is out: None when its node is not (ask it),
        the node's name when this call is to be its probe, else the failure to answer with
        at once (the node cools down, or its probe is still out)."""
        node = ALL_NODES if key is None else self.inner.node_for(key)
        until = self._down_until.get(node)
        if until is None:
            return None
        if may_probe and node not in self._probing and self._clock() >= until:
            return node
        return StateUnavailable(f"shared state node {node} is unavailable (cooling down)", node)

    async def _ask(
        self, op: str, key: str | None, call: Awaitable[T], fallback: T, probe: str | None
    ) -> T:
        """``call`` under the policy while some node is out. ``probe``: the node out that
        ``call`` is the one call let through to after its cooldown — its answer ends that
        outage (whichever node gave it: a promoted replica answers for a dead primary's
        keys), its failure starts the cooldown again."""
        if probe is not None:
            self._probing.add(probe)
        try:
            result = await call
        except StateUnavailable as exc:
            if probe is not None:
                self._down_until[probe] = self._clock() + self._cooldown
            return self._unavailable(op, key, exc, fallback)
        finally:
            if probe is not None:
                self._probing.discard(probe)
        if probe is not None:
            self._down_until.pop(probe, None)
        if self._outages:
            self._answered(key)
        return result

    def _unavailable(self, op: str, key: str | None, exc: StateUnavailable, fallback: T) -> T:
        """The backend raised: start the node's cooldown, then apply the policy."""
        node = exc.node
        if node == ALL_NODES and key is not None:
            node = self.inner.node_for(key)
        self._down_until[node] = self._clock() + self._cooldown
        self._went_down(node, exc)
        return self._failed(op, node, exc, fallback)

    def _answered(self, key: str | None) -> None:
        """The backend answered while some outage is open: end what the answer disproves."""
        if key is not None:
            self._recovered(self.inner.node_for(key))
        self._recovered(ALL_NODES)  # any answer ends a "no node answered" outage
        self._forget_replaced()

    def _failed(self, op: str, node: str, failure: StateUnavailable, fallback: T) -> T:
        self.errors_total += 1
        outage = self._outages.get(node)
        if outage is not None:
            outage.failures += 1
        if self.on_backend_error is not None:
            self.on_backend_error(op, node)
        if self.on_error == "deny":
            raise failure
        return fallback

    def _went_down(self, node: str, exc: StateUnavailable) -> None:
        if node in self._outages:
            return
        now = self._clock()
        outage = self._outages[node] = _Outage(now, reason=str(exc))
        if now - self._last_logged.get(node, float("-inf")) >= self._log_interval:
            self._last_logged[node] = now
            outage.logged = True
            what = "requests pass unlimited" if self.on_error == "allow" else "requests get 503"
            log.warning(
                "state store node %s is unavailable (%s); on_error = %s: %s until it answers",
                node, exc, self.on_error, what,
            )  # fmt: skip

    def _recovered(self, node: str) -> None:
        outage = self._outages.pop(node, None)
        self._down_until.pop(node, None)
        if outage is not None and outage.logged:
            log.warning(
                "state store node %s answers again after %.1f s (%d failed calls)",
                node, self._clock() - outage.since, outage.failures,
            )  # fmt: skip

    def _forget_replaced(self) -> None:
        """End the outages of nodes that no longer hold keys (a replica took over)."""
        now = self._clock()
        if now - self._last_prune < 1.0:
            return
        self._last_prune = now
        serving = _serving(self.inner.topology())
        for node in list(self._outages):
            if node != ALL_NODES and serving and node not in serving:
                outage = self._outages.pop(node)
                self._down_until.pop(node, None)
                if outage.logged:
                    log.warning(
                        "state store node %s was replaced after %.1f s (%d failed calls): "
                        "its keys are served by %s",
                        node, now - outage.since, outage.failures, ", ".join(sorted(serving)),
                    )  # fmt: skip

    def node_for(self, key: str) -> str:
        return self.inner.node_for(key)

    def topology(self) -> dict[str, Any]:
        """The inner store's topology, each node marked ``healthy`` or not (``down_for`` s)."""
        described = self.inner.topology()
        now = self._clock()
        for node in described.get("nodes", []):
            outage = self._outages.get(node["node"])
            node["healthy"] = outage is None
            if outage is not None:
                node["down_for"] = round(now - outage.since, 3)
                node["error"] = outage.reason
        described["on_error"] = self.on_error
        serving = _serving(described)
        described["healthy"] = not any(n in serving or n == ALL_NODES for n in self._outages)
        return described

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> GcraDecision:
        if self._down_until:  # some node is out
            return await self._gcra_out(key, rate, burst, cost)
        # ``_guard`` inlined: every limiter of every request comes here, and each coroutine
        # frame between the plugin and the reply's future is resumed again when it arrives
        # (this is the only one: redis's ``gcra`` is the connection's future).
        try:
            result = await self.inner.gcra(key, rate, burst, cost)
        except StateUnavailable as exc:
            return self._unavailable("gcra", key, exc, self._admitted(burst, cost))
        if self._outages:
            self._answered(key)
        return result

    async def _gcra_out(self, key: str, rate: Rate, burst: int, cost: int) -> GcraDecision:
        """``gcra`` while some node is out, in a frame of its own: inline, this branch made
        the healthy path's coroutine bigger (+88 and +101 instructions per request, two
        runs; here -118 against before the probe: ``benchmarks.rate_limit_instructions``)."""
        fallback = self._admitted(burst, cost)
        cooling = self._cooling(key)
        if isinstance(cooling, StateUnavailable):  # not asked: the call is never made
            return self._failed("gcra", cooling.node, cooling, fallback)
        return await self._ask(
            "gcra", key, self.inner.gcra(key, rate, burst, cost), fallback, cooling
        )

    def _admitted(self, burst: int, cost: int) -> GcraDecision:
        """gcra's permissive answer, built once per (burst, cost) and only when needed: a
        config has a handful of limiters."""
        fallback = self._admit.get((burst, cost))
        if fallback is None:
            if len(self._admit) >= 1024:  # per-caller limits could make many: stay bounded
                self._admit.clear()
            limit = burst + 1
            fallback = GcraDecision(True, limit, max(0, limit - cost), 0.0, 0.0)
            self._admit[(burst, cost)] = fallback
        return fallback

    async def incr(self, key: str, amount: float, ttl: float) -> float:
        return await self._guard("incr", key, self.inner.incr(key, amount, ttl), amount)

    async def reserve(
        self, key: str, amount: float, limit: float, ttl: float
    ) -> tuple[bool, float]:
        call = self.inner.reserve(key, amount, limit, ttl)
        return await self._guard("reserve", key, call, (True, amount))

    async def adjust(self, key: str, delta: float, ttl: float) -> float:
        call = self.inner.adjust(key, delta, ttl)
        return await self._guard("adjust", key, call, max(0.0, delta))

    async def hit(self, key: str, window: float) -> int:
        return await self._guard("hit", key, self.inner.hit(key, window), 0)

    async def get(self, key: str) -> bytes | None:
        return await self._guard("get", key, self.inner.get(key), None)

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        await self._guard("set", key, self.inner.set(key, value, ttl), None)

    async def delete(self, key: str) -> None:
        await self._guard("delete", key, self.inner.delete(key), None)

    async def take(self, key: str) -> bytes | None:
        return await self._guard("take", key, self.inner.take(key), None)

    async def ban(self, key: str, ttl: float) -> None:
        await self._guard("ban", key, self.inner.ban(key, ttl), None)

    async def banned(self, key: str) -> float | None:
        return await self._guard("banned", key, self.inner.banned(key), None)

    async def bans(self, prefix: str = "") -> dict[str, float]:
        return await self._guard("bans", None, self.inner.bans(prefix), {})

    async def unban(self, key: str) -> bool:
        return await self._guard("unban", key, self.inner.unban(key), False)

    async def lead(self, key: str, ttl: float) -> Lease | None:
        fallback = Lease(key, _ALLOW_LEASE_TOKEN)
        return await self._guard("lead", key, self.inner.lead(key, ttl), fallback)

    async def release(self, lease: Lease) -> None:
        if lease.token == _ALLOW_LEASE_TOKEN:
            return
        await self._guard("release", lease.key, self.inner.release(lease), None)

    async def wait_released(self, key: str, timeout: float) -> bool:
        call = self.inner.wait_released(key, timeout)  # may poll for seconds: never a probe
        return await self._guard("wait_released", key, call, True, may_probe=False)

    def coalesce(
        self, key: str, ttl: float = 30.0, timeout: float = 10.0
    ) -> AbstractAsyncContextManager[bool]:
        return coalesce(self, key, ttl, timeout)

    async def ping(self) -> None:
        await self.inner.ping()
        for node in list(self._outages):
            self._recovered(node)
        self._down_until.clear()

    async def close(self) -> None:
        await self.inner.close()


def _serving(topology: dict[str, Any]) -> set[str]:
    """The nodes that hold keys now: the masters of a cluster, the primary of one node."""
    return {n["node"] for n in topology.get("nodes", []) if n["role"] in ("master", "primary")}
