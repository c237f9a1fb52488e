"""What each plugin of a chain costs per request, measured by leaving it out, in one process.

The full public chain (``gateway-full``, issue 15) is built in process as ``core_overhead``
builds a config, once as it is and once without each of its plugins, beside the core config
(``gateway``); the variants run interleaved for ``--rounds`` rounds of ``-n`` requests, and
the best round of each is kept. The clock is the process's CPU time (every thread, the span
exporter's included): on a shared machine wall time would count the other tenants and the
wait for redis-server to get a core. A plugin's cost is then ``full - full without it``: what
taking it out of this chain saves, its interactions included (without ``tracing`` the other
plugins' spans go too; without ``jwt``, ``rate_limit`` keys by IP instead of subject).

    python -m benchmarks.chain_cost [--system gateway-full] [-n 2000] [--rounds 5] [-c 64]

``-c 64`` keeps 64 requests in flight (as ``throughput_c64`` loads a worker) instead of one
at a time: a plugin that waits for redis then shares the event loop's wake-ups with the
other requests, where the sequential loop pays one idle-and-wake per request (on this VM
~100 µs of CPU, most of ``rate_limit``'s sequential figure).

A redis-server of its own is started when the system needs one. The figures are µs of CPU
per request on this machine, stable to a few percent; the ratios between them are what to
quote.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from benchmarks.ab import run_concurrent
from benchmarks.core_overhead import built, run, system_environment
from benchmarks.payloads import BODIES
from benchmarks.systems import by_name

_USE = re.compile(r'^use\s*=\s*"([a-z_]+)"', re.MULTILINE)


@dataclass(frozen=True)
class Variant:
    name: str
    config: Path


def plugin_blocks(policy: str) -> tuple[str, list[tuple[str, str]]]:
    """The policy file's preamble and its ``[[plugins]]`` entries as (use, text) pairs."""
    head, *blocks = re.split(r"(?m)^(?=\[\[plugins\]\])", policy)
    entries = []
    for block in blocks:
        match = _USE.search(block)
        if match is None:
            raise ValueError(f"a [[plugins]] entry without use = ...: {block[:60]!r}")
        entries.append((match.group(1), block))
    return head, entries


def policy_of(config: Path) -> Path:
    """The policy file of ``config``'s (single) route."""
    policies = sorted((config.parent / "policies").glob("*.toml"))
    return next(p for p in policies if f'policy = "{p.stem}"' in config.read_text())


def leave_one_out(config: Path, workdir: Path) -> list[Variant]:
    """``config`` as it is, then once without each plugin of its (single) route's policy."""
    policy = policy_of(config)
    head, entries = plugin_blocks(policy.read_text())
    variants = [Variant("full chain", config)]
    for index, (use, _) in enumerate(entries):
        folder = workdir / f"without-{index}-{use}"
        (folder / "policies").mkdir(parents=True)
        shutil.copy(config, folder / config.name)
        kept = "".join(text for i, (_, text) in enumerate(entries) if i != index)
        (folder / "policies" / policy.name).write_text(head + kept)
        variants.append(Variant(f"without {use}", folder / config.name))
    return variants


# What ``--tracing`` changes in the tracing entry, and what the difference then measures.
_TRACING_SPLIT = (
    ("tracing: exporter none", 'exporter = "none"', "the batch processor's hand-off"),
    ("tracing: no plugin spans", 'plugin_span_min = "1h"', "plugin spans"),
)


def tracing_split(config: Path, workdir: Path) -> list[Variant]:
    """``config`` with its tracing entry's exporter set to "none" (spans are built and dropped
    at ``end``: the difference is what the batch processor costs, holding spans until their
    batch exports), and with no plugin spans (only hooks that refused or failed get one)."""
    policy = policy_of(config)
    head, entries = plugin_blocks(policy.read_text())
    variants = []
    for index, (name, setting, _) in enumerate(_TRACING_SPLIT):
        folder = workdir / f"tracing-{index}"
        (folder / "policies").mkdir(parents=True)
        shutil.copy(config, folder / config.name)
        kept = []
        for use, text in entries:
            if use == "tracing":
                lines = [line for line in text.splitlines(keepends=True)
                         if not line.startswith(setting.split(" ")[0] + " ")]  # fmt: skip
                text = "".join(lines).rstrip("\n") + f"\n{setting}\n\n"
            kept.append(text)
        (folder / "policies" / policy.name).write_text(head + "".join(kept))
        variants.append(Variant(name, folder / config.name))
    return variants


async def compare(
    variants: Sequence[Variant],
    body: bytes,
    headers: Sequence[tuple[bytes, bytes]],
    count: int,
    rounds: int,
    clients: int = 1,
) -> dict[str, float]:
    """Best µs per request of each variant, the variants interleaved round by round."""
    async with contextlib.AsyncExitStack() as stack:
        gateways = [await stack.enter_async_context(built(v.config, body, headers))
                    for v in variants]  # fmt: skip
        best = {v.name: float("inf") for v in variants}
        for _ in range(rounds):
            for variant, gateway in zip(variants, gateways, strict=True):
                if clients == 1:
                    took = await run(gateway, body, count, headers, time.process_time)
                else:
                    took = await run_concurrent(gateway, body, count, headers, clients)
                best[variant.name] = min(best[variant.name], took)
        return best


def render(best: dict[str, float], core: float) -> str:
    full = best["full chain"]
    lines = [
        f"{'variant':<28} {'µs/request':>11} {'plugin cost':>12}",
        f"{'core (gateway)':<28} {core:>11.1f}",
        f"{'full chain':<28} {full:>11.1f} {full - core:>+12.1f}  (chain over the core)",
    ]
    for name, took in best.items():
        if name != "full chain":
            lines.append(f"{name:<28} {took:>11.1f} {full - took:>+12.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="gateway-full", help="a system of systems.py")
    parser.add_argument("-n", "--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", choices=sorted(BODIES), default="chat", help="request body")
    parser.add_argument("-c", "--clients", type=int, default=1, help="requests in flight")
    parser.add_argument(
        "--tracing",
        action="store_true",
        help="also split tracing's cost: its batch processor, its plugin spans",
    )
    args = parser.parse_args()
    body = orjson.dumps(BODIES[args.body])
    core_system = by_name("gateway")
    core_config = Path(core_system.argv[core_system.argv.index("-c") + 1])
    with (
        system_environment(args.system) as (config, headers),
        tempfile.TemporaryDirectory() as tmp,
    ):
        variants = [Variant("core", core_config), *leave_one_out(config, Path(tmp))]
        if args.tracing:
            variants += tracing_split(config, Path(tmp))
        best = asyncio.run(compare(variants, body, headers, args.count, args.rounds, args.clients))
    core = best.pop("core")
    print(f"{args.system} ({args.body}, c={args.clients}, best of {args.rounds} x {args.count}, "
          "interleaved)")  # fmt: skip
    print(render(best, core))


if __name__ == "__main__":
    main()
