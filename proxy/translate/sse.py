"""Server-sent events in and out, for the stream translators.

Chunks from a provider split events anywhere, so the reader keeps the bytes after the last
blank line until the rest arrives; ``\\r\\n`` line ends are normalised first (the SSE spec
allows CR, LF and CRLF).
"""

from __future__ import annotations

from typing import Any

import orjson

_CAP = 1024 * 1024  # one event larger than this is not an event, it is a broken stream


class SseReader:
    """Feeds bytes, yields whole ``(event name, data)`` pairs; ``data`` is the joined data lines."""

    __slots__ = ("_carry",)

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        data = self._carry + chunk
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        complete, sep, rest = data.rpartition(b"\n\n")
        if not sep:
            self._carry = data[-_CAP:]
            return []
        self._carry = rest
        return [parsed for block in complete.split(b"\n\n") if (parsed := _parse(block))]

    def end(self) -> list[tuple[str, bytes]]:
        carry, self._carry = self._carry, b""
        parsed = _parse(carry.strip(b"\n"))
        return [parsed] if parsed else []


def _parse(block: bytes) -> tuple[str, bytes] | None:
    event = ""
    data: list[bytes] = []
    for line in block.split(b"\n"):
        if line.startswith(b"event:"):
            event = line[6:].strip().decode("utf-8", "replace")
        elif line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(b" ") else value)
    if not event and not data:
        return None
    return event, b"\n".join(data)


def load(data: bytes) -> dict[str, Any] | None:
    """An event's JSON object, None when it is not one."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def data_event(payload: object) -> bytes:
    """An unnamed event (OpenAI's chunk format)."""
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def named_event(name: str, payload: object) -> bytes:
    """A named event (Anthropic's format: the name repeats the payload's ``type``)."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"
