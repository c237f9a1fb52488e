"""Load generator for the streaming scenarios: N concurrent SSE chat-completion streams.

Each round opens N fresh connections and releases all streams at once (a start gate);
each stream is timed from just before its request to its first body byte (TTFB) and to
`data: [DONE]`. A stream counts as complete only with status 200, every expected `data:`
event and the final `[DONE]`. What did not complete is counted by cause: the status the
server answered (503s with and without `Retry-After` apart), resets, client timeouts.

`--processes K` splits the streams over K client processes released at one agreed instant
(thousands of streams in one process make the client the bottleneck). Prints one JSON
object on stdout. Run as `python -m benchmarks.sse_client --url ... --streams 500`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
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
    status: int | None = None
    retry_after: bool = False


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
    status: int | None = None
    try:
        async with session.post(url, data=body, headers=headers) as response:
            status = response.status
            async for chunk in response.content.iter_any():
                if ttfb is None:
                    ttfb = time.perf_counter() - started
                received += chunk
            total = time.perf_counter() - started
            if status != 200:
                retry_after = "Retry-After" in response.headers
                return StreamOutcome(False, ttfb, total, f"status {status}", status, retry_after)
    except TimeoutError:
        return StreamOutcome(False, ttfb, None, "client timeout", status)
    except aiohttp.ClientError as exc:
        return StreamOutcome(False, ttfb, None, type(exc).__name__, status)
    events, done = count_events(bytes(received))
    if not done or events != expect_events:
        return StreamOutcome(
            False, ttfb, total, f"incomplete ({events} events, done={done})", status
        )
    return StreamOutcome(True, ttfb, total, status=status)


async def burst(
    url: str,
    streams: int,
    expect_events: int,
    headers: dict[str, str],
    timeout_s: float,
    start_at: float | None = None,
) -> list[StreamOutcome]:
    """One round: `streams` streams on fresh connections, released together (at the
    wall-clock instant `start_at`, when several client processes share the round)."""
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
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.time()))
        gate.set()
        return await asyncio.gather(*tasks)


def split_burst(
    args: argparse.Namespace, processes: int, headers: dict[str, str]
) -> list[StreamOutcome]:
    """One round spread over `processes` client processes released at the same instant."""
    share = [args.streams // processes + (i < args.streams % processes) for i in range(processes)]
    start_at = time.time() + 1.0 + 0.2 * processes  # every child is up and gated by then
    common = [
        sys.executable, "-m", "benchmarks.sse_client", "--child", "--url", args.url,
        "--events", str(args.events), "--headers-json", json.dumps(headers),
        "--timeout", str(args.timeout), "--start-at", repr(start_at),
    ]  # fmt: skip
    children = [
        subprocess.Popen([*common, "--streams", str(n)], stdout=subprocess.PIPE, text=True)
        for n in share
        if n
    ]
    outcomes: list[StreamOutcome] = []
    for child in children:
        out, _ = child.communicate(timeout=args.timeout + 60)
        if child.returncode != 0:
            raise RuntimeError(f"client process failed ({child.returncode})")
        outcomes += [StreamOutcome(**item) for item in json.loads(out)]
    return outcomes


def summarise(outcomes: list[StreamOutcome], rounds: int, wall: float) -> dict[str, Any]:
    ttfbs = [o.ttfb_s * 1000 for o in outcomes if o.ok and o.ttfb_s is not None]
    totals = [o.total_s * 1000 for o in outcomes if o.ok and o.total_s is not None]
    failed = [o for o in outcomes if not o.ok]
    errors = Counter(o.error for o in failed)
    status_503 = [o for o in failed if o.status == 503]
    return {
        "rounds": rounds,
        "streams": len(outcomes),
        "completed": sum(o.ok for o in outcomes),
        "failed": len(failed),
        "errors": dict(errors.most_common(8)),
        # What was shed, and how: an honest shed is a 503 with Retry-After, answered fast.
        "shed_503": len(status_503),
        "shed_503_retry_after": sum(o.retry_after for o in status_503),
        "shed_503_p99_ms": _p99(o.total_s for o in status_503),
        "status_504": sum(o.status == 504 for o in failed),
        "status_other": sum(o.status not in (None, 200, 503, 504) for o in failed),
        "resets": sum(o.status is None and o.error != "client timeout" for o in failed),
        "client_timeouts": sum(o.error == "client timeout" for o in failed),
        "ttfb_p50_ms": percentile(ttfbs, 50) if ttfbs else None,
        "ttfb_p99_ms": percentile(ttfbs, 99) if ttfbs else None,
        "ttfb_max_ms": max(ttfbs) if ttfbs else None,
        "stream_p99_ms": percentile(totals, 99) if totals else None,
        "wall_s": wall,
    }


def _p99(seconds: Iterable[float | None]) -> float | None:
    values = [s * 1000 for s in seconds if s is not None]
    return percentile(values, 99) if values else None


async def run(args: argparse.Namespace, headers: dict[str, str], processes: int) -> dict[str, Any]:
    """Warm-up rounds (discarded: they open the proxy's upstream pool), then `rounds`
    measured rounds whose samples are pooled, so one unlucky burst does not make the p99."""

    async def one_round() -> list[StreamOutcome]:
        if processes > 1:
            return await asyncio.to_thread(split_burst, args, processes, headers)
        return await burst(args.url, args.streams, args.events, headers, args.timeout)

    for _ in range(args.warmup_rounds):
        await one_round()
    outcomes: list[StreamOutcome] = []
    wall = time.perf_counter()
    for _ in range(args.rounds):
        outcomes += await one_round()
    return summarise(outcomes, args.rounds, time.perf_counter() - wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--events", type=int, default=20, help="data events per stream")
    parser.add_argument("--headers-json", default="{}")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3, help="measured bursts, pooled")
    parser.add_argument("--warmup-rounds", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1, help="client processes per round")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    headers = json.loads(args.headers_json)
    if args.child:  # one share of a split round: raw outcomes for the parent to pool
        outcomes = runner(
            burst(args.url, args.streams, args.events, headers, args.timeout, args.start_at)
        )
        json.dump([asdict(o) for o in outcomes], sys.stdout)
        return
    result = runner(run(args, headers, max(1, args.processes)))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
