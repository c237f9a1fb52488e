"""An OpenAI chat completion stream, re-spoken as Anthropic Messages events.

OpenAI sends deltas with no block structure, so this opens a ``text`` block at the first
content, a ``tool_use`` block when a tool call with a new index appears (closing whatever was
open), and feeds ``arguments`` as ``input_json_delta``. The finish reason arrives before the
usage chunk, so ``message_delta`` (stop reason, cumulative usage) and ``message_stop`` are
sent when the provider's stream ends (``[DONE]`` or end of body). An ``error`` in the stream
becomes Anthropic's ``error`` event, which the SDK raises.
"""

from __future__ import annotations

from typing import Any

import orjson

from proxy.apis import anthropic_type
from proxy.translate.base import Call
from proxy.translate.shapes import STOP_REASONS, anthropic_usage, message_id
from proxy.translate.sse import SseReader, load, named_event


class MessagesFromChatStream:
    __slots__ = (
        "_block",
        "_call",
        "_done",
        "_index",
        "_reader",
        "_started",
        "_stop",
        "_tools",
        "_usage",
    )

    def __init__(self, call: Call) -> None:
        self._call = call
        self._reader = SseReader()
        self._started = False
        self._done = False
        self._index = -1  # the open Anthropic content block, -1 when none
        self._block: str | None = None  # "text" or "tool:<openai index>"
        self._tools: set[int] = set()
        self._stop = "end_turn"
        self._usage: dict[str, Any] = {}

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(data) for _, data in self._reader.feed(chunk))

    def end(self) -> bytes:
        out = b"".join(self._event(data) for _, data in self._reader.end())
        return out + self._finish()

    def _event(self, data: bytes) -> bytes:
        if self._done:
            return b""
        if data.strip() == b"[DONE]":
            return self._finish()
        event = load(data)
        if event is None:
            return b""
        if "error" in event:
            return self._error(event["error"])
        out = self._start(event)
        if isinstance(event.get("usage"), dict):
            self._usage = event["usage"]
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out += self._text(delta["content"])
            for call in delta.get("tool_calls") or []:
                out += self._tool(call)
            if choice.get("finish_reason"):
                self._stop = STOP_REASONS.get(choice["finish_reason"], "end_turn")
        return out

    def _start(self, event: dict[str, Any]) -> bytes:
        if self._started:
            return b""
        self._started = True
        message: dict[str, Any] = {
            "id": message_id(event.get("id")),
            "type": "message",
            "role": "assistant",
            "model": event.get("model") or self._call.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return named_event("message_start", {"type": "message_start", "message": message})

    def _open(self, block: str, content_block: dict[str, Any]) -> bytes:
        out = self._close()
        self._index += 1
        self._block = block
        start = {
            "type": "content_block_start",
            "index": self._index,
            "content_block": content_block,
        }
        return out + named_event("content_block_start", start)

    def _close(self) -> bytes:
        if self._block is None:
            return b""
        self._block = None
        return named_event(
            "content_block_stop", {"type": "content_block_stop", "index": self._index}
        )

    def _text(self, text: str) -> bytes:
        out = b"" if self._block == "text" else self._open("text", {"type": "text", "text": ""})
        # Most of a stream: encoded around the text, not as a dict (about half the cost).
        return (
            out
            + b'event: content_block_delta\ndata: {"type":"content_block_delta","index":'
            + str(self._index).encode()
            + b',"delta":{"type":"text_delta","text":'
            + orjson.dumps(text)
            + b"}}\n\n"
        )

    def _tool(self, call: dict[str, Any]) -> bytes:
        index = call.get("index", 0)
        function = call.get("function") or {}
        out = b""
        if index not in self._tools:
            self._tools.add(index)
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": call.get("id"),
                "name": function.get("name"),
                "input": {},
            }
            out = self._open(f"tool:{index}", block)
        arguments = function.get("arguments")
        if arguments and self._block == f"tool:{index}":
            delta = {
                "type": "content_block_delta",
                "index": self._index,
                "delta": {"type": "input_json_delta", "partial_json": arguments},
            }
            out += named_event("content_block_delta", delta)
        return out

    def _finish(self) -> bytes:
        if self._done:
            return b""
        out = self._start({}) + self._close()
        self._done = True
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": self._stop, "stop_sequence": None},
            "usage": anthropic_usage(self._usage),
        }
        return (
            out
            + named_event("message_delta", delta)
            + named_event("message_stop", {"type": "message_stop"})
        )

    def _error(self, error: object) -> bytes:
        self._done = True
        inner = error if isinstance(error, dict) else {}
        message = inner.get("message") or "the provider failed mid-stream"
        body = {"type": "error", "error": {"type": anthropic_type(500), "message": message}}
        return named_event("error", body)
