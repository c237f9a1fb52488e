"""Where the 500-stream tail goes: the cyclic collector's pauses under the real scenario.

Starts the SSE upstream (20 ms between events, like `stream_500_20ms`) on the load CPU, then
each system on the system CPU with `gc.callbacks` recording every collection (generation,
wall and CPU time, objects collected), drives it with `benchmarks/sse_client.py` (500
streams on fresh connections released at once, one warm-up burst, then the measured ones),
and prints, per system, the collections that fell in the measured bursts: how many per
generation, their CPU in total and the longest, what they found, the process's own CPU per
burst, beside the client's TTFB p50/p99 — one JSON line per run, then a Markdown table of
the medians over `--repeat` (per burst).

    flock /work/bench.lock .venv/bin/python -m benchmarks.gc_pauses            # floor, gateway
    flock /work/bench.lock .venv/bin/python -m benchmarks.gc_pauses \
        --systems gateway,gateway-young0,gateway-young700 --repeat 3 --interval-ms 5

Collector CPU time is counted with `time.thread_time()`, so other work on a shared machine
does not inflate it; the wall-clock pause is shown beside it. `--record FILE -m MODULE ...`
is the wrapper each system runs under (the callbacks, then the module as `__main__`).
"""

from __future__ import annotations

import argparse
import atexit
import functools
import gc
import json
import os
import runpy
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from benchmarks.procs import ProcessGroup, cpu_seconds, pinned, wait_http, wait_tcp
from benchmarks.stats import percentile
from benchmarks.systems import CONFIGS, ROOT
from tests.fixtures.ports import free_port

# (generation, monotonic start, wall s, cpu s, collected, uncollectable)
Event = tuple[int, float, float, float, int, int]


def record(out: Path) -> None:
    """Record every collection of this process; write them to `out` at exit."""
    events: list[Event] = []
    started: list[float] = [0.0, 0.0, 0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0], started[1], started[2] = (
                time.monotonic(),
                time.perf_counter(),
                time.thread_time(),
            )
            return
        events.append(
            (
                info["generation"],
                started[0],
                time.perf_counter() - started[1],
                time.thread_time() - started[2],
                info["collected"],
                info["uncollectable"],
            )
        )

    gc.callbacks.append(callback)
    atexit.register(lambda: out.write_text(json.dumps(events)))


def summarise(events: list[Event], window: tuple[float, float]) -> dict[str, Any]:
    """Per generation: count, total and longest pause (ms) in the measured window."""
    inside = [e for e in events if window[0] <= e[1] <= window[1]]
    per_gen: dict[str, Any] = {}
    for gen in (0, 1, 2):
        mine = [e for e in inside if e[0] == gen]
        cpu_ms = [e[3] * 1000 for e in mine]
        wall_ms = [e[2] * 1000 for e in mine]
        per_gen[f"gen{gen}"] = {
            "count": len(mine),
            "cpu_total_ms": round(sum(cpu_ms), 1),
            "cpu_p50_ms": round(percentile(cpu_ms, 50), 2) if mine else None,
            "cpu_max_ms": round(max(cpu_ms), 2) if mine else None,
            "wall_max_ms": round(max(wall_ms), 2) if mine else None,
            "collected": sum(e[4] for e in mine),
        }
    return per_gen


_YOUNG_ENV = "GC_PAUSES_YOUNG"


def _override_young_threshold(young: int) -> None:
    """The gateway's young-generation threshold for this run; 0 turns the collector off
    once the startup heap is frozen (an upper bound on what collection costs)."""
    import proxy.server

    proxy.server.YOUNG_GENERATION_THRESHOLD = young
    if young == 0:
        settle = proxy.server.settle_heap

        def settle_then_disable() -> None:
            settle()
            gc.disable()

        proxy.server.settle_heap = settle_then_disable


FLOOR = [
    "-m", "benchmarks.baseline_passthrough", "--port", "{port}",
    "--upstream", "http://127.0.0.1:{upstream}",
]  # fmt: skip
GATEWAY = ["-m", "proxy", "serve", "-c", str(CONFIGS / "core.toml")]


