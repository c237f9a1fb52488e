"""The scenarios: what load is applied to a running system and which figures come back.

A scenario names the upstream it needs ("nginx" or "sse"), the figures it reports (for
the table) and a `run(ctx, target)` function returning those figures. Adding one is one
`Scenario(...)` entry in SCENARIOS. Every load run has a fixed duration; the load
generators run pinned to the load CPU, the system under test alone on the other.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import Started, cpu_seconds, peak_rss_mib, pinned
from benchmarks.stats import WrkResult, parse_wrk
from benchmarks.systems import ROOT, System

Figures = dict[str, float | None]


@dataclass(frozen=True)
class Settings:
    warmup_s: int
    duration_s: int
    streams: int
    stream_rounds: int
    stream_events: int
    stream_interval_ms: float
    load_cpu: int | None
    sut_cpu: int | None


FULL = Settings(2, 10, 500, 5, 20, 5.0, load_cpu=1, sut_cpu=0)
QUICK = Settings(1, 3, 500, 2, 20, 5.0, load_cpu=1, sut_cpu=0)


@dataclass(frozen=True)
class Target:
    """A system that is up and listening, as the load generators see it."""

    system: System
    port: int
    proc: Started | None  # None for "direct"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"


@dataclass(frozen=True)
class Context:
    settings: Settings
    tmp: Path
    bodies: dict[str, Path]  # payloads.BODIES written to files, for wrk


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    better: str  # "lower" | "higher"
    # Also show "added <label>": this figure minus the same figure for "direct".
    added: bool = False
    digits: int = 2
    # False for figures about the run rather than the system: no ratio to the floor.
    compare: bool = True


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    upstream: str  # "nginx" | "sse"
    figures: tuple[Figure, ...]
    run: Callable[[Context, Target], Figures]
    # False: runs only when named (--only) or with --all.
    default: bool = True
    # Only these systems (baselines included by name), or None for every chosen one.
    systems: tuple[str, ...] | None = None
    # Several scenarios sharing a group run together under the group's name (--only).
    group: str | None = None


def run_wrk(
    ctx: Context, target: Target, connections: int, duration_s: int, body: str = "chat"
) -> WrkResult:
    """One fixed-duration wrk run against `target`, pinned to the load CPU."""
    headers = "\n".join(f"{k}: {v}" for k, v in target.system.headers.items())
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "benchmarks" / "wrk_post.lua"),
        target.url,
    ]
    env = {
        "BENCH_BODY_FILE": str(ctx.bodies[body]),
        "BENCH_HEADERS": headers,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    done = subprocess.run(
        pinned(ctx.settings.load_cpu, argv),
        capture_output=True,
        text=True,
        env=env,
        timeout=duration_s + 30,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}\n{done.stdout}")
    return parse_wrk(done.stdout)


def _wrk_scenario(connections: int, body: str = "chat") -> Callable[[Context, Target], Figures]:
    def run(ctx: Context, target: Target) -> Figures:
        run_wrk(ctx, target, connections, ctx.settings.warmup_s, body)
        pid = target.proc.pid if target.proc else None
        cpu_before = cpu_seconds(pid) if pid else 0.0
        result = run_wrk(ctx, target, connections, ctx.settings.duration_s, body)
        cpu_used = (cpu_seconds(pid) - cpu_before) if pid else None
        if result.errors > result.requests * 0.01:
            raise RuntimeError(
                f"{result.errors} errors in {result.requests} requests "
                f"({result.socket_errors} socket, {result.non_2xx} non-2xx): figures discarded"
            )
        per_request = None
        if cpu_used is not None and result.requests:
            per_request = cpu_used * 1e6 / result.requests
        return {
            "requests": float(result.requests),
            "rps": result.requests_per_sec,
            "p50_ms": result.p50_ms,
            "p90_ms": result.p90_ms,
            "p99_ms": result.p99_ms,
            "errors": float(result.errors),
            "cpu_us_per_req": per_request,
        }

    return run


def sse_interval_ms(upstream: str, settings: Settings) -> float:
    """The chunk spacing of an SSE upstream kind: "sse" is the settings' own, "sse_20ms" 20."""
    match = re.fullmatch(r"sse_(\d+)ms", upstream)
    return float(match.group(1)) if match else settings.stream_interval_ms


