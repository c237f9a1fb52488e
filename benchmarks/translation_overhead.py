"""The CPU that translation adds per request, beside the plain path, in one run.

Four in-process drives of the real ``Gateway`` (no sockets, an upstream that answers at
once, as ``core_overhead`` does), each a chat or Messages request, JSON and streamed:

- chat -> an ``openai`` provider (the plain path) and chat -> an ``anthropic`` provider;
- Messages -> an ``anthropic`` provider (plain) and Messages -> an ``openai`` provider.

The translated drives do everything the plain ones do plus the request's translation, the
answer's (or each stream event's) and reading it whole; the difference is what translation
costs. Every figure is measured in the same process and run, so the ratios hold on a busy
machine even when the absolute numbers do not.

    python -m benchmarks.translation_overhead [-n 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks.payloads import CHAT_REQUEST, CHAT_RESPONSE, MODEL, sse_chunk
from proxy.app import Gateway
from proxy.config.loader import load_config
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime
from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamRequest

MESSAGES_REQUEST: dict[str, object] = {
    "model": MODEL,
    "max_tokens": 256,
    "system": "You are a helpful assistant.",
    "messages": [{"role": "user", "content": "Say hello to the benchmark in one short sentence."}],
    "temperature": 0,
}
MESSAGE_RESPONSE: dict[str, object] = {
    "id": "msg_bench0001",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [{"type": "text", "text": "Hello, benchmark! Nice to meet you."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 24, "output_tokens": 9},
}
_WORDS = 16


def _anthropic_stream() -> list[bytes]:
    def event(name: str, payload: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: ".encode() + orjson.dumps(payload) + b"\n\n"

    start = {**MESSAGE_RESPONSE, "content": [], "stop_reason": None}
    parts = [
        event("message_start", {"type": "message_start", "message": start})
        + event("content_block_start", {"type": "content_block_start", "index": 0,
                                        "content_block": {"type": "text", "text": ""}})
    ]  # fmt: skip
    parts += [
        event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": f"tok{i} "}})
        for i in range(_WORDS)
    ]  # fmt: skip
    parts.append(
        event("content_block_stop", {"type": "content_block_stop", "index": 0})
        + event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                  "usage": {"output_tokens": _WORDS}})
        + event("message_stop", {"type": "message_stop"})
    )  # fmt: skip
    return parts


def _openai_stream() -> list[bytes]:
    usage = {"id": "c", "object": "chat.completion.chunk", "model": MODEL, "choices": [],
             "usage": {"prompt_tokens": 24, "completion_tokens": _WORDS}}  # fmt: skip
    return [sse_chunk(i) for i in range(_WORDS)] + [
        b"data: " + orjson.dumps(usage) + b"\n\ndata: [DONE]\n\n"
    ]


_JSON: RawHeaders = [(b"content-type", b"application/json")]
_SSE: RawHeaders = [(b"content-type", b"text/event-stream")]
ANSWERS = {
    ("openai", False): (_JSON, [orjson.dumps(CHAT_RESPONSE)]),
    ("openai", True): (_SSE, _openai_stream()),
    ("anthropic", False): (_JSON, [orjson.dumps(MESSAGE_RESPONSE)]),
    ("anthropic", True): (_SSE, _anthropic_stream()),
}


class _Answer(BasicResponse):
    __slots__ = ("_parts", "headers", "status")

    def __init__(self, headers: RawHeaders, parts: list[bytes]) -> None:
        self.status = 200
        self.headers = headers
        self._parts = parts

    async def chunks(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            yield part

    async def aclose(self) -> None:
        return None


class DialectUpstream:
    """Answers at once in its provider's dialect, JSON or SSE as the request asked."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    async def send(self, request: UpstreamRequest) -> _Answer:
        assert isinstance(request.body, bytes)
        stream = b'"stream":true' in request.body
        return _Answer(*ANSWERS[(self.dialect, stream)])

    async def close(self) -> None:
        return None


def _config(directory: Path, kind: str) -> Path:
    (directory / "policies").mkdir(exist_ok=True)
    (directory / "policies" / "core.toml").write_text('[[plugins]]\nuse = "request_id"\n')
    path = directory / f"{kind}.toml"
    path.write_text(f"""
[providers.p]
type = "{kind}"
base_url = "http://127.0.0.1:9/v1"
api_key = "bench"

[upstreams.u]
targets = [{{ provider = "p" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "core"
upstream = "u"
""")
    return path


def _scope(path: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def _run(gateway: Gateway, path: str, body: bytes, count: int) -> float:
    pending: list[dict[str, Any]] = []
    never = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        return None

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await never.wait()
        return {"type": "http.disconnect"}

    started = time.perf_counter()
    for _ in range(count):
        pending.append({"type": "http.request", "body": body, "more_body": False})
        await gateway(_scope(path, body), receive, send)
    return (time.perf_counter() - started) / count * 1e6


CASES = (
    ("chat -> openai (plain)", "openai", "/v1/chat/completions", CHAT_REQUEST),
    ("chat -> anthropic", "anthropic", "/v1/chat/completions", CHAT_REQUEST),
    ("messages -> anthropic (plain)", "anthropic", "/v1/messages", MESSAGES_REQUEST),
    ("messages -> openai", "openai", "/v1/messages", MESSAGES_REQUEST),
)


async def measure(count: int, rounds: int) -> dict[str, float]:
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        runtimes = {}
        for kind in ("openai", "anthropic"):
            runtime = Runtime.build(
                load_config(_config(Path(folder), kind)), Metrics(), access_stream=io.BytesIO()
            )
            for provider in runtime.providers.values():
                provider.client = DialectUpstream(kind)
            runtime.start()
            runtimes[kind] = runtime
        drives = []
        for stream in (False, True):
            for name, kind, path, request in CASES:
                body = orjson.dumps({**request, "stream": stream})
                gateway = Gateway(runtimes[kind], 1.0)
                await _run(gateway, path, body, 300)  # warm up
                drives.append((f"{name}{' stream' if stream else ''}", gateway, path, body))
        # Interleaved rounds: a slow moment of the shared machine hits every case alike.
        for _ in range(rounds):
            for label, gateway, path, body in drives:
                took = await _run(gateway, path, body, count)
                best[label] = min(best.get(label, took), took)
        for runtime in runtimes.values():
            await runtime.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best = asyncio.run(measure(args.count, args.rounds))
    for stream in ("", " stream"):
        for plain, translated in (
            ("chat -> openai (plain)", "chat -> anthropic"),
            ("messages -> anthropic (plain)", "messages -> openai"),
        ):
            base, other = best[plain + stream], best[translated + stream]
            print(
                f"{translated + stream:28} {other:7.1f} µs/request  vs {plain + stream:34} "
                f"{base:7.1f}  (+{other - base:.1f} µs, x{other / base:.2f})"
            )
    print(f"best of {args.rounds} rounds x {args.count} requests each")


if __name__ == "__main__":
    main()
