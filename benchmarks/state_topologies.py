"""``rate_limit`` on a Redis Cluster against one redis node, in the same run: CPU and p50.

Starts a redis-server and a 3-master + 3-replica cluster on 127.0.0.1 (Debian's
``redis-server``; the same classes the fleet tests use), then measures two things, rounds
interleaved (one node, cluster, one node, …) so drift on a shared machine hits both alike:

- **the gateway**: the real ``Gateway`` in process (``benchmarks.core_overhead``'s fixed
  upstream) with a ``rate_limit`` policy keyed on a header, 64 keys spread over every master,
  16 requests in flight (as under load: a sequential loop would put the event loop to sleep
  on every round trip and time the wake-ups); CPU seconds of this process per request
  (``time.process_time``, so waiting for redis is not counted), and the p50 of a request's
  wall time from a sequential pass (one request in flight: the round trip itself);
- **the client alone**: one ``gcra`` per call through the store on each topology, and the
  same EVALSHA through redis-py's ``RedisCluster`` (retries off), to show what the own
  cluster client is measured against.

    python -m benchmarks.state_topologies [-n 4000] [--rounds 5]

The target (issue 9): cluster CPU per request at most 1.3x one node's.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.core_overhead import FixedUpstream, _scope
from proxy.app import Gateway
from proxy.config.loader import load_config
from proxy.config.types import Rate
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime
from proxy.state import create_store
from proxy.state.lua import GCRA
from proxy.state.packing import Script
from tests.fixtures.redis import start_redis
from tests.fixtures.redis_topology import Cluster

ROOT = Path(__file__).resolve().parent.parent
KEYS = 64
TARGET = 1.3
CONFIG = """
[server]
listen = ["127.0.0.1:18080"]
admin_listen = "127.0.0.1:19901"
access_log = false

[state]
backend = "redis"
url = "{url}"
on_error = "deny"

[providers.bench]
type = "openai"
base_url = "http://127.0.0.1:8081/v1"
api_key = "bench"

