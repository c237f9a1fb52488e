"""Cache replay: a workload where 85% of prompts repeat, through a real gateway on 127.0.0.1.

It starts the gateway in-process (Hypercorn on a free port) with the built-in mock provider
answering after ``--latency`` and a policy of ``cache`` (shared, memory), sends ``--requests``
chat completions at temperature 0 from ``--concurrency`` clients — each prompt drawn from a
pool sized so that 85% of requests repeat an earlier prompt — and reports the hit rate and
the latency of hits against misses (the latency the cache saved)::

    python -m benchmarks.cache_replay --requests 2000 --latency 200ms

The order is seeded, so two runs send the same sequence.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from proxy.config.types import parse_duration
from proxy.engines import bind
from proxy.server import ServeOptions, build_gateway, serve_gateway
from tests.fixtures.ports import free_port

CONFIG = """
[server]
listen = ["127.0.0.1:{port}"]
admin_listen = "127.0.0.1:{admin}"
access_log = false

[providers.mock]
type = "mock"
latency = "{latency}s"

[upstreams.chat]
targets = [{{ provider = "mock" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "cached"
upstream = "chat"
"""

POLICY = """
[[plugins]]
use = "cache"
shared = true
ttl = "1h"
"""


def workload(requests: int, repeat: float, seed: int) -> list[str]:
    """Prompts where ``repeat`` of the requests reuse one already sent (seeded order)."""
    rng = random.Random(seed)
    fresh = max(1, round(requests * (1 - repeat)))
    sent: list[str] = []
    order = [True] * fresh + [False] * (requests - fresh)
    rng.shuffle(order)
    order[0] = True  # the first request cannot repeat anything
    for new in order:
        sent.append(f"prompt {len(set(sent))}" if new or not sent else rng.choice(sent))
    return sent


async def run(args: argparse.Namespace) -> None:
    port, admin = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "policies").mkdir()
        (directory / "policies" / "cached.toml").write_text(POLICY)
        config = directory / "config.toml"
        config.write_text(CONFIG.format(port=port, admin=admin, latency=args.latency))
        gateway, _ = build_gateway(ServeOptions(str(config)))
        settings = gateway.runtime.loaded.config.server
        stop = asyncio.Event()
        server = asyncio.create_task(serve_gateway(gateway, settings, bind(settings), stop))
        try:
            await _wait(f"http://127.0.0.1:{admin}/-/health")
            await _measure(args, f"http://127.0.0.1:{port}/v1/chat/completions")
        finally:
            stop.set()
            await server


async def _wait(url: str) -> None:
    async with httpx.AsyncClient(timeout=1) as client:
        for _ in range(200):
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("gateway did not start")


async def _measure(args: argparse.Namespace, url: str) -> None:
    prompts = workload(args.requests, args.repeat, args.seed)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for prompt in prompts:
        queue.put_nowait(prompt)
    hits: list[float] = []
    misses: list[float] = []
    other: dict[str, int] = {}

    async def client_loop(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            prompt = queue.get_nowait()
            body = {
                "model": "mock-1",
                "temperature": 0,
                "messages": [{"role": "user", "content": prompt}],
            }
            started = time.perf_counter()
            response = await client.post(url, json=body)
            elapsed = time.perf_counter() - started
            verdict = response.headers.get("x-cache", "none")
            if response.status_code != 200:
                other[str(response.status_code)] = other.get(str(response.status_code), 0) + 1
            elif verdict == "HIT":
                hits.append(elapsed)
            else:
                misses.append(elapsed)

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*[client_loop(client) for _ in range(args.concurrency)])
    wall = time.perf_counter() - started
    total = len(hits) + len(misses)
    hit_p50 = statistics.median(hits) * 1000 if hits else float("nan")
    miss_p50 = statistics.median(misses) * 1000 if misses else float("nan")
    print(
        f"requests {total} (non-200: {other or 0}) in {wall:.2f}s, concurrency "
        f"{args.concurrency}, provider latency {args.latency * 1000:.0f} ms"
    )
    print(f"distinct prompts {len(set(prompts))}, repeat share {args.repeat:.0%}")
    print(f"hit rate {len(hits) / total:.1%} ({len(hits)} hits, {len(misses)} misses)")
    print(
        f"p50 latency: hit {hit_p50:.2f} ms, miss {miss_p50:.2f} ms; "
        f"saved per hit {miss_p50 - hit_p50:.2f} ms; "
        f"total provider time saved {len(hits) * args.latency:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=float, default=0.85)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=parse_duration, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
