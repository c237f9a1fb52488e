"""What output_scan adds to a streamed completion: time to first byte, and CPU per stream.

    .venv/bin/python -m benchmarks.output_scan_ttfb

In process, through the real pipeline (`proxy.testing.Harness`), one stream at a time: a fake
provider sends 200 chat-completion chunks of 4 characters each, `--interval-ms` apart (a
model's pace), and the same run measures the gateway without output_scan (baseline), with
output_scan at window 64 and at the default window 256. Time to first byte grows by about the
time the provider needs to produce `window` characters, which is the price of seeing a split
secret whole; the CPU column is the gateway's own work per stream (interval 0).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import orjson

from plugins.output_scan import OutputScan
from proxy.testing import FakeReply, Harness

CHUNKS = 200
PIECE = "abc "


def reply(interval: float) -> FakeReply:
    events = [
        {"id": "c", "object": "chat.completion.chunk", "model": "m",
         "choices": [{"index": 0, "delta": {"content": PIECE}, "finish_reason": None}]}
        for _ in range(CHUNKS)
    ]  # fmt: skip
    r = FakeReply.sse(events)
    r.interval = interval
    return r


async def one(h: Harness) -> tuple[float, float]:
    body = orjson.dumps({"model": "m", "stream": True,
                         "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "scheme": "http",
             "query_string": b"", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8080),
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    first: list[float] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body") and not first:
            first.append(time.perf_counter())

    start = time.perf_counter()
    await h.pipeline.handle(scope, receive, send)
    total = time.perf_counter() - start
    done.set()
    return (first[0] - start if first else total), total


async def measure(options: dict[str, Any] | None, interval: float, rounds: int) -> list[float]:
    h = Harness([(OutputScan, options)] if options is not None else [])
    h.upstream.reply = reply(interval)
    results = [await one(h) for _ in range(rounds)]
    await h.close()
    return [statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)]


async def main(interval_ms: float, rounds: int) -> None:
    rows = [("gateway (baseline)", None), ("output_scan window=64", {"window": 64}),
            ("output_scan window=256", {})]  # fmt: skip
    print(f"{CHUNKS} chunks of {len(PIECE)} characters, {interval_ms} ms apart; p50 of {rounds}")
    print(f"{'system':<24} {'TTFB ms':>9} {'x base':>7} {'CPU ms/stream':>14} {'x base':>7}")
    base: list[float] = []
    for name, options in rows:
        ttfb, _ = await measure(options, interval_ms / 1000, rounds)
        _, cpu = await measure(options, 0.0, rounds * 4)
        if not base:
            base = [ttfb, cpu]
        print(f"{name:<24} {1000 * ttfb:9.2f} {ttfb / base[0]:7.1f} {1000 * cpu:14.2f} "
              f"{cpu / base[1]:7.2f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval-ms", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.interval_ms, args.rounds))
