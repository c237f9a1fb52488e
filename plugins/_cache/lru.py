"""A byte-bounded LRU with per-entry expiry: the cache's memory backend.

It lives on the plugin instance (not in module globals), so a config reload starts it empty —
the same as a restart. Only the bytes of keys and values are counted; the per-entry Python
overhead (~200 bytes) is added as a constant so that many tiny entries still hit the bound.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

ENTRY_OVERHEAD = 200


class ByteLru:
    def __init__(self, max_bytes: int, clock: Callable[[], float]) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.evictions = 0
        self._clock = clock
        self._items: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return item[0]

    def set(self, key: str, value: bytes, ttl: float) -> bool:
        """Store ``value``; False (nothing stored) when it alone exceeds the bound."""
        cost = _cost(key, value)
        if cost > self.max_bytes:
            return False
        if key in self._items:
            self._drop(key)
        self._items[key] = (value, self._clock() + ttl)
        self.size += cost
        while self.size > self.max_bytes:
            oldest = next(iter(self._items))
            self._drop(oldest)
            self.evictions += 1
        return True

    def delete(self, key: str) -> None:
        if key in self._items:
            self._drop(key)

    def _drop(self, key: str) -> None:
        value, _ = self._items.pop(key)
        self.size -= _cost(key, value)


def _cost(key: str, value: bytes) -> int:
    return len(key) + len(value) + ENTRY_OVERHEAD
