"""The upstream half of the test kit: fake providers behind the ``UpstreamClient`` seam.

``FakeUpstream`` records what it was sent and answers with a fixed ``FakeReply`` or a
handler; ``ScriptedClient`` follows a script of answers, failures and timeouts. Both run
the real upstream group, retries and breakers above them. Import them from
``proxy.testing``, the one place tests import the kit from.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from proxy.upstream.client import (
    BasicResponse,
    RawHeaders,
    UpstreamConnectError,
    UpstreamRequest,
    UpstreamTimeout,
)
from proxy.upstream.mock import MockClient

Handler = Callable[[UpstreamRequest, bytes], "Awaitable[FakeReply] | FakeReply"]


@dataclass
class FakeReply:
    status: int = 200
    headers: RawHeaders = field(default_factory=lambda: [(b"content-type", b"application/json")])
    chunks: Sequence[bytes] = (b'{"ok": true}',)
    interval: float = 0.0  # seconds between chunks, for streams that trickle like a model's

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> FakeReply:
        return cls(status, [(b"content-type", b"application/json")], [orjson.dumps(payload)])

    @classmethod
    def sse(cls, events: Sequence[Any], done: bool = True) -> FakeReply:
        chunks = [b"data: " + orjson.dumps(e) + b"\n\n" for e in events]
        if done:
            chunks.append(b"data: [DONE]\n\n")
        return cls(200, [(b"content-type", b"text/event-stream")], chunks)


@dataclass
class RecordedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class _FakeResponse(BasicResponse):
    def __init__(self, reply: FakeReply) -> None:
        self.status = reply.status
        self.headers = list(reply.headers)
        self._chunks = list(reply.chunks)
        self._interval = reply.interval
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        for index, chunk in enumerate(self._chunks):
            if index and self._interval:
                await asyncio.sleep(self._interval)
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


class FakeUpstream:
    """An UpstreamClient that records requests and answers with a fixed reply or a handler."""

    def __init__(self, reply: FakeReply | Handler | None = None) -> None:
        self.reply = reply or FakeReply.json(_CHAT_REPLY)
        self.requests: list[RecordedRequest] = []

    async def send(self, request: UpstreamRequest) -> _FakeResponse:
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = b"".join([chunk async for chunk in body])
        self.requests.append(
            RecordedRequest(request.method, request.url, dict(request.headers), body or b"")
        )
        if isinstance(self.reply, FakeReply):
            return _FakeResponse(self.reply)
        produced = self.reply(request, body or b"")
        reply = await produced if inspect.isawaitable(produced) else produced
        return _FakeResponse(reply)

    async def close(self) -> None:
        return None


_CHAT_REPLY = {
    "id": "chatcmpl-test",
    "object": "chat.completion",
    "created": 0,
    "model": "test-model",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}


class ScriptedClient:
    """A provider that follows a script, one reply per request (the last one repeats):

    - ``"answer"``: what the built-in mock provider answers (chat, embeddings, streams);
    - ``"fail"``: the connection fails (``UpstreamConnectError``);
    - ``"slow"``: no first byte within the timeout (``UpstreamTimeout``), at once: a test
      never waits for a real timeout;
    - ``"429"``, ``"500"``, any status: that status with an error body (a 429 says
      ``retry-after: 1``);
    - a ``FakeReply``: exactly that.

    ``sent`` lists, per request, the model it asked for and the reply it got.
    """

    def __init__(self, script: Sequence[str | FakeReply] = ("answer",)) -> None:
        self.script = list(script) or ["answer"]
        self.sent: list[tuple[str | None, str]] = []
        self._mock = MockClient()

    async def send(self, request: UpstreamRequest) -> Any:
        step = self.script[min(len(self.sent), len(self.script) - 1)]
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = b"".join([chunk async for chunk in body])
        model = _model_of(body or b"")
        self.sent.append((model, step if isinstance(step, str) else f"status {step.status}"))
        if isinstance(step, FakeReply):
            return _FakeResponse(step)
        if step == "answer":
            forwarded = UpstreamRequest(
                request.method, request.url, request.headers, body, request.connect_timeout
            )
            return await self._mock.send(forwarded)
        if step == "fail":
            raise UpstreamConnectError("scripted: the provider cannot be reached")
        if step == "slow":
            raise UpstreamTimeout("scripted: no first byte in time", "first_byte")
        status = int(step)
        headers: RawHeaders = [(b"content-type", b"application/json")]
        if status == 429:
            headers.append((b"retry-after", b"1"))
        error = {"error": {"type": "scripted", "message": f"scripted {status}"}}
        return _FakeResponse(FakeReply(status, headers, [orjson.dumps(error)]))

    async def close(self) -> None:
        return None


def _model_of(body: bytes) -> str | None:
    try:
        payload = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    model = payload.get("model") if isinstance(payload, dict) else None
    return model if isinstance(model, str) else None
