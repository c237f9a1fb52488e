"""An Anthropic Messages stream, re-spoken as OpenAI ``chat.completion.chunk`` events.

Anthropic's order is ``message_start``, then per content block ``content_block_start`` /
``content_block_delta``... / ``content_block_stop``, then ``message_delta`` (stop reason and
cumulative usage) and ``message_stop``; ``ping`` may come anywhere and ``error`` ends it.
Text deltas become ``delta.content``; a ``tool_use`` block becomes a ``tool_calls`` entry
whose ``arguments`` grow with each ``input_json_delta``; the usage chunk (``choices: []``)
follows the finish chunk when the request asked for it, then ``data: [DONE]``.
"""

from __future__ import annotations

import time
from typing import Any

from proxy.translate.base import Call
from proxy.translate.shapes import FINISH_REASONS, openai_usage
from proxy.translate.sse import SseReader, data_event, load

_NO_FINISH = b',"finish_reason":null,"logprobs":null}]}\n\n'


class ChatFromAnthropicStream:
    __slots__ = (
        "_call",
        "_created",
        "_done",
        "_id",
        "_model",
        "_prefix",
        "_reader",
        "_tools",
        "_usage",
    )

    def __init__(self, call: Call) -> None:
        self._call = call
        self._reader = SseReader()
        self._id = "chatcmpl"
        self._model = call.model
        self._created = int(time.time())
        self._usage: dict[str, Any] = {}
        self._tools: dict[int, int] = {}  # Anthropic block index -> OpenAI tool_calls index
        self._done = False
        self._prefix = b""  # every chunk's bytes up to its delta, encoded once per stream

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(name, data) for name, data in self._reader.feed(chunk))

    def end(self) -> bytes:
        out = b"".join(self._event(name, data) for name, data in self._reader.end())
        if not self._done:  # the provider ended without message_stop: close the stream anyway
            out += self._finish()
        return out

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return data_event(
            {
                "id": self._id,
                "object": "chat.completion.chunk",
                "created": self._created,
                "model": self._model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                ],
            }
        )

    def _event(self, name: str, data: bytes) -> bytes:
        if self._done:
            return b""
        event = load(data)
        kind = (event or {}).get("type", name)
        if event is None or kind == "ping":
            return b""
        if kind == "message_start":
            message = event.get("message") or {}
            self._id = str(message.get("id") or self._id)
            self._model = message.get("model") or self._model
            self._merge(message.get("usage"))
            return self._chunk({"role": "assistant", "content": ""})
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "content_block_delta":
            return self._block_delta(event)
        if kind == "message_delta":
            self._merge(event.get("usage"))
            reason = (event.get("delta") or {}).get("stop_reason")
            return self._chunk({}, FINISH_REASONS.get(str(reason), "stop"))
        if kind == "message_stop":
            return self._finish()
        if kind == "error":
            self._done = True
            inner = event.get("error") or {}
            error = {
                "type": inner.get("type") or "provider_error",
                "message": inner.get("message") or "the provider failed mid-stream",
                "code": 500,
            }
            return data_event({"error": error}) + b"data: [DONE]\n\n"
        return b""

    def _block_start(self, event: dict[str, Any]) -> bytes:
        block = event.get("content_block") or {}
        if block.get("type") == "tool_use":
            index = len(self._tools)
            self._tools[int(event.get("index") or 0)] = index
            call = {
                "index": index,
                "id": block.get("id"),
                "type": "function",
                "function": {"name": block.get("name"), "arguments": ""},
            }
            return self._chunk({"tool_calls": [call]})
        if block.get("type") == "text" and block.get("text"):
            return self._chunk({"content": block["text"]})
        return b""

    def _block_delta(self, event: dict[str, Any]) -> bytes:
        delta = event.get("delta") or {}
        if delta.get("type") == "text_delta":
            return self._chunk({"content": delta.get("text", "")})
        if delta.get("type") == "input_json_delta":
            index = self._tools.get(int(event.get("index") or 0))
            if index is None:
                return b""
            call = {"index": index, "function": {"arguments": delta.get("partial_json", "")}}
            return self._chunk({"tool_calls": [call]})
        return b""  # thinking and signature deltas have no chat counterpart

    def _merge(self, usage: object) -> None:
        if isinstance(usage, dict):  # cumulative counts: the latest wins, absent ones stay
            self._usage.update({k: v for k, v in usage.items() if v is not None})

    def _finish(self) -> bytes:
        self._done = True
        out = b""
        if self._call.include_usage:
            out = data_event(
                {
                    "id": self._id,
                    "object": "chat.completion.chunk",
                    "created": self._created,
                    "model": self._model,
                    "choices": [],
                    "usage": openai_usage(self._usage),
                }
            )
        return out + b"data: [DONE]\n\n"
