"""Redis Cluster: the slot map, redirects and failover, over one connection per master.

- **Slot map.** ``CLUSTER SLOTS`` from a seed (or any node seen since) fills a table of
  16,384 owners; a key goes to the owner of its hash slot, so the store's ``{…}`` hash tags
  keep every script on one node.
- **MOVED** (the slot has a new owner for good): the table entry is patched, the command is
  sent to the new owner, and a full refresh is scheduled (one MOVED usually means many slots
  moved). **ASK** (a slot half-way through a migration): ``ASKING`` and the command go to the
  importing node in one write, and the table is left as it is. **TRYAGAIN** (a multi-key
  command while its keys are split by a migration) is retried after 20 ms. These replies
  prove the command did not run, so the resend cannot count twice; at most
  ``MAX_REDIRECTS`` of them per call.
- **Failover.** A refused, dropped or silent node, or ``CLUSTERDOWN``, raises
  ``StateUnavailable`` (never retried: the command may have run) and schedules a refresh, at
  most one per ``refresh_interval``; once the cluster has promoted the replica, the next
  refresh points the slots at it. The gateways follow without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from proxy.state.base import StateUnavailable
from proxy.state.client import SLOTS, keyslot
from proxy.state.packing import Script
from proxy.state.resp import Convert, NodeUnavailable, ReplyError, RespClient
from proxy.state.urls import StateUrl

MAX_REDIRECTS = 5
TRYAGAIN_DELAY = 0.02

Send = Callable[[RespClient, bool], Awaitable[Any]]


class ClusterClient:
    """``RedisClient`` for a Redis Cluster named by its seed nodes."""

    kind = "cluster"

    def __init__(self, url: StateUrl, *, refresh_interval: float = 0.2) -> None:
        self.url = url
        self.refresh_interval = refresh_interval
        self._seeds = [f"{host}:{port}" for host, port in url.seeds]
        self._owners: list[str | None] = [None] * SLOTS
        self._nodes: dict[str, RespClient] = {}
        self._replicas: dict[str, list[str]] = {}  # master -> its replicas
        self._slot_counts: dict[str, int] = {}
        self._failed: dict[str, float] = {}  # node -> when it last failed
        self._refreshing: asyncio.Task[None] | None = None
        self._last_refresh = float("-inf")
        self._closed = False

    def _node(self, name: str) -> RespClient:
        client = self._nodes.get(name)
        if client is None:
            host, _, port = name.rpartition(":")
            client = self._nodes[name] = RespClient(self.url.endpoint(host, int(port)))
        return client

    def node_for(self, key: str) -> str:
        return self._owners[keyslot(key)] or "*"

    async def command(self, key: str, *args: Any) -> Any:
        async def send(node: RespClient, asking: bool) -> Any:
            return await (node.asking(*args) if asking else node.execute(*args))

        return await self._run(keyslot(key), send)

    async def evalsha(
        self, script: Script, key: str, command: bytes, convert: Convert | None = None
    ) -> Any:
        def send(node: RespClient, asking: bool) -> Awaitable[Any]:
            return node.evalsha(script, command, convert, asking=asking)

        return await self._run(keyslot(key), send)

    async def _run(self, slot: int, send: Send) -> Any:
        owner = self._owners[slot]
        if owner is None:
            await self._refresh_now()
            owner = self._owners[slot]
            if owner is None:
                raise StateUnavailable(f"redis cluster: no node serves slot {slot}")
        target, asking = owner, False
        for _ in range(MAX_REDIRECTS):
            try:
                return await send(self._node(target), asking)
            except ReplyError as exc:
                kind, _, rest = str(exc).partition(" ")
                if kind not in ("MOVED", "ASK"):  # NOSCRIPT twice: the script cannot load
                    raise StateUnavailable(f"redis {target}: {exc}", target) from None
                _, _, address = rest.partition(" ")
                if address.startswith(":"):  # an empty host means "the host you asked"
                    address = target.rpartition(":")[0] + address
                if kind == "MOVED":
                    self._owners[slot] = target = address
                    asking = False
                    self._schedule_refresh()
                else:
                    target, asking = address, True
            except NodeUnavailable as exc:
                if exc.code != "TRYAGAIN":
                    self._node_failed(exc.node)
                    raise
                await asyncio.sleep(TRYAGAIN_DELAY)
            except StateUnavailable as exc:
                self._node_failed(exc.node)
                raise
        raise StateUnavailable(
            f"redis cluster: slot {slot} still moving after {MAX_REDIRECTS} redirects", target
        )

    def _node_failed(self, node: str) -> None:
        self._failed[node] = time.monotonic()
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if self._closed or (self._refreshing is not None and not self._refreshing.done()):
            return
        if time.monotonic() - self._last_refresh < self.refresh_interval:
            return
        self._refreshing = asyncio.get_running_loop().create_task(self._refresh())
        self._refreshing.add_done_callback(_retrieve)

    async def _refresh_now(self) -> None:
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh())
            self._refreshing.add_done_callback(_retrieve)
        await asyncio.shield(self._refreshing)

    def _candidates(self) -> list[str]:
        """Nodes to ask for the slot map: healthy known masters first, recent failures last."""
        known = list(dict.fromkeys([*self._slot_counts, *self._seeds, *self._nodes]))
        return sorted(known, key=lambda name: self._failed.get(name, 0.0))

    async def _refresh(self) -> None:
        self._last_refresh = time.monotonic()
        errors = []
        for name in self._candidates():
            try:
                slots = await self._node(name).execute("CLUSTER", "SLOTS")
            except StateUnavailable as exc:
                errors.append(exc.message)
                continue
            self._apply(slots, name.rpartition(":")[0])
            return
        raise StateUnavailable(
            f"redis cluster: no node answered CLUSTER SLOTS ({'; '.join(errors)})"
        )

    def _apply(self, slots: list[Any], asked_host: str) -> None:
        owners: list[str | None] = [None] * SLOTS
        replicas: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for start, end, primary, *others in slots:
            master = _address(primary, asked_host)
            owners[start : end + 1] = [master] * (end - start + 1)
            counts[master] = counts.get(master, 0) + end - start + 1
            replicas.setdefault(master, [])
            for replica in others:
                name = _address(replica, asked_host)
                if name not in replicas[master]:
                    replicas[master].append(name)
        self._owners, self._replicas, self._slot_counts = owners, replicas, counts

    async def scan(self, match: str, limit: int) -> list[bytes]:
        if not self._slot_counts:
            await self._refresh_now()
        found: list[bytes] = []
        for master in list(self._slot_counts):
            try:
                found += await self._node(master).scan(match, limit - len(found))
            except StateUnavailable as exc:
                self._node_failed(exc.node)
                raise
            if len(found) >= limit:
                break
        return found

    async def ping(self) -> None:
        if not self._slot_counts:
            await self._refresh_now()
        if None in self._owners:
            raise StateUnavailable("redis cluster: some slots have no owner")
        for master in list(self._slot_counts):
            try:
                await self._node(master).execute("PING")
            except StateUnavailable as exc:
                self._node_failed(exc.node)
                raise

    def topology(self) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = []
        for master, count in self._slot_counts.items():
            nodes.append({"node": master, "role": "master", "slots": count})
            nodes += [{"node": r, "role": "replica", "of": master} for r in self._replicas[master]]
        return {"kind": self.kind, "seeds": self._seeds, "nodes": nodes}

    async def discover(self) -> dict[str, Any]:
        await self._refresh_now()
        return self.topology()

    async def close(self) -> None:
        self._closed = True
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
        for node in self._nodes.values():
            await node.close()


def _address(entry: list[Any], asked_host: str) -> str:
    host = entry[0].decode() if isinstance(entry[0], bytes) else str(entry[0])
    return f"{host or asked_host}:{int(entry[1])}"


def _retrieve(task: asyncio.Task[None]) -> None:
    """A background refresh that failed is seen here; the next failure schedules another."""
    if not task.cancelled():
        task.exception()