def run_system(
    name: str, group: ProcessGroup, tmp: Path, upstream: int, args: argparse.Namespace
) -> dict[str, Any]:
    port, admin = free_port(), free_port()
    out = tmp / f"{name}-gc.json"
    command = FLOOR if name == "floor" else GATEWAY
    argv = [
        sys.executable, "-m", "benchmarks.gc_pauses", "--record", str(out),
        *(part.format(port=port, upstream=upstream) for part in command),
    ]  # fmt: skip
    env = {
        "BENCH_LISTEN": f"127.0.0.1:{port}",
        "BENCH_ADMIN_LISTEN": f"127.0.0.1:{admin}",
        "BENCH_UPSTREAM_URL": f"http://127.0.0.1:{upstream}/v1",
    }
    if name.startswith("gateway-young"):  # gateway-young<N>: another threshold
        env[_YOUNG_ENV] = name.removeprefix("gateway-young")
    proc = group.start(name, argv, cpu=0, env=env, cwd=ROOT)
    if name.startswith("gateway"):
        wait_http(proc, f"http://127.0.0.1:{admin}/-/ready", expect=200)
    else:
        wait_tcp(proc, port)
    client = [
        sys.executable, "-m", "benchmarks.sse_client", "--url",
        f"http://127.0.0.1:{port}/v1/chat/completions", "--streams", str(args.streams),
        "--warmup-rounds", "0", "--rounds",
    ]  # fmt: skip
    # The warm-up burst opens the upstream pool; the window starts after it.
    run = functools.partial(subprocess.run, capture_output=True, text=True, cwd=ROOT, check=True)
    run(pinned(1, [*client, "1"]))
    cpu_before = cpu_seconds(proc.pid)
    begin = time.monotonic()
    done = run(pinned(1, [*client, str(args.rounds)]))
    end = time.monotonic()
    cpu = cpu_seconds(proc.pid) - cpu_before
    group.stop(proc)
    client_figures = json.loads(done.stdout.strip().splitlines()[-1])
    events = [tuple(e) for e in json.loads(out.read_text())]
    return {
        "completed": client_figures["completed"],
        "streams": client_figures["streams"],
        "ttfb_p50_ms": round(client_figures["ttfb_p50_ms"], 1),
        "ttfb_p99_ms": round(client_figures["ttfb_p99_ms"], 1),
        "cpu_ms_per_burst": round(cpu * 1000 / args.rounds),
        "gc": summarise(events, (begin, end)),  # type: ignore[arg-type]
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--record":
        record(Path(sys.argv[2]))
        young = os.environ.get(_YOUNG_ENV)
        if young is not None:
            _override_young_threshold(int(young))
        module = sys.argv[4]
        sys.argv = [module, *sys.argv[5:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--systems",
        default="floor,gateway",
        help="floor, gateway, gateway-young<N> (the gateway with young threshold N; 0: off)",
    )
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval-ms", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=1, help="systems interleaved")
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {}
    with TemporaryDirectory(prefix="gc-pauses-") as tmp_name:
        tmp = Path(tmp_name)
        group = ProcessGroup(tmp)
        try:
            upstream = free_port()
            argv = [
                sys.executable, "-m", "benchmarks.sse_upstream", "--port", str(upstream),
                "--interval-ms", str(args.interval_ms),
            ]  # fmt: skip
            up = group.start("sse_upstream", argv, cpu=1, cwd=ROOT)
            wait_http(up, f"http://127.0.0.1:{upstream}/v1/models", expect=200)
            for _ in range(args.repeat):
                for name in args.systems.split(","):
                    result = run_system(name, group, tmp, upstream, args)
                    results.setdefault(name, []).append(result)
                    print(name, json.dumps(result), flush=True)
        finally:
            group.close()
    print(render(results, args.rounds))


def render(results: dict[str, list[dict[str, Any]]], rounds: int) -> str:
    """A Markdown table of the medians over the repeats, per burst, p99 as a ratio to the
    floor's when the floor ran."""
    floor = results.get("floor")
    floor_p99 = statistics.median(r["ttfb_p99_ms"] for r in floor) if floor else None
    lines = [
        "| system | young / middle / full collections per burst | collector CPU ms per burst "
        "| longest (ms CPU) | found unreachable | process CPU ms per burst | TTFB p50 ms "
        "| TTFB p99 ms | p99 / floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():

        def median(figure: Callable[[dict[str, Any]], float], runs: list[Any] = runs) -> float:
            return float(statistics.median(figure(r) for r in runs))

        counts = " / ".join(
            f"{statistics.median(r['gc'][g]['count'] for r in runs) / rounds:.1f}"
            for g in _GENERATIONS
        )
        collector = median(lambda r: sum(r["gc"][g]["cpu_total_ms"] for g in _GENERATIONS))
        longest = max((r["gc"][g]["cpu_max_ms"] or 0.0) for r in runs for g in _GENERATIONS)
        found = median(lambda r: sum(r["gc"][g]["collected"] for g in _GENERATIONS))
        p99 = median(lambda r: r["ttfb_p99_ms"])
        ratio = f"{p99 / floor_p99:.2f}x" if floor_p99 else "—"
        lines.append(
            f"| {name} | {counts} | {collector / rounds:.0f} | {longest:.0f} | {found:,.0f} "
            f"| {median(lambda r: r['cpu_ms_per_burst']):.0f} "
            f"| {median(lambda r: r['ttfb_p50_ms']):.0f} | {p99:.0f} | {ratio} |"
        )
    return "\n".join(lines)


_GENERATIONS = ("gen0", "gen1", "gen2")


if __name__ == "__main__":
    main()
