"""Load generator for the streaming scenario: N concurrent SSE chat-completion streams.

Each round opens N fresh connections and releases all streams at once (a start gate);
each stream is timed from just before its
request to its first body byte (TTFB) and to `data: [DONE]`. A stream counts as complete
only with status 200, every expected `data:` event and the final `[DONE]`. Prints one
JSON object on stdout. Run as `python -m benchmarks.sse_client --url ... --streams 500`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from benchmarks.payloads import chat_request_bytes
from benchmarks.stats import percentile


@dataclass
class StreamOutcome:
    ok: bool
    ttfb_s: float | None
    total_s: float | None
    error: str = ""


def count_events(body: bytes) -> tuple[int, bool]:
    """(number of `data: {...}` events, whether `data: [DONE]` was seen) in an SSE body."""
    events = 0
    done = False
    for block in body.replace(b"\r\n", b"\n").split(b"\n\n"):
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    done = True
                elif payload:
                    events += 1
    return events, done


async def one_stream(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    expect_events: int,
    gate: asyncio.Event,
) -> StreamOutcome:
    await gate.wait()
    started = time.perf_counter()
    ttfb: float | None = None
    received = bytearray()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            async for chunk in response.content.iter_any():
                if ttfb is None:
                    ttfb = time.perf_counter() - started
                received += chunk
            total = time.perf_counter() - started
            if response.status != 200:
                return StreamOutcome(False, ttfb, total, f"status {response.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return StreamOutcome(False, ttfb, None, type(exc).__name__)
    events, done = count_events(bytes(received))
    if not done or events != expect_events:
        return StreamOutcome(False, ttfb, total, f"incomplete ({events} events, done={done})")
    return StreamOutcome(True, ttfb, total)


async def burst(
    url: str, streams: int, expect_events: int, headers: dict[str, str], timeout_s: float
) -> list[StreamOutcome]:
    """One round: `streams` streams on fresh connections, released together."""
    body = chat_request_bytes(stream=True)
    send_headers = {"Content-Type": "application/json", **headers}
    connector = aiohttp.TCPConnector(limit=streams + 50)
    gate = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=False
    ) as session:
        tasks = [
            asyncio.create_task(one_stream(session, url, body, send_headers, expect_events, gate))
            for _ in range(streams)
        ]
        await asyncio.sleep(0)  # let every task reach the gate
        gate.set()
        return await asyncio.gather(*tasks)


async def run(
    url: str,
    streams: int,
    expect_events: int,
    headers: dict[str, str],
    timeout_s: float,
    rounds: int,
    warmup_rounds: int,
) -> dict[str, Any]:
    """Warm-up rounds (discarded: they open the proxy's upstream pool), then `rounds`
    measured rounds whose samples are pooled, so one unlucky burst does not make the p99."""
    for _ in range(warmup_rounds):
        await burst(url, streams, expect_events, headers, timeout_s)
    outcomes: list[StreamOutcome] = []
    wall = time.perf_counter()
    for _ in range(rounds):
        outcomes += await burst(url, streams, expect_events, headers, timeout_s)
    wall = time.perf_counter() - wall
    ttfbs = [o.ttfb_s * 1000 for o in outcomes if o.ok and o.ttfb_s is not None]
    totals = [o.total_s * 1000 for o in outcomes if o.ok and o.total_s is not None]
    errors = Counter(o.error for o in outcomes if not o.ok)
    return {
        "rounds": rounds,
        "streams": len(outcomes),
        "completed": sum(o.ok for o in outcomes),
        "failed": sum(not o.ok for o in outcomes),
        "errors": dict(errors.most_common(5)),
        "ttfb_p50_ms": percentile(ttfbs, 50) if ttfbs else None,
        "ttfb_p99_ms": percentile(ttfbs, 99) if ttfbs else None,
        "ttfb_max_ms": max(ttfbs) if ttfbs else None,
        "stream_p99_ms": percentile(totals, 99) if totals else None,
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--events", type=int, default=20, help="data events per stream")
    parser.add_argument("--headers-json", default="{}")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3, help="measured bursts, pooled")
    parser.add_argument("--warmup-rounds", type=int, default=1)
    args = parser.parse_args()
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    headers = json.loads(args.headers_json)
    result = runner(
        run(
            args.url,
            args.streams,
            args.events,
            headers,
            args.timeout,
            args.rounds,
            args.warmup_rounds,
        )
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
