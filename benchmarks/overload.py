"""Admission control at 4x overload (issue 3): shed the excess, serve priority first, stay flat.

    python -m benchmarks.overload [--seconds 10] [--out benchmarks/results]

What runs (all on 127.0.0.1):

- an upstream in this process that answers every chat completion after ``--service`` ms
  (a provider with a fixed service time, so capacity is known exactly);
- the gateway (``python -m proxy serve``) pinned to CPU 0, one upstream group with
  ``admission = { max_in_flight = N, queue = 2N, max_wait = M, priority =
  "header.x-tier", priorities = { gold = 10 } }``;
- an open-loop load generator in this process, pinned with the upstream to CPU 1: requests
  are *sent at a fixed rate* whatever the answers do (a closed loop would slow down with
  the server and hide overload). 25% of them are ``x-tier: gold``.

Two phases against the same gateway: **unloaded** at half the group's capacity
(``N / service``), then **overload** at 4x capacity. Figures: admitted latency p50/p99/max
per phase and tier, the share of each tier admitted, 503s and whether each carried
``Retry-After``, and the gateway's own admission-wait histogram (no admitted request may
wait longer than ``max_wait``; the histogram's resolution is its bucket edges, so the check
uses the first edge above ``max_wait``, which leaves room for event-loop lag between the
hand-off of a slot and the request resuming). Verdicts for the issue's targets are printed at
the end.

The rates are small (capacity 40 req/s by default) so that neither the gateway's core nor
the load core is busy: what is measured is admission, not CPU saturation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from benchmarks.procs import pinned
from benchmarks.stats import percentile
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
BODY = json.dumps(
    {"model": "chat", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 16}
).encode()
REPLY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }
).encode()


@dataclass
class Sample:
    tier: str
    status: int
    seconds: float
    retry_after: str | None


@dataclass
class Phase:
    name: str
    rate: float
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0

    def admitted(self, tier: str | None = None) -> list[float]:
        return [s.seconds for s in self.samples if s.status == 200 and tier in (None, s.tier)]

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {"offered_rps": self.rate, "sent": len(self.samples)}
        out["client_errors"] = self.errors
        shed = [s for s in self.samples if s.status == 503]
        out["shed_503"] = len(shed)
        out["shed_with_retry_after"] = sum(1 for s in shed if s.retry_after)
        out["other_status"] = sum(1 for s in self.samples if s.status not in (200, 503))
        for tier in (None, "gold", "bronze"):
            label = tier or "all"
            values = self.admitted(tier)
            total = sum(1 for s in self.samples if tier in (None, s.tier))
            out[f"{label}_admitted"] = len(values)
            out[f"{label}_admitted_share"] = round(len(values) / total, 4) if total else None
            for pct in (50, 99):
                out[f"{label}_p{pct}_ms"] = (
                    round(percentile(values, pct) * 1000, 2) if values else None
                )
            out[f"{label}_max_ms"] = round(max(values) * 1000, 2) if values else None
        return out


async def start_upstream(port: int, service: float) -> web.AppRunner:
    async def chat(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(service)
        return web.Response(body=REPLY, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    return runner


def write_config(directory: Path, port: int, admin: int, upstream: int, args: Any) -> Path:
    (directory / "policies").mkdir(parents=True, exist_ok=True)
    (directory / "policies" / "core.toml").write_text('[[plugins]]\nuse = "request_id"\n')
    config = directory / "config.toml"
    config.write_text(
        f"""
[server]
listen = ["127.0.0.1:{port}"]
admin_listen = "127.0.0.1:{admin}"
access_log = false

[providers.bench]
type = "openai"
base_url = "http://127.0.0.1:{upstream}/v1"
api_key = "bench"
max_connections = 1000

