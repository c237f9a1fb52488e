"""Socket A/B: gateway configs and source trees side by side under wrk, rounds interleaved.

``benchmarks.ab`` compares two trees in process, where the stack under the gateway (Hypercorn,
h11, aiohttp, the kernel's sockets) is not measured; ``run.sh`` measures through sockets but
one system after another, minutes apart, and this VM's neighbours move a system by up to 1.5x
between such runs. This runs several variants (a config in a tree: this checkout, a git
revision or a directory) through the real socket path — gateway pinned to CPU 0, nginx and
``wrk -t1 -c64`` on CPU 1, as ``throughput_c64`` — one after another within each round, so
that every round compares them under the same load, and prints per run what the worker spent
per request, read from ``/proc/<pid>``: CPU µs, minor page faults, voluntary and involuntary
context switches, and what other processes used meanwhile (% of a core).

    python -m benchmarks.socket_ab --run core=benchmarks/configs/core.toml \\
        --run scan=benchmarks/configs/input_scan.toml [--run old=benchmarks/configs/core.toml@main]
        [--rounds 3] [--seconds 8] [--warmup 2] [-c 64] [--body chat] [--strace]
        [--cachesim [--cachesim-each 8] [--keep DIR]]

``NAME=CONFIG`` reads CONFIG from this checkout; ``NAME=CONFIG@REV`` from git revision REV of
it (extracted once), ``NAME=CONFIG@/some/dir`` from another tree; ``NAME=system:gateway-full``
runs a system of ``benchmarks/systems.py`` with its environment, request headers and (when it
needs one) a redis-server of its own, ``NAME=system:gateway-full~input_scan`` the same without
that plugin; a system that is a command rather than a gateway config (``system:floor``,
``system:floor-granian-rsgi``) runs that command, ready when its port accepts. CONFIG may also be an
absolute path (a one-off config beside its ``policies/``), run with the variant's tree.
``--strace`` adds, after the rounds, one short ``strace -c -f`` run per variant: syscalls per
request (strace slows the worker, so those runs give no CPU figure). ``--cachesim`` adds one
run per variant under callgrind with this machine's L1 and L2 simulated: instructions and
cache misses per request, figures a busy machine cannot move (``--rounds 0`` for only
those; ``--keep`` keeps the profiles for ``callgrind_annotate``). Take
``flock /work/bench.lock`` around it on a shared machine, and quote per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import orjson

from benchmarks import nginx_upstream
from benchmarks.ab import _without, extract
from benchmarks.core_overhead import system_environment
from benchmarks.payloads import BODIES
from benchmarks.procs import Interference, ProcessGroup, Started, pinned, wait_http, wait_tcp
from benchmarks.stats import parse_wrk
from benchmarks.systems import by_name
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
_FINE = ("minflt", "vol_cs", "invol_cs")
_CALLGRIND_SUMMARY = re.compile(r"^==\d+== (\w[\w ]*?\w)\s*:\s+([\d,]+)", re.MULTILINE)
# valgrind's summary lines at exit, and the per-request names printed for them.
_CALLGRIND_EVENTS = (("I refs", "instr"), ("I1 misses", "i1_miss"), ("LLi misses", "lli_miss"),
                     ("D refs", "data"), ("D1 misses", "d1_miss"), ("LLd misses", "lld_miss"),
                     ("LL misses", "ll_miss"))  # fmt: skip
_STRACE_TOTAL = re.compile(r"^100\.00\s+\S+\s+\S+\s+(\d+)\s+(?:\d+\s+)?total$", re.MULTILINE)
_STRACE_ROW = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", re.MULTILINE)


@dataclass(frozen=True)
class Variant:
    name: str
    tree: Path
    config: Path | None  # None: a floor system, run as its command
    system: str | None = None  # a system of benchmarks/systems.py: its env, headers, redis
    without: tuple[str, ...] = ()  # plugins left out of the system's policy
    headers: tuple[tuple[str, str], ...] = ()
    command: tuple[str, ...] = ()  # a floor system's argv, placeholders unfilled


@dataclass(frozen=True)
class Counters:
    """What /proc says the worker spent so far."""

    cpu: float  # seconds, user + system
    minflt: int
    voluntary: int
    involuntary: int

    @classmethod
    def of(cls, pid: int) -> Counters:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
        switches = dict(re.findall(r"^(\w+_ctxt_switches):\s+(\d+)$", status, re.MULTILINE))
        return cls(
            (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"),
            int(fields[7]),
            int(switches["voluntary_ctxt_switches"]),
            int(switches["nonvoluntary_ctxt_switches"]),
        )

    @classmethod
    def of_self(cls) -> Counters:
        return cls.of(os.getpid())


def parse_variant(spec: str, trees: dict[str, Path], tmp: Path) -> Variant:
    name, sep, rest = spec.partition("=")
    if not sep or not name or not rest:
        raise SystemExit(f"--run {spec!r}: expected NAME=CONFIG[@REV|@DIR] or NAME=system:SYSTEM")
    config, _, where = rest.partition("@")
    system = config.removeprefix("system:") if config.startswith("system:") else None
    without: tuple[str, ...] = ()
    if system is not None:
        system, *left_out = system.split("~")
        without = tuple(left_out)
        argv = by_name(system).argv
        if "-c" not in argv:
            if without or where:
                raise SystemExit(f"--run {spec!r}: {system} is a command, not a gateway config")
            return Variant(name, ROOT, None, system, command=argv)
        config = str(Path(argv[argv.index("-c") + 1]).relative_to(ROOT))
    tree = ROOT
    if where:
        if Path(where).is_dir():
            tree = Path(where).resolve()
        elif where not in trees:
            folder = tmp / f"tree-{len(trees)}"
            folder.mkdir()
            extract(where, folder)
            trees[where] = folder
            tree = folder
        else:
            tree = trees[where]
    path = Path(config) if Path(config).is_absolute() else tree / config
    if not path.is_file():
        raise SystemExit(f"--run {spec!r}: no config at {path}")
    return Variant(name, tree, path, system, without)


def _python_path() -> list[str]:
    """The caller's PYTHONPATH, after the variant's tree (e.g. a bisect plugin's folder)."""
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


@contextlib.contextmanager
def gateway(
    group: ProcessGroup, variant: Variant, upstream: int, prefix: Sequence[str] = ()
) -> Iterator[tuple[Started, str]]:
    port, admin = free_port(), free_port()
    if variant.config is None:
        values = {"python": sys.executable, "root": str(ROOT), "port": str(port),
                  "upstream_origin": f"http://127.0.0.1:{upstream}"}  # fmt: skip
        argv = [*prefix, *(arg.format(**values) for arg in variant.command)]
        proc = group.start(f"floor-{variant.name}", argv, cpu=0, cwd=ROOT,
                           env={"PYTHONHASHSEED": "0"})  # fmt: skip
        try:
            wait_tcp(proc, port, timeout=600 if prefix else 30)
            yield proc, f"http://127.0.0.1:{port}/v1/chat/completions"
        finally:
            group.stop(proc)
        return
    env = {
        "BENCH_LISTEN": f"127.0.0.1:{port}",
        "BENCH_ADMIN_LISTEN": f"127.0.0.1:{admin}",
        "BENCH_UPSTREAM_URL": f"http://127.0.0.1:{upstream}/v1",
        "PYTHONPATH": os.pathsep.join([str(variant.tree), *_python_path()]),
        "PYTHONHASHSEED": "0",
    }
    argv = [*prefix, sys.executable, "-m", "proxy", "serve", "-c", str(variant.config)]
    proc = group.start(f"gw-{variant.name}", argv, cpu=0, cwd=variant.tree, env=env)
    try:
        wait_http(proc, f"http://127.0.0.1:{admin}/-/health", timeout=600 if prefix else 30)
        yield proc, f"http://127.0.0.1:{port}/v1/chat/completions"
    finally:
        group.stop(proc)


def wrk(url: str, seconds: float, clients: int, env: dict[str, str], timeout: int = 2) -> str:
    argv = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", f"--timeout={timeout}s", "-s",
            str(ROOT / "benchmarks" / "wrk_post.lua"), url]  # fmt: skip
    done = subprocess.run(pinned(1, argv), env=env, capture_output=True, text=True, check=True)
    return done.stdout


