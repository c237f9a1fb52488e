"""Where entries live: the plugin's own byte-bounded LRU, or the shared state store (redis).

The cache never fails a request because its storage failed: a store that is down (even
under ``on_error = "deny"``) reads as a miss and swallows writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from plugins._cache.lru import ByteLru
from proxy.state import KeyValue, StateUnavailable

PREFIX = "cache:"


class Backend(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> bool: ...


class MemoryBackend:
    """The LRU of one process; the cache plugin keeps it across reloads (``services.keep``)."""

    name = "memory"

    def __init__(self, max_bytes: int, clock: Callable[[], float]) -> None:
        self.lru = ByteLru(max_bytes, clock)

    async def get(self, key: str) -> bytes | None:
        return self.lru.get(key)

    async def set(self, key: str, value: bytes, ttl: float) -> bool:
        return self.lru.set(key, value, ttl)


class StoreBackend:
    """``services.store`` get/set: with redis, every instance sees every entry."""

    name = "store"

    def __init__(self, store: KeyValue) -> None:
        self.store = store

    async def get(self, key: str) -> bytes | None:
        try:
            return await self.store.get(PREFIX + key)
        except StateUnavailable:
            return None

    async def set(self, key: str, value: bytes, ttl: float) -> bool:
        try:
            await self.store.set(PREFIX + key, value, ttl)
        except StateUnavailable:
            return False
        return True
