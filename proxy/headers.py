"""The header class of the exchange: starlette's ``MutableHeaders`` made cheap where every
request uses it.

Each request builds two of these (the client's headers and the response's), and the core
and the plugins ask them for optional names and set a few: the inherited ``Mapping.get``
raises and catches a ``KeyError`` for every absent name (~1 µs), and ``__setitem__`` builds
a list of the indexes it found before it sets anything. Same semantics (names case-
insensitive, a set replaces the first and drops the other copies, order kept), one pass.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders


class Headers(MutableHeaders):
    def get(self, key: str, default: Any = None) -> Any:
        name = key.lower().encode("latin-1")
        for header, value in self._list:
            if header == name:
                return value.decode("latin-1")
        return default

    def __setitem__(self, key: str, value: str) -> None:
        name = key.lower().encode("latin-1")
        pair = (name, value.encode("latin-1"))
        items = self._list
        for index, (header, _) in enumerate(items):
            if header == name:
                items[index] = pair
                # Later copies go (rare): a second pass only when there is one.
                rest = [item for item in items[index + 1 :] if item[0] != name]
                if len(rest) != len(items) - index - 1:
                    items[index + 1 :] = rest
                return
        items.append(pair)
