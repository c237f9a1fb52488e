"""The benchmark driver behind benchmarks/run.sh.

For each scenario, each system under test is started fresh (so CPU and peak-RSS figures
are its own), pinned to the SUT CPU, loaded by a generator pinned to the load CPU, and
stopped. The upstreams (nginx, the SSE server) and any service a system needs (redis)
start once per run. Everything started is stopped when the run ends, fails or is
interrupted. Run from the repository root: `python -m benchmarks.harness --help`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import FrameType

import orjson

from benchmarks import report, scenarios, systems, targets
from benchmarks.nginx_upstream import command as nginx_command
from benchmarks.payloads import BODIES
from benchmarks.procs import Interference, ProcessGroup, wait_http, wait_tcp
from benchmarks.scenarios import Context, Figures, Scenario, Settings, Target
from benchmarks.stats import median_figures
from benchmarks.systems import ROOT, System
from tests.fixtures.ports import free_port


class Upstreams:
    """The upstream processes and services of one run, started on first use."""

    def __init__(self, group: ProcessGroup, tmp: Path, settings: Settings) -> None:
        self.group = group
        self.tmp = tmp
        self.settings = settings
        self.ports: dict[str, int] = {}

    def port(self, kind: str) -> int:
        if kind not in self.ports:
            if kind.startswith("sse"):  # "sse", "sse_20ms": one SSE server per chunk spacing
                self.ports[kind] = self._start_sse(scenarios.sse_interval_ms(kind, self.settings))
            else:
                self.ports[kind] = getattr(self, f"_start_{kind}")()
        return self.ports[kind]

    def _start_nginx(self) -> int:
        port = free_port()
        nginx_tmp = self.tmp / "nginx"
        nginx_tmp.mkdir()
        proc = self.group.start("nginx", nginx_command(nginx_tmp, port), cpu=self.settings.load_cpu)
        wait_http(proc, f"http://127.0.0.1:{port}/v1/models", expect=200)
        return port

    def _start_sse(self, interval_ms: float) -> int:
        port = free_port()
        argv = [
            sys.executable, "-m", "benchmarks.sse_upstream", "--port", str(port),
            "--chunks", str(self.settings.stream_events), "--interval-ms", str(interval_ms),
        ]  # fmt: skip
        name = f"sse_upstream_{interval_ms:g}ms"
        proc = self.group.start(name, argv, cpu=self.settings.load_cpu, cwd=ROOT)
        wait_http(proc, f"http://127.0.0.1:{port}/v1/models", expect=200)
        return port

    def _start_redis(self) -> int:
        port = free_port()
        argv = [
            "redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "no", "--dir", str(self.tmp),
        ]  # fmt: skip
        proc = self.group.start("redis", argv, cpu=self.settings.load_cpu)
        wait_tcp(proc, port)
        return port


def start_system(
    system: System, scenario: Scenario, upstreams: Upstreams, group: ProcessGroup, tmp: Path
) -> Target:
    """Start `system` against the scenario's upstream and wait until it is ready."""
    upstream_port = upstreams.port(scenario.upstream)
    if system.kind == "direct":
        return Target(system, upstream_port, None)
    port, admin_port = free_port(), free_port()
    values = {
        "python": sys.executable,
        "root": str(ROOT),
        "port": str(port),
        "admin_port": str(admin_port),
        "upstream_origin": f"http://127.0.0.1:{upstream_port}",
        "upstream_url": f"http://127.0.0.1:{upstream_port}/v1",
        "tmp": str(tmp),
    }
    if "redis" in system.needs:
        values["redis_url"] = f"redis://127.0.0.1:{upstreams.port('redis')}/0"
    argv = [part.format(**values) for part in system.argv]
    env = {key: value.format(**values) for key, value in system.env.items()}
    proc = group.start(
        f"{system.name}-{scenario.name}", argv, cpu=upstreams.settings.sut_cpu, env=env, cwd=ROOT
    )
    if system.ready == "admin":
        wait_http(proc, f"http://127.0.0.1:{admin_port}/-/ready", expect=200)
    else:
        wait_tcp(proc, port)
    return Target(system, port, proc)


def measure(
    system: System,
    scenario: Scenario,
    ctx: Context,
    upstreams: Upstreams,
    group: ProcessGroup,
    failures: list[str],
) -> Figures | None:
    """Start `system` fresh, run `scenario` on it, stop it. A failure is recorded, not raised:
    one broken system must not cost the figures of the others."""
    target = None
    try:
        target = start_system(system, scenario, upstreams, group, ctx.tmp)
        interference = Interference(group)
        interference.start()
        figures = scenario.run(ctx, target)
        other = interference.foreign_core_pct()
        figures["other_load_pct"] = other
        if other > report.OTHER_LOAD_WARN_PCT:
            print(
                f"  ! other processes used {other:.0f}% of a core during "
                f"{system.name}: this figure is disturbed",
                flush=True,
            )
        return figures
    except (RuntimeError, OSError, ValueError) as exc:
        failures.append(f"{scenario.name}/{system.name}: {exc}")
        print(f"  ! {system.name} failed: {exc}", flush=True)
        return None
    finally:
        if target is not None and target.proc is not None:
            group.stop(target.proc)


