"""The seam between the redis store and a topology: one node, a Cluster, a Sentinel set.

``RedisStore`` (the primitives, the Lua scripts, the key layout) takes a ``RedisClient`` by
injection; each topology is one class that knows where a key lives and how to follow the
topology when it changes. All three are built on ``proxy.state.resp`` connections, one
multiplexed connection per node, because that client costs about half the CPU per call of
redis-py's (``python -m benchmarks.state_topologies`` measures both on the same cluster).

Every client obeys one rule for safety: **a command that may have run is never sent again.**
A timeout, a dropped connection or a "not now" reply (``CLUSTERDOWN``, ``READONLY``...)
raises ``StateUnavailable`` and the ``on_error`` policy decides; only replies that prove the
command did not run (``MOVED``, ``ASK``, ``TRYAGAIN``, ``NOSCRIPT``) are followed by a resend.
"""

from __future__ import annotations

import binascii
from collections.abc import Awaitable, Coroutine
from typing import Any, Protocol

from proxy.state.base import StateUnavailable
from proxy.state.packing import Script
from proxy.state.resp import Convert, ReplyError, RespClient
from proxy.state.urls import StateUrl

SLOTS = 16384


def keyslot(key: str) -> int:
    """The Redis Cluster hash slot of ``key``: CRC16 of its ``{hash tag}`` (or all of it)."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            key = key[start + 1 : end]
    return binascii.crc_hqx(key.encode(), 0) % SLOTS


class RedisClient(Protocol):
    """What ``RedisStore`` needs from a topology; every key-taking call goes to its owner."""

    kind: str

    async def command(self, key: str, *args: Any) -> Any:
        """Run ``args`` (a one-key command on ``key``) on the node that owns ``key``."""
        ...

    def evalsha(
        self, script: Script, key: str, command: bytes, convert: Convert | None = None
    ) -> Awaitable[Any]:
        """Run ``command`` (``script``'s packed ``EVALSHA``) where ``key`` lives (its other
        keys share ``key``'s hash slot); its reply ``convert``-ed as it is read."""
        ...

    def node_for(self, key: str) -> str:
        """The ``host:port`` currently serving ``key`` (``"*"`` while unknown)."""
        ...

    async def scan(self, match: str, limit: int) -> list[bytes]:
        """Keys matching ``match`` on every primary, at most ``limit`` in all."""
        ...

    async def ping(self) -> None:
        """Raise ``StateUnavailable`` unless every primary answers."""
        ...

    def topology(self) -> dict[str, Any]:
        """The topology as last seen: kind and nodes with their roles (no I/O)."""
        ...

    async def discover(self) -> dict[str, Any]:
        """Connect, learn the topology now and return it (``sluicegate check --connect``)."""
        ...

    async def close(self) -> None:
        """Drop every connection."""
        ...


def redirected(exc: ReplyError, node: str) -> StateUnavailable:
    """A ``MOVED``/``ASK`` where no cluster was expected: the URL names a cluster node."""
    return StateUnavailable(
        f"redis {node}: {exc} (a Redis Cluster node: use redis+cluster://host:port,…)", node
    )


class SingleNode:
    """One redis server: every key lives on it."""

    kind = "single"

    def __init__(self, url: StateUrl) -> None:
        # A redirect here means the URL names a cluster node: the connection turns it into a
        # ``StateUnavailable`` itself, so these calls need no frame of their own.
        self.node = RespClient(url.node, redirected=redirected)
        self.name = url.node.name
        self._role = "primary"

    def command(self, key: str, *args: Any) -> Coroutine[Any, Any, Any]:
        return self.node.execute(*args)

    def evalsha(
        self, script: Script, key: str, command: bytes, convert: Convert | None = None
    ) -> Awaitable[Any]:
        return self.node.evalsha(script, command, convert)

    def node_for(self, key: str) -> str:
        return self.name

    async def scan(self, match: str, limit: int) -> list[bytes]:
        return await self.node.scan(match, limit)

    async def ping(self) -> None:
        await self.node.execute("PING")

    def topology(self) -> dict[str, Any]:
        return {"kind": self.kind, "nodes": [{"node": self.name, "role": self._role}]}

    async def discover(self) -> dict[str, Any]:
        info = await self.node.execute("INFO", "cluster")
        if b"cluster_enabled:1" in info:
            raise StateUnavailable(
                f"redis {self.name} is a Redis Cluster node: name the cluster with "
                "redis+cluster://host:port,host:port",
                self.name,
            )
        role = await self.node.execute("ROLE")
        self._role = "primary" if role[0] == b"master" else role[0].decode()
        return self.topology()

    async def close(self) -> None:
        await self.node.close()
