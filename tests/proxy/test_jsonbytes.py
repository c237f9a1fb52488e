"""dumps_kept: the same JSON as orjson.dumps, without holding orjson's 4 KiB buffer."""

from __future__ import annotations

import tracemalloc

import orjson

from proxy.jsonbytes import dumps_kept


def test_kept_json_is_orjsons_bytes_without_the_unused_buffer() -> None:
    chat = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    assert dumps_kept(chat) == orjson.dumps(chat)
    large = {"content": "x" * 10_000}
    assert dumps_kept(large) == orjson.dumps(large)
    tracemalloc.start()
    try:
        kept = [dumps_kept({"n": index}) for index in range(200)]
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == 200
    assert held < 200 * 512  # orjson's own results held 4 KiB each
