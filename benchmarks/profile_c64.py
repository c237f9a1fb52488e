"""A py-spy profile of the real gateway under wrk at 64 connections, as text.

``core_overhead`` shows the gateway's own work in a sequential loop; this shows what one
worker does when it is saturated the way ``throughput_c64`` saturates it: the same config,
nginx upstream, request body and CPU pinning (gateway on CPU 0, nginx and wrk on CPU 1),
with py-spy sampling the worker while wrk runs. Take ``flock /work/bench.lock`` around it on
a shared machine, as for ``run.sh``.

    python -m benchmarks.profile_c64 [-c benchmarks/configs/core.toml] [--seconds 20]
        [--out benchmarks/results/<stamp>-profile-c64.txt]
    python -m benchmarks.profile_c64 --system gateway-full   # a system of systems.py

Needs py-spy (``pip install -e '.[profile]'``), wrk and nginx (``benchmarks/run.sh``
installs those).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from benchmarks import nginx_upstream
from benchmarks.core_overhead import system_environment
from benchmarks.payloads import BODIES
from benchmarks.procs import ProcessGroup, pinned, wait_http, wait_tcp
from benchmarks.profile_summary import render, summarise
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def profile(
    config: Path,
    seconds: float,
    top: int,
    keep: Path | None = None,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> str:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory(prefix="sluicegate-prof-") as tmp_name:
        tmp = Path(tmp_name)
        group = ProcessGroup(tmp)
        try:
            upstream_port, port, admin_port = free_port(), free_port(), free_port()
            nginx = group.start("nginx", nginx_upstream.command(tmp, upstream_port), cpu=1, cwd=tmp)
            wait_tcp(nginx, upstream_port)
            gateway = group.start(
                "gateway",
                [sys.executable, "-m", "proxy", "serve", "-c", str(config)],
                cpu=0,
                cwd=ROOT,
                env={
                    "BENCH_LISTEN": f"127.0.0.1:{port}",
                    "BENCH_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
                    "BENCH_UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}/v1",
                },
            )
            wait_http(gateway, f"http://127.0.0.1:{admin_port}/-/health")
            body = tmp / "body.json"
            body.write_bytes(orjson.dumps(BODIES["chat"]))
            url = f"http://127.0.0.1:{port}/v1/chat/completions"
            wrk_argv = ["wrk", "-t1", "-c64", f"-d{seconds + 4:.0f}s"]
            wrk_argv += ["-s", str(ROOT / "benchmarks/wrk_post.lua"), url]
            env = {**os.environ, "BENCH_BODY_FILE": str(body)}
            env["BENCH_HEADERS"] = "\n".join(f"{k.decode()}: {v.decode()}" for k, v in headers)
            wrk = subprocess.Popen(
                pinned(1, wrk_argv), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            time.sleep(2)  # past the warm-up: connections open, caches warm
            folded = tmp / "c64.folded"
            record = [py_spy, "record", "--gil", "-r", "250", "-f", "raw", "-o", str(folded)]
            subprocess.run(
                [*record, "--pid", str(gateway.pid), "-d", f"{seconds:.0f}"],
                check=True,
                capture_output=True,
            )
            out, _ = wrk.communicate(timeout=seconds + 30)
            summary = out.decode(errors="replace").splitlines()
            requests = next((line.strip() for line in summary if "Requests/sec" in line), "")
            samples, own, total = summarise(folded.read_text(), None)
            if keep is not None:
                shutil.copyfile(folded, keep)
        finally:
            group.close()
    head = f"profile: {config.relative_to(ROOT)} at c=64, {seconds:.0f} s of py-spy"
    head += f"; wrk: {requests}"
    return head + "\n" + render(samples, own, total, top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", type=Path, default=ROOT / "benchmarks/configs/core.toml")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--out", type=Path, help="also write the summary here")
    parser.add_argument("--folded", type=Path, help="keep py-spy's raw profile here")
    parser.add_argument(
        "--system",
        help="a system of benchmarks/systems.py instead of -c: its config, environment, "
        "request headers and (if it needs one) a redis-server of its own, e.g. gateway-full",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        config, headers = args.config.resolve(), []
        if args.system:
            config, headers = stack.enter_context(system_environment(args.system))
        text = profile(config.resolve(), args.seconds, args.top, args.folded, headers)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