def measure(group: ProcessGroup, variant: Variant, upstream: int, args: argparse.Namespace,
            env: dict[str, str]) -> dict[str, float]:  # fmt: skip
    env = {**env, "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in variant.headers)}
    with gateway(group, variant, upstream) as (proc, url):
        wrk(url, args.warmup, args.clients, env)
        other = Interference(group)
        before = Counters.of(proc.pid)
        other.start()
        result = parse_wrk(wrk(url, args.seconds, args.clients, env))
        after = Counters.of(proc.pid)
        foreign = other.foreign_core_pct()
    if result.errors or not result.requests:
        raise SystemExit(f"{variant.name}: {result.errors} errors in {result.requests} requests")
    n = result.requests
    return {
        "cpu_us": (after.cpu - before.cpu) / n * 1e6,
        "req_s": n / result.duration_s,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "minflt": (after.minflt - before.minflt) / n,
        "vol_cs": (after.voluntary - before.voluntary) / n,
        "invol_cs": (after.involuntary - before.involuntary) / n,
        "other_pct": foreign,
    }


def syscalls(group: ProcessGroup, variant: Variant, upstream: int, args: argparse.Namespace,
             env: dict[str, str]) -> str:  # fmt: skip
    """One run under ``strace -c -f``: syscalls per request, the top ten by count."""
    env = {**env, "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in variant.headers)}
    with gateway(group, variant, upstream) as (proc, url):
        wrk(url, args.warmup, args.clients, env)
        out = group.log_dir / f"strace-{variant.name}.txt"
        tracer = subprocess.Popen(["strace", "-c", "-f", "-o", str(out), "-p", str(proc.pid)],
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(0.5)
        result = parse_wrk(wrk(url, args.seconds, args.clients, env))
        tracer.send_signal(signal.SIGINT)
        tracer.wait(10)
    text = out.read_text()
    n = max(result.requests, 1)
    total = _STRACE_TOTAL.search(text)
    rows = sorted(((int(c), name) for c, name in _STRACE_ROW.findall(text) if name != "total"),
                  reverse=True)  # fmt: skip
    top = ", ".join(f"{name} {count / n:.2f}" for count, name in rows[:10])
    per = int(total.group(1)) / n if total else float("nan")
    return f"{variant.name:12} {per:6.2f} syscalls/req ({n} requests): {top}"


def cachesim(group: ProcessGroup, variant: Variant, upstream: int, args: argparse.Namespace,
             env: dict[str, str]) -> dict[str, float]:  # fmt: skip
    """One run of the worker under callgrind with this machine's caches simulated (L1 32 KiB,
    and the core's own 1 MiB L2 as the last level): instructions and misses per request over
    ``--cachesim-each`` requests on each of ``-c`` connections after a warm-up, the window
    opened and closed with the gateway idle, so no request is counted in part. Deterministic
    where CPU time is not, so a difference in work (instructions) can be told from one in how
    it ran (misses); the kernel's share is not simulated."""
    control = shutil.which("callgrind_control")
    if shutil.which("valgrind") is None or control is None:
        raise SystemExit("--cachesim needs valgrind: apt-get install valgrind")
    out = group.log_dir / f"callgrind-{variant.name}.out"
    prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes",
              "--I1=32768,8,64", "--D1=32768,8,64", "--LL=1048576,8,64",
              f"--callgrind-out-file={out}"]  # fmt: skip
    body = orjson.dumps(BODIES[args.body])
    if variant.config is not None:
        variant = replace(
            variant, config=_patient(variant.config, group.log_dir / f"cg-{variant.name}")
        )
    with gateway(group, variant, upstream, prefix) as (proc, url):
        port = int(url.split(":")[2].split("/")[0])
        # Warm-up; under valgrind a cold pool's first connects may be shed (503).
        asyncio.run(drive(port, body, args.clients, 3, variant.headers))
        subprocess.run([control, "-i", "on", str(proc.pid)], check=True, capture_output=True)
        failed = asyncio.run(drive(port, body, args.clients, args.cachesim_each, variant.headers))
        subprocess.run([control, "-i", "off", str(proc.pid)], check=True, capture_output=True)
        served = args.clients * args.cachesim_each
        log = proc.log
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, args.keep / out.name)
        shutil.copyfile(log, args.keep / f"{out.stem}.log")
    if failed > served // 50:  # a few shed when valgrind's loop lags: counted, shown
        raise SystemExit(f"{variant.name}: {failed} answers were not 200 under valgrind")
    summary = _CALLGRIND_SUMMARY.findall(log.read_text(errors="replace"))
    totals = {" ".join(label.split()): int(value.replace(",", "")) for label, value in summary}
    n = max(served, 1)
    figures = {"requests": float(served), "not_200": float(failed)}
    for label, key in _CALLGRIND_EVENTS:
        figures[key] = totals.get(label, 0) / n
    return figures


def _patient(config: Path, folder: Path) -> Path:
    """A copy of ``config`` (beside a copy of its policies) whose ``bench`` provider waits 60 s
    to connect: under valgrind the loop is ~100x slower, and a connect it finishes late would
    be shed as busy (503), which is not the work being counted."""
    folder.mkdir(parents=True)
    shutil.copytree(config.parent / "policies", folder / "policies")
    text = config.read_text()
    if "[upstreams.bench.timeouts]" not in text:
        text += "\n[upstreams.bench.timeouts]\nconnect = 60\n"
    (folder / config.name).write_text(text)
    return folder / config.name


async def drive(
    port: int, body: bytes, clients: int, each: int, headers: Sequence[tuple[str, str]] = ()
) -> int:
    """``clients`` connections, each sending ``each`` requests one after another (wrk's
    closed loop with an exact count, so a measured window holds only whole requests); the
    number of answers that were not 200."""
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n")  # fmt: skip
    request = head.encode() + body

    async def client() -> int:
        failed = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(each):
                writer.write(request)
                status, _, rest = (await reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", rest)
                if length is None:
                    raise SystemExit(f"an answer without Content-Length: {status!r} {rest!r}")
                await reader.readexactly(int(length.group(1)))
                failed += not status.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()
            await writer.wait_closed()
        return failed

    return sum(await asyncio.gather(*(client() for _ in range(clients))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--run",
        action="append",
        required=True,
        help="NAME=CONFIG[@REV|@DIR] or NAME=system:SYSTEM[@REV|@DIR]",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("-c", "--clients", type=int, default=64)
    parser.add_argument("--body", default="chat", help="request body (benchmarks/payloads.py)")
    parser.add_argument("--strace", action="store_true", help="also count syscalls per request")
    parser.add_argument(
        "--cachesim",
        action="store_true",
        help="also one run per variant under callgrind with the caches simulated",
    )
    parser.add_argument(
        "--cachesim-each",
        type=int,
        default=8,
        help="requests per connection in the measured --cachesim window",
    )
    parser.add_argument("--keep", type=Path, help="keep the callgrind profiles in this folder")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sluicegate-sab-") as tmp_name,
        contextlib.ExitStack() as systems,
    ):
        tmp = Path(tmp_name)
        trees: dict[str, Path] = {}
        variants = [parse_variant(spec, trees, tmp) for spec in args.run]
        for i, variant in enumerate(variants):
            if variant.system is not None and variant.config is not None:
                # its environment (and redis) for the whole run
                _, raw = systems.enter_context(system_environment(variant.system))
                headers = tuple((k.decode(), v.decode()) for k, v in raw)
                config = variant.config
                if variant.without:
                    config = _without(config, list(variant.without), tmp / f"config-{i}")
                variants[i] = replace(variant, config=config, headers=headers)
        body = tmp / "body.json"
        body.write_bytes(orjson.dumps(BODIES[args.body]))
        env = {**os.environ, "BENCH_BODY_FILE": str(body), "BENCH_HEADERS": ""}
        group = ProcessGroup(tmp)
        try:
            upstream = free_port()
            nginx = group.start("nginx", nginx_upstream.command(tmp, upstream), cpu=1, cwd=tmp)
            wait_tcp(nginx, upstream)
            table: dict[str, list[dict[str, float]]] = {v.name: [] for v in variants}
            for round_no in range(1, args.rounds + 1):
                for variant in variants:
                    figures = measure(group, variant, upstream, args, env)
                    table[variant.name].append(figures)
                    print(f"round {round_no} {variant.name:12} " + "  ".join(
                        f"{key} {value:.3f}" if key in _FINE else f"{key} {value:.1f}"
                        for key, value in figures.items()), flush=True)  # fmt: skip
            first = variants[0].name
            for variant in variants[1:] if args.rounds else ():
                pairs = zip(table[first], table[variant.name], strict=True)
                ratios = [b["cpu_us"] / a["cpu_us"] for a, b in pairs]
                print(f"CPU per request {variant.name}/{first} by round: "
                      + " ".join(f"{r:.2f}" for r in ratios), flush=True)  # fmt: skip
            if args.strace:
                for variant in variants:
                    print(syscalls(group, variant, upstream, args, env), flush=True)
            if args.cachesim:
                for variant in variants:
                    figures = cachesim(group, variant, upstream, args, env)
                    shown = "  ".join(f"{key} {value:,.0f}" for key, value in figures.items())
                    print(f"cachesim {variant.name:12} {shown}", flush=True)
        finally:
            group.close()


if __name__ == "__main__":
    main()