[upstreams.chat]
targets = [{{ provider = "bench" }}]
timeouts = {{ connect = "2s", first_byte = "10s", total = "30s" }}
admission = {{ max_in_flight = {args.slots}, queue = {args.slots * 2}, \
max_wait = "{args.max_wait_ms}ms", priority = "header.x-tier", priorities = {{ gold = 10 }} }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "core"
upstream = "chat"
"""
    )
    return config


async def wait_ready(session: aiohttp.ClientSession, admin: int, proc: Any) -> None:
    for _ in range(300):
        if proc.returncode is not None:
            raise RuntimeError(f"gateway exited with {proc.returncode}")
        try:
            async with session.get(f"http://127.0.0.1:{admin}/-/ready") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("gateway did not become ready")


async def drive(
    session: aiohttp.ClientSession, url: str, phase: Phase, seconds: float, record: bool
) -> None:
    """Open loop: request i is sent at start + i / rate, whatever the answers do."""
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []

    async def one(tier: str) -> None:
        started = time.perf_counter()
        try:
            async with session.post(
                url, data=BODY, headers={"content-type": "application/json", "x-tier": tier}
            ) as response:
                await response.read()
                sample = Sample(
                    tier,
                    response.status,
                    time.perf_counter() - started,
                    response.headers.get("retry-after"),
                )
        except aiohttp.ClientError:
            phase.errors += 1
            return
        if record:
            phase.samples.append(sample)

    start = loop.time()
    for i in range(int(phase.rate * seconds)):
        delay = start + i / phase.rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one("gold" if i % 4 == 0 else "bronze")))
    await asyncio.gather(*tasks)


async def admission_waits(session: aiohttp.ClientSession, admin: int) -> dict[str, float]:
    """The gateway's admission-wait histogram for admitted requests: bucket -> count."""
    async with session.get(f"http://127.0.0.1:{admin}/-/metrics") as response:
        text = await response.text()
    buckets: dict[str, float] = {}
    prefix = "sluicegate_admission_wait_seconds_bucket{"
    for line in text.splitlines():
        if line.startswith(prefix) and 'outcome="admitted"' in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = float(line.rsplit(" ", 1)[1])
    return buckets


async def run(args: Any) -> dict[str, Any]:
    os.sched_setaffinity(0, {1} if (os.cpu_count() or 1) >= 2 else {0})
    service = args.service_ms / 1000
    capacity = args.slots / service
    upstream_port, port, admin = free_port(), free_port(), free_port()
    runner = await start_upstream(upstream_port, service)
    tmp = Path(tempfile.mkdtemp(prefix="sluicegate-overload-"))
    config = write_config(tmp, port, admin, upstream_port, args)
    log = (tmp / "gateway.log").open("wb")
    argv = pinned(0, [sys.executable, "-m", "proxy", "serve", "-c", str(config)])
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    phases = [Phase("unloaded", capacity * 0.5), Phase("overload_4x", capacity * 4)]
    try:
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_ready(session, admin, proc)
            for phase in phases:
                await drive(session, url, phase, args.warmup, record=False)
                await drive(session, url, phase, args.seconds, record=True)
            waits = await admission_waits(session, admin)
    finally:
        proc.terminate()
        await proc.wait()
        await runner.cleanup()
        log.close()
    unloaded, overload = (p.figures() for p in phases)
    max_wait = args.max_wait_ms / 1000
    edges = sorted(float(le) for le in waits if le != "+Inf")
    edge = next((e for e in edges if e > max_wait), float("inf"))
    admitted_total = waits.get("+Inf", 0.0)
    within = max((v for le, v in waits.items() if le != "+Inf" and float(le) <= edge), default=0.0)
    result = {
        "settings": {
            "slots": args.slots,
            "queue": args.slots * 2,
            "service_ms": args.service_ms,
            "max_wait_ms": args.max_wait_ms,
            "wait_check_edge_ms": edge * 1000,
            "capacity_rps": capacity,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "gold_share": 0.25,
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(),
        },
        "unloaded": unloaded,
        "overload_4x": overload,
        "admission_wait_buckets": waits,
        "admitted_waits_within_max_wait": f"{within:.0f} / {admitted_total:.0f}",
    }
    result["verdicts"] = verdicts(unloaded, overload, within, admitted_total)
    return result


def verdicts(
    unloaded: dict[str, Any], overload: dict[str, Any], within: float, admitted: float
) -> dict[str, bool]:
    ratio = (overload["all_p99_ms"] or 0) / (unloaded["all_p99_ms"] or 1)
    return {
        "excess shed with 503 + Retry-After": overload["shed_503"] > 0
        and overload["shed_with_retry_after"] == overload["shed_503"]
        and overload["other_status"] == 0
        and overload["client_errors"] == 0,
        "gold admitted more than bronze": (overload["gold_admitted_share"] or 0)
        > (overload["bronze_admitted_share"] or 0),
        "no admitted wait above max_wait": admitted > 0 and within == admitted,
        f"admitted p99 within 2x unloaded p99 ({ratio:.2f}x)": ratio <= 2.0,
    }


def markdown(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines = [
        "# Admission at 4x overload (benchmarks/overload.py)",
        "",
        f"{s['slots']} slots, queue {s['queue']}, max_wait {s['max_wait_ms']} ms (waits checked "
        f"at the {s['wait_check_edge_ms']:g} ms histogram edge), upstream "
        f"service {s['service_ms']} ms: capacity {s['capacity_rps']:.0f} req/s; "
        f"{s['seconds']} s per phase, 25% gold (priority 10).",
        "",
        "| figure | unloaded (0.5x) | overload (4x) |",
        "|---|---|---|",
    ]
    for key in result["unloaded"]:
        lines.append(f"| {key} | {result['unloaded'][key]} | {result['overload_4x'][key]} |")
    lines += [
        "",
        f"Admitted waits within max_wait (gateway histogram): "
        f"{result['admitted_waits_within_max_wait']}",
        "",
        "## Verdicts",
        "",
    ]
    for name, ok in result["verdicts"].items():
        lines.append(f"- {'pass' if ok else 'FAIL'}: {name}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slots", type=int, default=4, help="max_in_flight (queue = 2x)")
    parser.add_argument("--service-ms", type=int, default=100, help="upstream service time")
    parser.add_argument("--max-wait-ms", type=int, default=40, help="admission max_wait")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    text = markdown(result)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{time.strftime('%Y-%m-%d-%H%M%S')}-overload"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    stem.with_suffix(".md").write_text(text)
    print(f"recorded {stem}.json and .md")
    sys.exit(0 if all(result["verdicts"].values()) else 1)


if __name__ == "__main__":
    main()
