"""A/B of two source trees in process: the gateway's CPU per request, old against new.

On a shared machine one run of ``core_overhead`` swings more than most single changes move
it. This runs the same in-process measurement (``core_overhead``: the real ``Gateway``, the
upstream answering at once, the process's CPU time) in two trees — ``--base`` (a git revision,
extracted to a temporary directory) and this checkout — alternating them for ``--rounds``
rounds, each run a fresh process, and keeps the best run of each: the least disturbed.

    python -m benchmarks.ab [--base main] [--system gateway-full] [-c 64] [-n 12800]
        [--rounds 5] [--without input_scan] [--body chat_4k] [--upstream nginx]

``-c`` runs that many requests at once (``-c 64`` is what ``throughput_c64`` loads a worker
with; ``-c 1`` the sequential loop of ``core_overhead``); ``--without PLUGIN`` leaves a plugin
out of the system's policy in both trees (e.g. to measure the rest of the chain).
``--upstream nginx`` keeps the providers' real client (aiohttp) and points it at an nginx
this run starts, answering what ``core_overhead``'s fixed upstream answers: the figure then
includes aiohttp's per-request work (~40 % of a worker under Granian), which the default
in-process upstream leaves out, and the socket calls — not the server's side of them.
A system that needs redis gets a redis-server of its own per run. Quote the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_RESULT = re.compile(r"^ab-result ([\d.]+)$", re.MULTILINE)


def _without(config: Path, plugins: list[str], folder: Path) -> Path:
    """A copy of ``config`` whose policy leaves ``plugins`` out."""
    from benchmarks.chain_cost import plugin_blocks

    policy = next(
        p
        for p in sorted((config.parent / "policies").glob("*.toml"))
        if f'policy = "{p.stem}"' in config.read_text()
    )
    head, entries = plugin_blocks(policy.read_text())
    (folder / "policies").mkdir(parents=True)
    shutil.copy(config, folder / config.name)
    kept = "".join(text for use, text in entries if use not in plugins)
    (folder / "policies" / policy.name).write_text(head + kept)
    return folder / config.name


async def run_concurrent(
    gateway: Any, body: bytes, count: int, headers: Any, clients: int
) -> float:
    """CPU µs per request with ``clients`` requests in flight at all times (here, not in
    ``core_overhead``, so that a worker in an older tree has it too)."""
    from benchmarks.core_overhead import _scope

    async def one() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        never = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await never.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] != 200:
                raise SystemExit(f"the gateway answered {message['status']}, not 200")

        await gateway(_scope(body, headers), receive, send)

    async def client(share: int) -> None:
        for _ in range(share):
            await one()

    started = time.process_time()
    await asyncio.gather(*(client(count // clients) for _ in range(clients)))
    return (time.process_time() - started) / (count // clients * clients) * 1e6


def real_upstream(url: str | None) -> None:
    """With ``url``: the gateways ``core_overhead.built`` makes (in the tree on the path) keep
    the production client, sending to ``url`` (the bench configs read BENCH_UPSTREAM_URL),
    instead of the upstream that answers in process. Call it inside ``system_environment``."""
    if url is None:
        return
    from benchmarks import core_overhead
    from proxy.upstream.aiohttp_client import AiohttpClient

    os.environ["BENCH_UPSTREAM_URL"] = url
    core_overhead.FixedUpstream = lambda: AiohttpClient(max_connections=1000)  # type: ignore[assignment,misc,return-value]


@contextlib.contextmanager
def nginx_upstream(kind: str) -> Iterator[str | None]:
    """``--upstream``: ``local`` (in process, no URL) or ``nginx`` (started here, on the load
    CPU where there is one; its URL)."""
    if kind == "local":
        yield None
        return
    from benchmarks import nginx_upstream as nginx
    from benchmarks.procs import ProcessGroup, wait_tcp
    from tests.fixtures.ports import free_port

    with tempfile.TemporaryDirectory(prefix="sluicegate-ab-nginx-") as tmp:
        group = ProcessGroup(Path(tmp))
        try:
            port = free_port()
            wait_tcp(group.start("nginx", nginx.command(Path(tmp), port), cpu=1, cwd=tmp), port)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            group.close()


def worker(
    tree: str,
    system: str,
    config: str | None,
    count: int,
    clients: int,
    body_name: str = "chat",
    upstream_url: str | None = None,
) -> None:
    """In a fresh process, with ``tree`` first on the path: print the best of 3 runs."""
    sys.path.insert(0, tree)
    import orjson
    import uvloop

    from benchmarks.core_overhead import built, run, system_environment
    from benchmarks.payloads import BODIES

    body = orjson.dumps(BODIES[body_name])

    async def measure() -> float:
        with system_environment(system) as (default, headers):
            real_upstream(upstream_url)
            async with built(Path(config) if config else default, body, headers) as gateway:
                if clients == 1:
                    runs = [await run(gateway, body, count, headers, time.process_time)
                            for _ in range(3)]  # fmt: skip
                else:
                    runs = [await run_concurrent(gateway, body, count, headers, clients)
                            for _ in range(3)]  # fmt: skip
        return min(runs)

    print(f"ab-result {uvloop.run(measure()):.2f}", flush=True)


def _run(tree: Path, args: argparse.Namespace, config: Path | None) -> float:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree),
            "--system", args.system, "-n", str(args.count), "-c", str(args.clients),
            "--body", args.body]  # fmt: skip
    if args.upstream_url is not None:
        argv += ["--upstream-url", args.upstream_url]
    if config is not None:
        argv += ["--config", str(config)]
    for _ in range(3):  # a loaded machine can starve redis past its timeout: run again
        done = subprocess.run(argv, cwd=tree, capture_output=True, text=True, check=False)
        found = _RESULT.search(done.stdout)
        if found:
            return float(found.group(1))
    raise SystemExit(f"{tree}: no result\n{done.stderr[-2000:]}")


def tree_options(parser: argparse.ArgumentParser, count: int) -> None:
    """The options every two-tree comparison takes (``ab``, ``instructions``)."""
    parser.add_argument("--base", default="main", help="git revision of the old tree")
    parser.add_argument("--system", default="gateway-full")
    parser.add_argument("-n", "--count", type=int, default=count)
    parser.add_argument("-c", "--clients", type=int, default=64)
    parser.add_argument("--without", action="append", default=[], help="leave a plugin out")


def upstream_options(parser: argparse.ArgumentParser) -> None:
    """``--upstream`` (``ab``, ``instructions``; apart from ``tree_options``, which an older
    tree's worker parses with its own copy)."""
    parser.add_argument(
        "--upstream",
        choices=("local", "nginx"),
        default="local",
        help="local: answered in process; nginx: the real client (aiohttp) to a local nginx",
    )
    parser.add_argument("--upstream-url", help=argparse.SUPPRESS)


def extract(revision: str, folder: Path) -> None:
    """The tree of git ``revision`` of this checkout, written into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision],
                             check=True, capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tree_options(parser, 12800)
    upstream_options(parser)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", default="chat", help="request body (benchmarks/payloads.py)")
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.system, args.config, args.count, args.clients, args.body,
               args.upstream_url)  # fmt: skip
        return
    from benchmarks.systems import by_name

    with (
        tempfile.TemporaryDirectory(prefix="sluicegate-ab-") as tmp,
        nginx_upstream(args.upstream) as args.upstream_url,
    ):
        base = Path(tmp) / "base"
        base.mkdir()
        extract(args.base, base)
        config = None
        if args.without:
            system = by_name(args.system)
            default = ROOT / system.argv[system.argv.index("-c") + 1]
            config = _without(default, args.without, Path(tmp) / "config")
        best: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            best["old"].append(_run(base, args, config))
            best["new"].append(_run(ROOT, args, config))
    label = f"{args.system}" + "".join(f" without {p}" for p in args.without)
    label += ", aiohttp to nginx" if args.upstream == "nginx" else ""
    print(f"{label}, {args.body} body, c={args.clients}, best of {args.rounds} x 3 x {args.count}, "
          f"old = {args.base}, new = this tree, CPU µs/request (interleaved)")  # fmt: skip
    for name, runs in best.items():
        print(f"{name}: best {min(runs):7.1f}   runs {' '.join(f'{r:.1f}' for r in runs)}")
    print(f"new/old: {min(best['new']) / min(best['old']):.3f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
