"""JSON bytes that are kept: request bodies held for as long as their stream lives.

``orjson.dumps`` returns its result in the 4 KiB buffer it wrote into, however short the
JSON: a 203-byte chat request kept 4,096 bytes of heap (1,000 of them: 4.1 MB under
tracemalloc, 50 KB once copied). A body re-serialised by the gateway (usage injection, a
model mapped for a target, a translated request) lives in the Exchange and the provider
request until the stream ends, so at 8,000 streams that was 32 MB of the 512 MB budget
(issue 15). A short result is copied into an exact-size bytes object (~100 ns); a long one
filled its buffer anyway.
"""

from __future__ import annotations

from typing import Any

import orjson

_SLACK = 4096  # orjson's initial buffer: shorter results waste the rest of it


def dumps_kept(value: Any) -> bytes:
    """``orjson.dumps(value)`` without the unused buffer, for bytes that are held."""
    out = orjson.dumps(value)
    return memoryview(out).tobytes() if len(out) < _SLACK else out
