"""The gateway's own CPU per request, without sockets: a stable number to optimise against.

The socket benchmarks (``run.sh``) swing by ±10% on a shared VM, more than most single
changes to the core move them. This drives the real ``Gateway`` ASGI app in process with a
fixed client request and an in-process upstream that answers what the nginx upstream
answers (same headers, same body), and reports microseconds per request: everything the
gateway adds on top of the server (Hypercorn) and the upstream client (aiohttp).

    python -m benchmarks.core_overhead [-c benchmarks/configs/core.toml] [-n 20000] [--body chat_4k]

It prints the best of ``--rounds`` runs (the least disturbed one) and their median.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks.payloads import BODIES, CHAT_RESPONSE
from proxy.app import Gateway
from proxy.config.loader import load_config
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime
from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamRequest

ROOT = Path(__file__).resolve().parent.parent
_BODY = orjson.dumps(CHAT_RESPONSE)
_HEADERS: RawHeaders = [
    (b"Server", b"nginx/1.22.1"),
    (b"Date", b"Thu, 26 Nov 2026 04:00:00 GMT"),
    (b"Content-Type", b"application/json"),
    (b"Content-Length", str(len(_BODY)).encode()),
    (b"Connection", b"keep-alive"),
]


class _FixedResponse(BasicResponse):
    __slots__ = ("_done", "headers", "status")

    def __init__(self) -> None:
        self.status = 200
        self.headers = _HEADERS
        self._done = False

    def chunks(self) -> AsyncIterator[bytes]:
        return self

    def __aiter__(self) -> _FixedResponse:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        self._done = True
        return _BODY

    def body_done(self) -> bool:
        return self._done

    async def aclose(self) -> None:
        return None


class FixedUpstream:
    """An UpstreamClient that answers at once: only the gateway's own work is timed.

    Not ``proxy.testing.FakeUpstream``: that one records every request (its cost would be
    timed, and 100,000 records kept), and its response has no ``body_done``, so the
    gateway's path for a provider body that ends with its last chunk would not be measured.
    """

    async def send(self, request: UpstreamRequest) -> _FixedResponse:
        return _FixedResponse()

    async def close(self) -> None:
        return None


def _scope(body: bytes, extra: Sequence[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def _run(
    gateway: Gateway, body: bytes, count: int, headers: Sequence[tuple[bytes, bytes]] = ()
) -> float:
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(1)

    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await never.wait()  # a client that stays connected
        return {"type": "http.disconnect"}

    started = time.perf_counter()
    for _ in range(count):
        messages.append({"type": "http.request", "body": body, "more_body": False})
        await gateway(_scope(body, headers), receive, send)
        messages.clear()
    return (time.perf_counter() - started) / count * 1e6


async def measure(config: Path, count: int, rounds: int, body: bytes) -> list[float]:
    loaded = load_config(config)
    runtime = Runtime.build(loaded, Metrics(), access_stream=io.BytesIO())
    for provider in runtime.providers.values():
        provider.client = FixedUpstream()
    gateway = Gateway(runtime, 1.0)
    runtime.start()
    await _run(gateway, body, 500)  # warm caches and lazily built children
    results = [await _run(gateway, body, count) for _ in range(rounds)]
    await runtime.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", type=Path, default=ROOT / "benchmarks/configs/core.toml")
    parser.add_argument("-n", "--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", choices=sorted(BODIES), default="chat", help="request body")
    args = parser.parse_args()
    body = orjson.dumps(BODIES[args.body])
    results = asyncio.run(measure(args.config, args.count, args.rounds, body))
    print(
        f"{args.config.name} ({args.body}): best {min(results):.1f} µs/request, "
        f"median {statistics.median(results):.1f} ({args.rounds} x {args.count})"
    )


if __name__ == "__main__":
    main()
