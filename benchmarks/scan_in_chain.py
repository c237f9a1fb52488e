"""Where input_scan's cost in a chain goes: its scanners, or the plugin around them.

``chain_cost`` says what leaving input_scan out of a chain saves; ``scan_cost`` what the
scanners cost in a tight loop. The two disagree by 2x (issue 15: +211 µs per request in the
full chain at ``-c 64``, ~100 µs for the scanners alone). This splits the chain figure, in one
process, with three variants of the same system run interleaved (process CPU time, best
round of each):

- ``as configured``: the chain as it runs;
- ``scan remembered``: the same, with ``TextScanner.scan`` answering from a dict of earlier
  results (keyed by the exact texts; the load repeats one body, so after the first request
  every call is a hit costing one tuple hash): what is left is everything input_scan does
  except scanning — reading the texts from the parsed body, the memo path, building the
  verdict, the hook's place in the chain;
- ``without input_scan``: the chain with the plugin left out.

So ``as configured - scan remembered`` is what the scanners cost *in the chain* and
``scan remembered - without`` what the plugin costs outside them; beside them, the same scan
in a tight loop on the same texts (``TextScanner.scan`` repeated, warm caches).

    python -m benchmarks.scan_in_chain [--system gateway-input-scan] [--body chat] [-c 1]
        [-n 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from benchmarks.ab import _without, run_concurrent
from benchmarks.core_overhead import built, run, system_environment
from benchmarks.payloads import BODIES
from scanners.text import CHECKS, ScanResult, TextScanner
from scanners.text.extract import extract_texts


@contextlib.contextmanager
def remembered_scans(active: list[bool]) -> Iterator[None]:
    """``TextScanner.scan`` answered from earlier results while ``active[0]`` is true."""
    original = TextScanner.scan
    seen: dict[tuple[int, tuple[str, ...]], ScanResult] = {}

    def scan(self: TextScanner, texts: Iterable[str]) -> ScanResult:
        if not active[0]:
            return original(self, texts)
        key = (id(self), tuple(texts))
        found = seen.get(key)
        if found is None:
            found = seen[key] = original(self, key[1])
        return found

    TextScanner.scan = scan  # type: ignore[method-assign]
    try:
        yield
    finally:
        TextScanner.scan = original  # type: ignore[method-assign]


async def compare(
    configs: dict[str, Path],
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    args: argparse.Namespace,
) -> dict[str, float]:
    active = [False]
    best = dict.fromkeys(("as configured", "scan remembered", "without"), float("inf"))
    with remembered_scans(active):
        async with contextlib.AsyncExitStack() as stack:
            full = await stack.enter_async_context(built(configs["full"], body, headers))
            bare = await stack.enter_async_context(built(configs["without"], body, headers))
            variants = [("as configured", full, False), ("scan remembered", full, True),
                        ("without", bare, False)]  # fmt: skip
            for _ in range(args.rounds):
                for name, gateway, remember in variants:
                    active[0] = remember
                    if args.clients == 1:
                        took = await run(gateway, body, args.count, headers, time.process_time)
                    else:
                        took = await run_concurrent(gateway, body, args.count, headers,
                                                    args.clients)  # fmt: skip
                    best[name] = min(best[name], took)
    return best


def tight_loop(payload: dict[str, object], rounds: int = 3000) -> float:
    """CPU µs per ``scan`` of the body's texts with all six checks, repeated (warm caches)."""
    scanner = TextScanner(list(CHECKS))
    texts = [text for _, text in extract_texts(payload)]
    for _ in range(200):
        scanner.scan(texts)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(rounds):
            scanner.scan(texts)
        best = min(best, (time.process_time() - started) / rounds * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="gateway-input-scan")
    parser.add_argument("--body", choices=sorted(BODIES), default="chat")
    parser.add_argument("-c", "--clients", type=int, default=1)
    parser.add_argument("-n", "--count", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    body = orjson.dumps(BODIES[args.body])
    with system_environment(args.system) as (config, headers), tempfile.TemporaryDirectory() as tmp:
        configs = {"full": config, "without": _without(config, ["input_scan"], Path(tmp))}
        best = asyncio.run(compare(configs, body, headers, args))
    tight = tight_loop(BODIES[args.body])
    full, kept, bare = best["as configured"], best["scan remembered"], best["without"]
    print(f"{args.system} ({args.body}, c={args.clients}, best of {args.rounds} x {args.count}, "
          "interleaved; CPU µs per request)")  # fmt: skip
    print(f"  as configured           {full:8.1f}")
    print(f"  scan remembered         {kept:8.1f}")
    print(f"  without input_scan      {bare:8.1f}")
    print(f"  input_scan in the chain {full - bare:+8.1f}")
    print(f"    its scanners          {full - kept:+8.1f}   (tight loop, same texts: {tight:.1f})")
    print(f"    the plugin around them{kept - bare:+8.1f}")


if __name__ == "__main__":
    main()
