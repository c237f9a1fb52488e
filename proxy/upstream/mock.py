"""The built-in mock provider: deterministic OpenAI-compatible answers, in-process.

It is an UpstreamClient of its own, so everything above the seam — retries, breakers,
balancers — runs the same code for it as for a real provider. It answers chat completions
(JSON and SSE, with a usage block), the Responses API (JSON and SSE), legacy completions,
embeddings and the model list, and has knobs for demos and tests: ``latency``,
``fail_rate``, ``status``, ``stream_delay``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import struct
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import orjson

from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamRequest

JSON_HEADERS: RawHeaders = [(b"content-type", b"application/json")]
SSE_HEADERS: RawHeaders = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
EMBEDDING_DIMENSIONS = 16


class MockResponse(BasicResponse):
    __slots__ = ("_parts", "_stream_delay", "headers", "status")

    def __init__(
        self, status: int, headers: RawHeaders, parts: list[bytes], stream_delay: float = 0.0
    ) -> None:
        self.status = status
        self.headers = headers
        self._parts = parts
        self._stream_delay = stream_delay

    async def chunks(self) -> AsyncIterator[bytes]:
        for index, part in enumerate(self._parts):
            if index and self._stream_delay:
                await asyncio.sleep(self._stream_delay)
            yield part

    async def aclose(self) -> None:
        return None


class MockClient:
    """Answers like an OpenAI-compatible API, deterministically, without a socket."""

    def __init__(
        self,
        models: list[str] | None = None,
        latency: float = 0.0,
        fail_rate: float = 0.0,
        status: int = 200,
        stream_delay: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.models = models or ["mock-chat", "mock-embed"]
        self.latency = latency
        self.fail_rate = fail_rate
        self.status = status
        self.stream_delay = stream_delay
        self.requests = 0
        self._random = random.Random(seed)

    async def send(self, request: UpstreamRequest) -> MockResponse:
        self.requests += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        failure = self._failure()
        if failure is not None:
            return failure
        path = urlsplit(request.url).path
        body = await _read_body(request.body)
        try:
            payload: Any = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            return _error(400, "invalid_request_error", "mock: the body is not JSON")
        if path.endswith("/chat/completions") and request.method == "POST":
            return self._chat(payload)
        if path.endswith("/responses") and request.method == "POST":
            return self._responses(payload)
        if path.endswith("/completions") and request.method == "POST":
            return self._completion(payload)
        if path.endswith("/embeddings") and request.method == "POST":
            return _embeddings(payload)
        if path.endswith("/models") and request.method == "GET":
            return _json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "sluicegate-mock"}
                        for m in self.models
                    ],
                },
            )
        return _error(404, "not_found_error", f"mock: no route for {request.method} {path}")

    def _failure(self) -> MockResponse | None:
        if self.fail_rate and self._random.random() < self.fail_rate:
            status = self.status if self.status >= 400 else 500
            return _error(status, "server_error", "mock: injected failure")
        if self.status >= 400 and not self.fail_rate:
            return _error(self.status, "server_error", "mock: configured status")
        return None

    def _chat(self, payload: dict[str, Any]) -> MockResponse:
        messages = payload.get("messages") or []
        prompt = " ".join(_text_of(m.get("content")) for m in messages if isinstance(m, dict))
        reply = _reply_for(prompt)
        model = str(payload.get("model", "mock-chat"))
        usage = _usage(prompt, reply)
        ident = "chatcmpl-mock-" + hashlib.sha256(prompt.encode()).hexdigest()[:16]
        if payload.get("stream"):
            include_usage = bool((payload.get("stream_options") or {}).get("include_usage"))
            return self._stream(ident, model, reply, usage if include_usage else None)
        return _json(
            200,
            {
                "id": ident,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage,
            },
        )

    def _responses(self, payload: dict[str, Any]) -> MockResponse:
        """The Responses API: a completed response object, or its SSE events in the published
        order (created, output text deltas, completed — the last one carries the usage)."""
        source = payload.get("input")
        items = source if isinstance(source, list) else [{"content": source}]
        prompt = " ".join(_text_of(i.get("content")) for i in items if isinstance(i, dict))
        reply = _reply_for(prompt)
        usage = _usage(prompt, reply)
        ident = "resp_mock_" + hashlib.sha256(prompt.encode()).hexdigest()[:16]
        message = {
            "type": "message",
            "id": "msg_" + ident,
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": reply, "annotations": []}],
        }
        done: dict[str, Any] = {
            "id": ident,
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": str(payload.get("model", "mock-chat")),
            "output": [message],
            "usage": {
                "input_tokens": usage["prompt_tokens"],
                "output_tokens": usage["completion_tokens"],
                "total_tokens": usage["total_tokens"],
            },
        }
        if not payload.get("stream"):
            return _json(200, done)
        started = {**done, "status": "in_progress", "output": [], "usage": None}
        events: list[dict[str, Any]] = [{"type": "response.created", "response": started}]
        words = reply.split(" ")
        events += [
            {
                "type": "response.output_text.delta",
                "item_id": message["id"],
                "output_index": 0,
                "content_index": 0,
                "delta": w if i == 0 else " " + w,
            }
            for i, w in enumerate(words)
        ]
        events.append({"type": "response.completed", "response": done})
        parts = [
            f"event: {e['type']}\n".encode()
            + b"data: "
            + orjson.dumps({**e, "sequence_number": n})
            + b"\n\n"
            for n, e in enumerate(events)
        ]
        return MockResponse(200, list(SSE_HEADERS), parts, self.stream_delay)

    def _completion(self, payload: dict[str, Any]) -> MockResponse:
        prompt = _text_of(payload.get("prompt"))
        reply = _reply_for(prompt)
        return _json(
            200,
            {
                "id": "cmpl-mock",
                "object": "text_completion",
                "created": int(time.time()),
                "model": str(payload.get("model", "mock-chat")),
                "choices": [{"index": 0, "text": reply, "finish_reason": "stop", "logprobs": None}],
                "usage": _usage(prompt, reply),
            },
        )

    def _stream(
        self, ident: str, model: str, reply: str, usage: dict[str, int] | None
    ) -> MockResponse:
        created = int(time.time())

        def event(delta: dict[str, Any], finish: str | None, extra: Any = None) -> bytes:
            chunk: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if extra is not None:
                chunk["choices"] = []
                chunk["usage"] = extra
            return b"data: " + orjson.dumps(chunk) + b"\n\n"

        parts = [event({"role": "assistant", "content": ""}, None)]
        words = reply.split(" ")
        parts += [event({"content": w if i == 0 else " " + w}, None) for i, w in enumerate(words)]
        parts.append(event({}, "stop"))
        if usage is not None:
            parts.append(event({}, None, usage))
        parts.append(b"data: [DONE]\n\n")
        return MockResponse(200, list(SSE_HEADERS), parts, self.stream_delay)

    async def close(self) -> None:
        return None


def _embeddings(payload: dict[str, Any]) -> MockResponse:
    inputs = payload.get("input", "")
    texts = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs]
    as_base64 = payload.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = _vector(text)
        embedding: Any = (
            base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            if as_base64
            else vector
        )
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(_tokens(t) for t in texts)
    return _json(
        200,
        {
            "object": "list",
            "data": data,
            "model": str(payload.get("model", "")),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        },
    )


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round((b - 128) / 128.0, 6) for b in digest[:EMBEDDING_DIMENSIONS]]


def _reply_for(prompt: str) -> str:
    words = prompt.split()
    echo = " ".join(words[-12:]) if words else "nothing"
    return f"This is a mock reply from sluicegate. You said: {echo}"


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text_of(p.get("text") if isinstance(p, dict) else p) for p in content)
    return "" if content is None else str(content)


def _tokens(text: str) -> int:
    """A rough, deterministic token count: about four characters a token."""
    return max(1, (len(text) + 3) // 4)


def _usage(prompt: str, reply: str) -> dict[str, int]:
    prompt_tokens, completion_tokens = _tokens(prompt), _tokens(reply)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _json(status: int, payload: Any) -> MockResponse:
    return MockResponse(status, list(JSON_HEADERS), [orjson.dumps(payload)])


def _error(status: int, type: str, message: str) -> MockResponse:
    return _json(status, {"error": {"message": message, "type": type, "code": status}})


async def _read_body(body: bytes | AsyncIterator[bytes] | None) -> bytes:
    if body is None or isinstance(body, bytes):
        return body or b""
    return b"".join([chunk async for chunk in body])
