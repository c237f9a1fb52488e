"""rate_limit's own instructions per request, exactly: an A/B of two trees under valgrind.

Why: in the chain counts (``benchmarks.instructions``) rate_limit is the one plugin that
waits, and how many GCRA replies one read brings (redis's timing) moves the same tree's
count by several thousand instructions between runs — more than a cut of rate_limit's
own Python. Here nothing waits: the plugin of the full public chain
(``benchmarks/configs/policies/full.toml``: ``key = "identity.subject"``, one limiter) runs
its two hooks on the redis store's real code (the on_error guard, the packed EVALSHA, the
connection's queue and write) to a socket that is a sink, and the GCRA reply is fed to the
connection's reader as redis would send it. Counted per request: both hooks, the store,
one write and one read per request (the server shares them among a loop turn's requests),
on uvloop as the server runs, but not the loop's turn or the suspension (~8 k,
docs/benchmarks.md).
Two runs of one tree give the same count to within a few instructions.

    python -m benchmarks.rate_limit_instructions [--base main] [-n 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_COLLECTED = re.compile(r"Collected : (\d+)")
# The script's reply to an admitted request of a full bucket: {1, remaining, '0', reset}.
REPLY = b"*4\r\n:1\r\n:1000000\r\n$1\r\n0\r\n$1\r\n1\r\n"
OPTIONS = {"key": "identity.subject", "limit": "1000000/second", "burst": 1000000}


class _Sink:
    """The connection's transport: takes every write, never closes."""

    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False


def _drive(requests: Coroutine[Any, Any, None], answer: Callable[[], None]) -> None:
    """Run ``requests`` to its end, ``answer()`` feeding the reply each time it waits (one
    coroutine for all of them: a hook's return is no ``StopIteration`` here, as in a task)."""
    try:
        while True:
            requests.send(None)
            answer()
    except StopIteration:
        pass


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.05)


async def _measure(count: int, sync: Path) -> None:
    from plugins.rate_limit import RateLimit
    from proxy.exchange import Exchange
    from proxy.headers import Headers
    from proxy.observe.metrics import Metrics
    from proxy.plugin import Services
    from proxy.records import Identity
    from proxy.server import settle_heap
    from proxy.state import GuardedStore
    from proxy.state.client import SingleNode
    from proxy.state.connection import _Connection
    from proxy.state.redis import RedisStore
    from proxy.state.urls import parse_state_url
    from proxy.testing import make_exchange

    node = SingleNode(parse_state_url("redis://127.0.0.1:6379/0", 0.5))
    conn = _Connection(node.name, 0.5)
    conn.transport = _Sink()  # type: ignore[assignment]  # duck-typed, as uvloop's are
    node.node._conn = conn
    store = GuardedStore(RedisStore(node), on_error="deny")
    plugin = RateLimit(RateLimit.Options.model_validate(OPTIONS), Services(store, Metrics()))

    def answer() -> None:
        conn._flush()
        conn.data_received(REPLY)

    exchanges = []
    for _ in range(count + 16):
        ex = make_exchange()
        ex.identity = Identity("bench-user", tier="pro", claims={"sub": "bench-user"})
        ex.state_for(object())  # the chain's earlier plugins (tracing) made the state dict
        ex.response_headers = Headers(raw=[(b"content-type", b"application/json")])
        exchanges.append(ex)

    async def requests(exchanges: list[Exchange]) -> None:
        for ex in exchanges:
            await plugin.on_request(ex)
            await plugin.on_response(ex)

    _drive(requests(exchanges[:16]), answer)  # warm: the command packed, the fields formatted
    settle_heap()  # as the server does after its config load
    (sync / "ready").touch()
    _wait_for(sync / "go")
    _drive(requests(exchanges[16:]), answer)
    (sync / "done").touch()
    _wait_for(sync / "end")
    assert exchanges[-1].response_headers.get("x-ratelimit-remaining") == "1000000"


def count(tree: Path, requests: int) -> float:
    """Instructions per request of ``tree``: one valgrind run, counting only the measured
    requests (``callgrind_control`` switches instrumentation on and off)."""
    with tempfile.TemporaryDirectory(prefix="sluicegate-rlinstr-") as tmp:
        sync = Path(tmp)
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={sync / 'callgrind.out'}", sys.executable,
                str(Path(__file__).resolve()), "--worker", str(sync),
                "-n", str(requests)]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)}
        with (sync / "valgrind.log").open("wb") as log:
            process = subprocess.Popen(argv, cwd=tree, env=env, stdout=log, stderr=log)
            try:
                for step, flag in (("ready", "on"), ("done", "off")):
                    while not (sync / step).exists():
                        if process.poll() is not None:
                            raise SystemExit((sync / "valgrind.log").read_text(errors="replace"))
                        time.sleep(0.1)
                    subprocess.run(["callgrind_control", "-i", flag, str(process.pid)],
                                   check=True, capture_output=True)  # fmt: skip
                    (sync / ("go" if flag == "on" else "end")).touch()
                if process.wait(timeout=600) != 0:
                    raise SystemExit((sync / "valgrind.log").read_text(errors="replace"))
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        found = _COLLECTED.search((sync / "valgrind.log").read_text(errors="replace"))
        if found is None:
            raise SystemExit(f"{tree}: valgrind reported no instruction count")
        return int(found.group(1)) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="git revision of the old tree")
    parser.add_argument("-n", "--count", type=int, default=2000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.getcwd())
        try:  # the server's loop (proxy.server): its call_soon and futures are counted
            import uvloop
        except ImportError:
            asyncio.run(_measure(args.count, Path(args.worker)))
        else:
            uvloop.run(_measure(args.count, Path(args.worker)))
        return
    from benchmarks.ab import extract

    with tempfile.TemporaryDirectory(prefix="sluicegate-rlinstr-base-") as tmp:
        base = Path(tmp)
        extract(args.base, base)
        old = count(base, args.count)
        new = count(ROOT, args.count)
    print(f"rate_limit (full.toml's entry, redis store, reply fed at once), {args.count} "
          "requests: instructions per request (valgrind)")  # fmt: skip
    print(f"old ({args.base}): {old:,.0f}")
    print(f"new (this tree): {new:,.0f}")
    print(f"new/old: {new / old:.3f}  ({new - old:+,.0f})")


if __name__ == "__main__":
    main()