[upstreams.bench]
targets = [{{ provider = "bench" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "limited"
upstream = "bench"
"""
POLICY = '[[plugins]]\nuse = "rate_limit"\nkey = "header.x-user"\nlimit = "1000000/second"\n'
BODY = b'{"model":"m","messages":[{"role":"user","content":"hi"}]}'
CONCURRENCY = 16
SCOPES = [
    {**_scope(BODY), "headers": [*_scope(BODY)["headers"], (b"x-user", f"user-{i}".encode())]}
    for i in range(KEYS)
]


async def gateway_for(url: str, workdir: Path) -> tuple[Gateway, Runtime]:
    (workdir / "policies").mkdir(parents=True, exist_ok=True)
    (workdir / "policies" / "limited.toml").write_text(POLICY)
    (workdir / "config.toml").write_text(CONFIG.format(url=url))
    runtime = Runtime.build(
        load_config(workdir / "config.toml"), Metrics(), access_stream=io.BytesIO()
    )
    for provider in runtime.providers.values():
        provider.client = FixedUpstream()
    runtime.start()
    return Gateway(runtime, 1.0), runtime


async def drive(
    gateway: Gateway, count: int, concurrency: int = CONCURRENCY
) -> tuple[float, float]:
    """(CPU µs per request, p50 ms) over ``count`` requests, ``concurrency`` at a time."""
    statuses: list[int] = []
    times: list[float] = []
    never = asyncio.Event()

    async def one(scope: dict[str, Any]) -> None:
        pending = [{"type": "http.request", "body": BODY, "more_body": False}]

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop()
            await never.wait()
            return {"type": "http.disconnect"}

        started = time.perf_counter()
        await gateway(scope, receive, send)
        times.append(time.perf_counter() - started)

    async def worker(first: int) -> None:
        for i in range(first, count, concurrency):
            await one(SCOPES[i % KEYS])

    cpu = time.process_time()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    cpu = time.process_time() - cpu
    assert set(statuses) == {200}, f"unexpected statuses {set(statuses)}"
    return cpu / count * 1e6, statistics.median(times) * 1e3


async def store_calls(url: str, count: int) -> float:
    """CPU µs per ``gcra`` through the gateway's own store on ``url``."""
    store = create_store("redis", url, "deny", "bench:")
    rate = Rate(1_000_000, 1)
    keys = [f"k{i}" for i in range(KEYS)]
    try:
        for key in keys:
            await store.gcra(key, rate, 0)
        return await _cpu_per_call(lambda i: store.gcra(keys[i % KEYS], rate, 0), count)
    finally:
        await store.close()


async def redis_py_cluster_calls(cluster: Cluster, count: int) -> float:
    """CPU µs per EVALSHA of the same script through redis-py's RedisCluster, retries off."""
    from redis.asyncio.cluster import ClusterNode, RedisCluster
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    seeds = [ClusterNode("127.0.0.1", n.port) for n in cluster.masters()]
    client = RedisCluster(startup_nodes=seeds, retry=Retry(NoBackoff(), 0))
    script = Script(GCRA)
    keys = [f"bench:rl:{{k{i}}}" for i in range(KEYS)]
    try:
        await client.initialize()
        for master in cluster.masters():
            with master.client() as raw:
                raw.script_load(GCRA)

        async def call(i: int) -> Any:
            return await client.execute_command(
                "EVALSHA", script.sha, 1, keys[i % KEYS], "1.0", 0, 1
            )

        return await _cpu_per_call(call, count)
    finally:
        await client.aclose()


async def _cpu_per_call(call: Callable[[int], Awaitable[Any]], count: int) -> float:
    for i in range(200):
        await call(i)
    cpu = time.process_time()
    for i in range(count):
        await call(i)
    return (time.process_time() - cpu) / count * 1e6


async def run(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sluicegate-bench-") as tmp:
        work = Path(tmp)
        single = start_redis(work)
        cluster = Cluster(work / "cluster").start()
        try:
            urls = {"one node": single.url, "cluster": cluster.url}
            gateways = {
                name: await gateway_for(url, work / name.replace(" ", "_"))
                for name, url in urls.items()
            }
            for gateway, _ in gateways.values():
                await drive(gateway, 300)  # connect, load scripts, warm caches
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in urls}
            clients: dict[str, list[float]] = {
                "one node": [],
                "cluster": [],
                "redis-py cluster": [],
            }
            for _ in range(rounds):
                for name, (gateway, _) in gateways.items():
                    cpu, _ = await drive(gateway, count)
                    _, p50 = await drive(gateway, count // 4, concurrency=1)
                    results[name].append((cpu, p50))
                for name, url in urls.items():
                    clients[name].append(await store_calls(url, count))
                clients["redis-py cluster"].append(await redis_py_cluster_calls(cluster, count))
            for _, runtime in gateways.values():
                await runtime.close()
        finally:
            cluster.stop()
            single.stop()
    print(f"rate_limit through the gateway, {rounds} x {count} requests, {KEYS} keys:")
    for name, rows in results.items():
        cpu = statistics.median(r[0] for r in rows)
        p50 = statistics.median(r[1] for r in rows)
        print(f"  {name:<10} CPU {cpu:7.1f} µs/request   p50 {p50:.3f} ms")
    pairs = zip(results["cluster"], results["one node"], strict=True)
    ratios = [cluster_row[0] / single_row[0] for cluster_row, single_row in pairs]
    ratio = statistics.median(ratios)
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  cluster / one node CPU per request: {ratio:.2f}x (median of the rounds: {each})")
    print(f"  target <= {TARGET}x: {'PASS' if ratio <= TARGET else 'FAIL'}")
    print("one gcra through the client alone (CPU µs per call, median of rounds):")
    for name, values in clients.items():
        print(f"  {name:<17} {statistics.median(values):7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.count, args.rounds))


if __name__ == "__main__":
    main()
