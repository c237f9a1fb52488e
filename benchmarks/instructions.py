"""Instructions per request under valgrind: an A/B of two trees that a busy machine cannot move.

On the shared 2-core machine ``benchmarks.ab`` (process CPU time) swings ±20 % between runs,
more than most single cuts move the chain (a few µs of ~200). The number of instructions the
process executes does not depend on who else is running: this runs the same in-process
gateway as ``ab`` (the real ``Gateway``, the upstream answering at once, ``-c`` requests in
flight, the server's collector settings from ``proxy.server.settle_heap``) under valgrind's
callgrind, counts only the ``-n`` measured requests (instrumentation is switched on after the
warm-up and off before shutdown, with ``callgrind_control``), and prints instructions per
request for ``--base`` and this tree. Two runs of one tree agree to within 1 %; on this
machine ~3,000-3,500 instructions are one µs of CPU (a ratio, not a clock).

    python -m benchmarks.instructions [--base main] [--system gateway-full] [-n 256] [-c 64]
        [--without input_scan] [--plugin-span-min 0s] [--upstream nginx]

Under valgrind everything runs ~50x slower, so every plugin hook outlasts the tracing
plugin's ``plugin_span_min`` and gets a span; ``--plugin-span-min`` sets it for both trees
(default ``0s``: every hook spanned, the same in every run; a native run under load spans
only the hooks that waited, such as ``rate_limit``'s). A system without ``tracing`` is left
as it is. ``--upstream nginx`` (as in ``ab``) keeps the real aiohttp client, sending to a
local nginx: aiohttp's instructions are counted too (not the kernel's, nor nginx's). Needs
valgrind (``apt-get install valgrind``); one tree takes ~1-2 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_COLLECTED = re.compile(r"Collected : (\d+)")
_TRACING = 'use = "tracing"'
# This tree's ``ab`` (its upstream options), whichever tree a worker has on its path.
_AB = runpy.run_path(str(Path(__file__).with_name("ab.py")))


def configured(config: Path, without: list[str], span_min: str, folder: Path) -> Path:
    """A copy of ``config`` without ``without``, its tracing entry's span threshold set."""
    from benchmarks.ab import _without

    copy = _without(config, without, folder)
    policy = next((copy.parent / "policies").glob("*.toml"))
    text = policy.read_text()
    if _TRACING in text:
        text = text.replace(_TRACING, f'{_TRACING}\nplugin_span_min = "{span_min}"', 1)
        policy.write_text(text)
    return copy


def _wait_for(path: Path, process: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(36_000):  # an hour at most: valgrind is slow, not stuck
        if path.exists():
            return
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}) before {path.name}")
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting for {path}")


def worker(args: argparse.Namespace) -> None:
    """In the valgrind process, with ``--worker`` (a tree) first on the path: warm up, say
    ready, run the measured requests between the controller's go and end."""
    sys.path.insert(0, args.worker)
    import orjson

    from benchmarks.ab import run_concurrent
    from benchmarks.core_overhead import built, system_environment
    from benchmarks.payloads import BODIES
    from proxy.server import settle_heap

    sync = Path(args.sync)
    body = orjson.dumps(BODIES["chat"])

    async def measure(config: Path, headers: list[tuple[bytes, bytes]]) -> None:
        async with built(config, body, headers) as gateway:
            settle_heap()
            await run_concurrent(gateway, body, 2 * args.clients, headers, args.clients)
            (sync / "ready").touch()
            _wait_for(sync / "go")  # the loop blocked: nothing else should run meanwhile
            await run_concurrent(gateway, body, args.count, headers, args.clients)
            (sync / "done").touch()
            _wait_for(sync / "end")

    with (
        system_environment(args.system) as (default, headers),
        tempfile.TemporaryDirectory() as tmp,
    ):
        _AB["real_upstream"](args.upstream_url)
        config = configured(default, args.without, args.plugin_span_min, Path(tmp) / "config")
        asyncio.run(measure(config, headers))


def count(tree: Path, args: argparse.Namespace) -> float:
    """Instructions per request of ``tree``: one valgrind run of the worker."""
    control = shutil.which("callgrind_control")
    if shutil.which("valgrind") is None or control is None:
        raise SystemExit("needs valgrind: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="sluicegate-instr-") as tmp:
        sync = Path(tmp)
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={sync / 'callgrind.out'}",
                sys.executable, str(Path(__file__).resolve()), "--worker", str(tree),
                "--sync", str(sync), "--system", args.system, "-n", str(args.count),
                "-c", str(args.clients), "--plugin-span-min", args.plugin_span_min,
                *(f"--without={plugin}" for plugin in args.without),
                *(["--upstream-url", args.upstream_url] if args.upstream_url else [])]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)}
        log = (sync / "valgrind.log").open("wb")
        process = subprocess.Popen(argv, cwd=tree, env=env, stdout=log, stderr=log)
        try:
            _wait_for(sync / "ready", process)
            subprocess.run([control, "-i", "on", str(process.pid)], check=True,
                           capture_output=True)  # fmt: skip
            (sync / "go").touch()
            _wait_for(sync / "done", process)
            subprocess.run([control, "-i", "off", str(process.pid)], check=True,
                           capture_output=True)  # fmt: skip
            (sync / "end").touch()
            process.wait(timeout=600)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
        found = _COLLECTED.search((sync / "valgrind.log").read_text(errors="replace"))
        if found is None:
            raise SystemExit(f"{tree}: valgrind reported no instruction count")
        return int(found.group(1)) / int(args.count)


def main() -> None:
    from benchmarks.ab import extract, tree_options

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tree_options(parser, 256)
    _AB["upstream_options"](parser)
    parser.add_argument("--plugin-span-min", default="0s", help="tracing's plugin_span_min")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sync", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    with (
        tempfile.TemporaryDirectory(prefix="sluicegate-instr-base-") as tmp,
        _AB["nginx_upstream"](args.upstream) as args.upstream_url,
    ):
        base = Path(tmp)
        extract(args.base, base)
        old = count(base, args)
        new = count(ROOT, args)
    label = args.system + "".join(f" without {plugin}" for plugin in args.without)
    label += ", aiohttp to nginx" if args.upstream == "nginx" else ""
    print(f"{label}, c={args.clients}, {args.count} requests, plugin_span_min "
          f"{args.plugin_span_min}: instructions per request (valgrind)")  # fmt: skip
    print(f"old ({args.base}): {old:,.0f}")
    print(f"new (this tree): {new:,.0f}")
    print(f"new/old: {new / old:.3f}  ({new - old:+,.0f})")


if __name__ == "__main__":
    main()
