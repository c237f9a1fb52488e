"""Redis commands packed for the wire: once where they can be, by hiredis where they cannot.

``rate_limit`` sends one ``EVALSHA`` of the GCRA script per request, whose bytes differ from
one caller to the next only by the key. hiredis packs a whole command in ~2 µs (every length
through ``sprintf``, every integer through ``str``: ~6 k of the ~40 k instructions a GCRA call
cost); ``OneKeyCall`` packs the rest once and joins the key in between, ~0.2 µs, the same
bytes (``tests/proxy/state/test_resp_packing.py``). A script call's reply is read by
``proxy.state.resp``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import hiredis


def pack(*args: Any) -> bytes:
    """``args`` as one RESP command (hiredis packs it)."""
    packed: bytes = hiredis.pack_command(args)
    return packed


class Script:
    """A Lua script known by its SHA1, run with ``RespClient.evalsha``."""

    __slots__ = ("sha", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sha = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    def command(self, keys: Sequence[str], args: Sequence[Any]) -> bytes:
        """``EVALSHA`` of this script on ``keys`` with ``args``, packed."""
        return pack("EVALSHA", self.sha, len(keys), *keys, *args)

    def on_one_key(self, args: Sequence[Any]) -> OneKeyCall:
        """The packed ``EVALSHA`` of this script with ``args``, for one key given per call."""
        return OneKeyCall(self, args)


def _bulks(items: Sequence[Any]) -> bytes:
    """``items`` as RESP bulk strings, as hiredis packs them, without the array's header."""
    packed = pack(*items)
    return packed[packed.index(b"\r\n") + 2 :]


class OneKeyCall:
    """``EVALSHA`` of one script on one key with fixed arguments, packed once: a call joins
    the key's bulk string between the two packed halves (the module says why)."""

    __slots__ = ("_head", "_tail", "script")

    def __init__(self, script: Script, args: Sequence[Any]) -> None:
        self.script = script
        self._head = b"*%d\r\n" % (4 + len(args)) + _bulks(("EVALSHA", script.sha, 1))
        self._tail = _bulks(args) if args else b""

    def command(self, key: str) -> bytes:
        name = key.encode()
        size = len(name)
        length = _LENGTHS[size] if size < 512 else b"$%d\r\n" % size
        return b"".join((self._head, length, name, b"\r\n", self._tail))


_LENGTHS = [b"$%d\r\n" % size for size in range(512)]
"""A bulk string's header by its length, formatted once (``%d`` was ~5 % of a call)."""