def _stream_scenario(
    streams: int | None = None,
    *,
    rounds: int | None = None,
    warmup_rounds: int = 1,
    processes: int = 1,
    timeout_s: float = 60.0,
) -> Callable[[Context, Target], Figures]:
    """N concurrent SSE streams on fresh connections, released at once (sse_client.py);
    `streams`/`rounds` default to the settings' (stream_500)."""

    def run(ctx: Context, target: Target) -> Figures:
        settings = ctx.settings
        count = streams or settings.streams
        argv = [
            sys.executable, "-m", "benchmarks.sse_client", "--url", target.url,
            "--streams", str(count), "--events", str(settings.stream_events),
            "--rounds", str(rounds or settings.stream_rounds),
            "--warmup-rounds", str(warmup_rounds), "--processes", str(processes),
            "--timeout", str(timeout_s),
            "--headers-json", json.dumps(dict(target.system.headers)),
        ]  # fmt: skip
        rounds_total = (rounds or settings.stream_rounds) + warmup_rounds
        idle_rss = peak_rss_mib(target.proc.pid, "VmRSS") if target.proc else None
        done = subprocess.run(
            pinned(settings.load_cpu, argv),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=rounds_total * (timeout_s + 90),
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"sse_client failed ({done.returncode}): {done.stderr[-2000:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
        figures: Figures = {
            key: (None if data.get(key) is None else float(data[key]))
            for key in (*_STREAM_KEYS, *_SHED_KEYS)
        }
        shed = figures["shed_503"]
        if shed is not None and figures["shed_503_retry_after"] is not None:
            figures["shed_no_retry_after"] = shed - figures["shed_503_retry_after"]
        peak = peak_rss_mib(target.proc.pid) if target.proc else None
        figures["peak_rss_mib"] = peak
        # What the streams added: peak minus the resident set of the idle, ready process.
        completed = figures["completed"] or 0.0
        if peak is not None and idle_rss is not None and completed:
            figures["rss_kib_per_stream"] = (peak - idle_rss) * 1024 / completed
        if data["errors"]:
            print(f"    {target.system.name}: stream errors {data['errors']}", flush=True)
        return figures

    return run


_STREAM_KEYS = ("streams", "completed", "failed", "ttfb_p50_ms", "ttfb_p99_ms", "stream_p99_ms")
_SHED_KEYS = (
    "shed_503", "shed_503_retry_after", "shed_503_p99_ms", "status_504", "status_other",
    "resets", "client_timeouts",
)  # fmt: skip

_WRK_FIGURES = (
    Figure("rps", "req/s", "higher", digits=0),
    Figure("p50_ms", "p50 ms", "lower", added=True),
    Figure("p99_ms", "p99 ms", "lower", added=True),
    Figure("cpu_us_per_req", "CPU µs/req", "lower", digits=0),
    Figure("errors", "errors", "lower", digits=0),
    Figure("other_load_pct", "other load %core", "lower", digits=0, compare=False),
)

_STREAM_FIGURES = (
    Figure("completed", "completed", "higher", digits=0),
    Figure("ttfb_p50_ms", "TTFB p50 ms", "lower"),
    Figure("ttfb_p99_ms", "TTFB p99 ms", "lower"),
    Figure("stream_p99_ms", "stream p99 ms", "lower"),
    Figure("peak_rss_mib", "peak RSS MiB", "lower", digits=1),
    Figure("other_load_pct", "other load %core", "lower", digits=0, compare=False),
)
_MANY_FIGURES = (
    Figure("completed", "completed", "higher", digits=0),
    Figure("shed_503", "503 (shed)", "lower", digits=0, compare=False),
    Figure("shed_503_retry_after", "503 with Retry-After", "higher", digits=0, compare=False),
    Figure("shed_503_p99_ms", "503 answered p99 ms", "lower", digits=0, compare=False),
    Figure("status_504", "504", "lower", digits=0, compare=False),
    Figure("status_other", "other status", "lower", digits=0, compare=False),
    Figure("resets", "resets", "lower", digits=0, compare=False),
    Figure("client_timeouts", "client timeouts", "lower", digits=0, compare=False),
    Figure("ttfb_p50_ms", "TTFB p50 ms", "lower", digits=0),
    Figure("ttfb_p99_ms", "TTFB p99 ms", "lower", digits=0),
    Figure("peak_rss_mib", "peak RSS MiB", "lower", digits=1),
    Figure("rss_kib_per_stream", "RSS KiB/stream (peak - idle)", "lower", digits=1),
    Figure("other_load_pct", "other load %core", "lower", digits=0, compare=False),
)
# The many-streams scenarios run on these only: the baselines, the gateway as configured for
# the default run (shipped limits but a provider pool of 1,000), and the gateway sized as
# docs/benchmarks.md "Sizing for many streams" advises.
MANY_STREAMS_SYSTEMS = ("direct", "floor", "gateway", "gateway-many-streams")

SCENARIOS: list[Scenario] = [
    Scenario(
        name="latency_c1",
        description="added latency: one connection, POST chat completion, fixed duration",
        upstream="nginx",
        figures=_WRK_FIGURES,
        run=_wrk_scenario(1),
    ),
    Scenario(
        name="throughput_c64",
        description="throughput and tail latency at 64 connections, CPU time per request",
        upstream="nginx",
        figures=_WRK_FIGURES,
        run=_wrk_scenario(64),
    ),
    Scenario(
        name="latency_c1_4k",
        description="added latency with a 4 KB chat request (issue 5: input_scan's cost)",
        upstream="nginx",
        figures=_WRK_FIGURES,
        run=_wrk_scenario(1, body="chat_4k"),
        default=False,
        # What it measures is input_scan's price: the scanning system beside the core.
        systems=("direct", "floor", "gateway", "gateway-input-scan"),
    ),
    Scenario(
        name="stream_500",
        description=(
            "500 concurrent SSE chat streams (20 events, 5 ms apart) released at once on fresh"
            " connections; one warm-up burst, then measured bursts pooled"
        ),
        upstream="sse",
        figures=_STREAM_FIGURES,
        run=_stream_scenario(),
    ),
    Scenario(
        name="stream_500_20ms",
        description=(
            "500 concurrent SSE chat streams (20 events, 20 ms apart: the streams overlap for"
            " 400 ms) released at once, each on a fresh connection; one warm-up burst, then"
            " measured bursts pooled (issue 15)"
        ),
        upstream="sse_20ms",
        figures=_STREAM_FIGURES,
        run=_stream_scenario(),
    ),
    *[
        Scenario(
            name=f"streams_{count}",
            description=(
                f"{count:,} concurrent SSE chat streams (20 events, 20 ms apart) through one"
                " worker, released at once on fresh connections, one burst (issue 15: what"
                " completes, what is shed and how, peak RSS per stream)"
            ),
            upstream="sse_20ms",
            figures=_MANY_FIGURES,
            run=_stream_scenario(
                count,
                rounds=1,
                warmup_rounds=0,
                processes=max(1, count // 2000),
                timeout_s=120.0,
            ),
            default=False,
            systems=MANY_STREAMS_SYSTEMS,
            group="streams_many",
        )
        for count in (1000, 2000, 4000, 8000)
    ],
]


def by_name(name: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in SCENARIOS)
    raise KeyError(f"unknown scenario {name!r}; known: {known}")


def select(names: list[str]) -> list[Scenario]:
    """The scenarios `--only` names: a scenario's own name, or a group's (streams_many)."""
    chosen: list[Scenario] = []
    for name in names:
        group = [s for s in SCENARIOS if s.group == name]
        chosen += group or [by_name(name)]
    return chosen