def gateway_missing() -> str | None:
    """Why the gateway cannot run yet, or None. Lets the harness run on baselines alone."""
    if not (ROOT / "proxy" / "cli.py").exists():
        return "proxy/cli.py does not exist yet"
    return None


def choose_systems(args: argparse.Namespace) -> list[System]:
    if args.systems:
        chosen = [systems.by_name(n) for n in args.systems.split(",")]
    else:
        chosen = [s for s in systems.SYSTEMS if s.default or args.all]
    chosen += [systems.from_config(Path(p)) for p in args.config]
    baselines = [s for s in systems.SYSTEMS if s.baseline]
    ordered = baselines + [s for s in chosen if not s.baseline]
    missing = gateway_missing()
    if missing:
        skipped = [s.name for s in ordered if s.ready == "admin"]
        if skipped:
            print(f"! skipping {', '.join(skipped)}: {missing}", flush=True)
        ordered = [s for s in ordered if s.ready != "admin"]
    return ordered


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.sh", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short durations: a smoke run")
    parser.add_argument(
        "--all", action="store_true", help="every system and scenario, opt-in ones included"
    )
    parser.add_argument(
        "--only", action="append", default=[], help="scenario name(s), comma-separated"
    )
    parser.add_argument(
        "--systems", default="", help="systems to compare (comma-separated; baselines always run)"
    )
    parser.add_argument(
        "--config", action="append", default=[], help="extra gateway config to compare (repeatable)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved rounds per scenario; medians reported"
    )
    parser.add_argument("--out", type=Path, default=None, help="results dir")
    parser.add_argument("--list", action="store_true", help="list systems and scenarios, then exit")
    return parser.parse_args(argv)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _raise_fd_limit() -> None:
    """500 client + 500 upstream sockets in one proxy need more than the usual 1024 fds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def run(args: argparse.Namespace) -> int:
    settings = scenarios.QUICK if args.quick else scenarios.FULL
    if (os.cpu_count() or 1) < 2:
        print("! fewer than 2 CPUs: running unpinned; figures are not comparable", flush=True)
        settings = replace(settings, load_cpu=None, sut_cpu=None)
    names = [n for item in args.only for n in item.split(",") if n]
    chosen_scenarios = scenarios.select(names) or [
        s for s in scenarios.SCENARIOS if s.default or args.all
    ]
    chosen_systems = choose_systems(args)
    out_dir = args.out or (ROOT / "benchmarks" / "results" / ("tmp" if args.quick else ""))
    stamp = datetime.now().astimezone()
    _raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="sluicegate-bench-"))
    group = ProcessGroup(tmp)
    upstreams = Upstreams(group, tmp, settings)
    bodies = {name: tmp / f"{name}.json" for name in BODIES}
    for name, path in bodies.items():
        path.write_bytes(orjson.dumps(BODIES[name]))
    ctx = Context(settings, tmp, bodies)
    failures: list[str] = []
    all_results: dict[str, dict[str, Figures]] = {}
    grids: list[tuple[list[list[str]], str | None]] = []
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        for scenario in chosen_scenarios:
            print(f"== {scenario.name}: {scenario.description}", flush=True)
            running = [
                s for s in chosen_systems if scenario.systems is None or s.name in scenario.systems
            ]
            if scenario.systems is not None:
                # A scenario that names its systems gets them even when the run did not
                # choose them (e.g. gateway-many-streams, which nothing else runs).
                running += [
                    systems.by_name(n)
                    for n in scenario.systems
                    if n not in {s.name for s in running}
                ]
            rounds: dict[str, list[Figures]] = {s.name: [] for s in running}
            for repeat in range(args.repeat):
                for system in running:
                    label = f" (round {repeat + 1}/{args.repeat})" if args.repeat > 1 else ""
                    print(f"  - {system.name}{label} …", flush=True)
                    figures = measure(system, scenario, ctx, upstreams, group, failures)
                    if figures is not None:
                        rounds[system.name].append(figures)
            results = {name: median_figures(r) for name, r in rounds.items() if r}
            all_results[scenario.name] = results
            grid = report.table(scenario, running, results)
            warning = report.disturbance(results)
            grids.append((grid, warning))
            print(report.render_text(grid), flush=True)
            if warning:
                print("  ! " + warning.replace("**", ""), flush=True)
            paths = report.write(
                out_dir, stamp, scenario, running, results, settings, args.quick, rounds
            )
            print("  -> " + ", ".join(_shown(path) for path in paths), flush=True)
        verdicts = targets.check_all(all_results)
        print("\n== targets (same-run comparisons)\n" + targets.render(verdicts), flush=True)
        summary = report.write_summary(out_dir, stamp, grids, verdicts, failures, args.quick)
        print(f"  -> {_shown(summary)}", flush=True)
    finally:
        group.close()
    if failures:
        print(f"\n{len(failures)} failure(s); logs kept in {tmp}", flush=True)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for system in systems.SYSTEMS:
            flag = "baseline" if system.baseline else ("default" if system.default else "opt-in")
            print(f"system   {system.name:<20} {flag:<8} {system.description}")
        for scenario in scenarios.SCENARIOS:
            flag = "default" if scenario.default else "opt-in"
            print(f"scenario {scenario.name:<20} {flag:<8} {scenario.description}")
        return 0
    try:
        return run(args)
    except KeyboardInterrupt as exc:
        print(f"\ninterrupted ({exc}); everything started was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
