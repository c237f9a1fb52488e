"""Fixed request and response bodies shared by the upstreams, the load generators and the
gateway configs, so every system under test moves exactly the same bytes."""

from __future__ import annotations

import orjson

MODEL = "bench-model"

CHAT_REQUEST: dict[str, object] = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello to the benchmark in one short sentence."},
    ],
    "temperature": 0,
}

STREAM_REQUEST: dict[str, object] = {**CHAT_REQUEST, "stream": True}

CHAT_RESPONSE: dict[str, object] = {
    "id": "chatcmpl-bench0001",
    "object": "chat.completion",
    "created": 1700000000,
    "model": MODEL,
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello, benchmark! Nice to meet you."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 24, "completion_tokens": 9, "total_tokens": 33},
}

MODELS_RESPONSE: dict[str, object] = {
    "object": "list",
    "data": [{"id": MODEL, "object": "model", "created": 1700000000, "owned_by": "bench"}],
}


def chat_request_bytes(stream: bool = False) -> bytes:
    return orjson.dumps(STREAM_REQUEST if stream else CHAT_REQUEST)


def sse_chunk(index: int) -> bytes:
    """One `data:` event of a streamed chat completion (the token is the chunk number)."""
    event = {
        "id": "chatcmpl-bench0001",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": f"tok{index} "}, "finish_reason": None}],
    }
    return b"data: " + orjson.dumps(event) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"
