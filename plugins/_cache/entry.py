"""A stored response: status, headers (without per-connection or per-request ones) and body.

Encoded as one line of JSON metadata, a newline, then the body bytes as they went to the
client — so a hit is byte-identical to the response it copies. An SSE body is replayed event
by event, as a stream, which is what a streaming client waits for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import orjson

from proxy.forward import HOP_BY_HOP

# Never stored: per-connection, per-request, recomputed, or belonging to one caller.
_NOT_STORED = HOP_BY_HOP | {
    "x-request-id",
    "content-length",
    "date",
    "age",
    "x-cache",
    "set-cookie",
    "traceparent",
    "tracestate",
}


@dataclass(frozen=True, slots=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored_at: float

    @property
    def streaming(self) -> bool:
        return any(
            k == "content-type" and v.startswith("text/event-stream") for k, v in self.headers
        )

    def encode(self) -> bytes:
        meta = {"s": self.status, "h": self.headers, "t": self.stored_at}
        return orjson.dumps(meta) + b"\n" + self.body

    @classmethod
    def decode(cls, data: bytes) -> Entry | None:
        """The entry, or None for bytes that are not one (a foreign or truncated value)."""
        meta_raw, sep, body = data.partition(b"\n")
        if not sep:
            return None
        try:
            meta = orjson.loads(meta_raw)
            headers = tuple((str(k), str(v)) for k, v in meta["h"])
            return cls(int(meta["s"]), headers, body, float(meta["t"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None


def storable_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """The response headers worth keeping, in order, lower-cased names."""
    kept = []
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name not in _NOT_STORED:
            kept.append((name, value.decode("latin-1")))
    return tuple(kept)


def sse_events(body: bytes) -> list[bytes]:
    """Split an SSE body into its events (each keeps its blank-line terminator)."""
    events = []
    start = 0
    while True:
        end = body.find(b"\n\n", start)
        if end < 0:
            break
        events.append(body[start : end + 2])
        start = end + 2
    if start < len(body):
        events.append(body[start:])
    return events


async def replay(events: list[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        yield event
