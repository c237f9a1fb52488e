"""Redis Sentinel: ask the sentinels who the primary is, write only there, follow failovers.

The primary is learnt with ``SENTINEL GET-MASTER-ADDR-BY-NAME`` from the first sentinel that
answers and confirmed with ``ROLE`` (a node the sentinels still name while it is being
demoted, or a replica, is never written to), and becomes the client's primary only then:
published before, a call arriving between the sentinels' answer and ``ROLE``'s took it for
a primary that had failed, and got a 503 instead of waiting for the discovery in flight
(``tests/integration/test_fleet_recovery.py``). Commands then go over one multiplexed
connection to it. A refused, dropped or silent primary, or a ``READONLY`` / ``MASTERDOWN`` /
``LOADING`` reply, raises ``StateUnavailable`` (never resent: the command may have run) and
marks the primary stale; the next call asks the sentinels again, at most once per
``rediscover_interval``, so the gateways follow a promotion by themselves.

Credentials and TLS in the URL apply to the data nodes; the sentinels are asked without them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from proxy.state.base import StateUnavailable
from proxy.state.client import redirected
from proxy.state.packing import Script
from proxy.state.resp import Convert, Endpoint, ReplyError, RespClient
from proxy.state.urls import StateUrl


class SentinelClient:
    """``RedisClient`` for the primary of a Sentinel-managed service."""

    kind = "sentinel"

    def __init__(self, url: StateUrl, *, rediscover_interval: float = 0.2) -> None:
        self.url = url
        self.service = url.service
        self.rediscover_interval = rediscover_interval
        self._sentinels = [
            RespClient(
                Endpoint(h, p, timeout=url.node.timeout, connect_timeout=url.node.connect_timeout)
            )
            for h, p in url.seeds
        ]
        self._primary: RespClient | None = None
        self._replicas: list[str] = []
        self._stale = True
        self._discovering: asyncio.Task[RespClient] | None = None
        self._last_discovery = float("-inf")

    async def _current(self) -> RespClient:
        primary = self._primary
        if primary is not None and not self._stale:
            return primary
        if (
            primary is not None
            and time.monotonic() - self._last_discovery < self.rediscover_interval
        ):
            raise StateUnavailable(
                f"redis sentinel: primary {primary.endpoint.name} is failing", primary.endpoint.name
            )
        if self._discovering is None or self._discovering.done():
            self._discovering = asyncio.get_running_loop().create_task(self._discover())
            self._discovering.add_done_callback(_retrieve)
        return await asyncio.shield(self._discovering)

    async def _discover(self) -> RespClient:
        self._last_discovery = time.monotonic()
        address = None
        for sentinel in self._sentinels:
            try:
                address = await sentinel.execute(
                    "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service
                )
            except (StateUnavailable, ReplyError):
                continue
            if address is None:
                raise StateUnavailable(f"redis sentinel: no service named {self.service!r}")
            try:
                replicas = await sentinel.execute("SENTINEL", "REPLICAS", self.service)
                self._replicas = [_replica_name(r) for r in replicas]
            except (StateUnavailable, ReplyError):
                pass
            break
        if address is None:
            raise StateUnavailable("redis sentinel: no sentinel answered")
        host, port = address[0].decode(), int(address[1])
        name = f"{host}:{port}"
        known = self._primary
        if known is not None and known.endpoint.name == name:
            candidate = known
        else:
            candidate = RespClient(self.url.endpoint(host, port))
        try:
            role = await candidate.execute("ROLE")
            if role[0] != b"master":
                raise StateUnavailable(f"redis sentinel: {name} is not a primary yet", name)
        except BaseException:
            if candidate is not known:
                await candidate.close()
            raise
        if candidate is not known:  # published only once confirmed: see ``_current``
            self._primary = candidate
            if known is not None:
                await known.close()
        self._stale = False
        return candidate

    async def _call(self, send: Any) -> Any:
        primary = await self._current()
        try:
            return await send(primary)
        except StateUnavailable:
            self._failed(primary)
            raise
        except ReplyError as exc:
            self._failed(primary)
            raise redirected(exc, primary.endpoint.name) from None

    def _failed(self, primary: RespClient) -> None:
        """Mark the primary stale, unless the call that failed went to one already replaced:
        a command sent to the old primary before a failover can answer ``READONLY`` (or see
        its connection closed) after the gateway has followed to the new one, and must not
        send every call after it back to the sentinels (answered 503 for
        ``rediscover_interval``) while the new primary is fine."""
        if primary is self._primary:
            self._stale = True

    async def command(self, key: str, *args: Any) -> Any:
        return await self._call(lambda node: node.execute(*args))

    async def evalsha(
        self, script: Script, key: str, command: bytes, convert: Convert | None = None
    ) -> Any:
        return await self._call(lambda node: node.evalsha(script, command, convert))

    def node_for(self, key: str) -> str:
        return "*" if self._primary is None else self._primary.endpoint.name

    async def scan(self, match: str, limit: int) -> list[bytes]:
        result: list[bytes] = await self._call(lambda node: node.scan(match, limit))
        return result

    async def ping(self) -> None:
        await self._call(lambda node: node.execute("PING"))

    def topology(self) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = []
        if self._primary is not None:
            primary = self._primary.endpoint.name
            nodes.append({"node": primary, "role": "primary"})
            nodes += [{"node": r, "role": "replica", "of": primary} for r in self._replicas]
        sentinels = [s.endpoint.name for s in self._sentinels]
        return {"kind": self.kind, "service": self.service, "sentinels": sentinels, "nodes": nodes}

    async def discover(self) -> dict[str, Any]:
        self._stale = True
        self._last_discovery = float("-inf")
        await self._current()
        return self.topology()

    async def close(self) -> None:
        if self._discovering is not None and not self._discovering.done():
            self._discovering.cancel()
        for sentinel in self._sentinels:
            await sentinel.close()
        if self._primary is not None:
            await self._primary.close()


def _replica_name(entry: Any) -> str:
    fields = dict(zip(entry[::2], entry[1::2], strict=False))
    return f"{fields[b'ip'].decode()}:{int(fields[b'port'])}"


def _retrieve(task: asyncio.Task[RespClient]) -> None:
    if not task.cancelled():
        task.exception()
