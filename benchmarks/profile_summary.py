"""Where the gateway's CPU goes, as text: a py-spy sample profile folded into two tables.

Flame graphs do not diff or review well; a table of the functions that hold the most samples
does, so profiles are committed as this text under ``benchmarks/results/`` (docs/benchmarks.md,
"Where the core's time goes").

    py-spy record -r 500 -f raw -o core.folded -- python -m benchmarks.core_overhead -n 20000
    py-spy record -r 500 -f raw -o c64.folded --pid $(pgrep -f 'sluicegate serve') -d 20
    python -m benchmarks.profile_summary core.folded [--top 40] [--under Pipeline.handle]

``--under`` keeps only the samples whose stack passes through that function (the request
path, without the event loop's or the load generator's own frames), and shares are taken of
those. "self" is time in the function's own lines; "total" includes what it calls.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# "name (file:line)": the line is dropped, so one function is one row.
_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^:]*):\d+\)$")


def _function(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    return f"{match['name']} ({match['file']})"


def summarise(folded: str, under: str | None) -> tuple[int, Counter[str], Counter[str]]:
    """(samples, self counts, total counts) per function of a py-spy ``raw`` profile."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_function(frame) for frame in stack.split(";")]
        if under is not None:
            start = next((i for i, f in enumerate(frames) if f.startswith(under + " ")), None)
            if start is None:
                continue
            frames = frames[start:]
        count = int(count_text)
        samples += count
        own[frames[-1]] += count
        for function in set(frames):
            total[function] += count
    return samples, own, total


def _package(function: str) -> str:
    """The package of a row's file: ``h11``, ``aiohttp``..., and the gateway's by subpackage
    (``proxy/upstream``, ``proxy/observe``; ``proxy`` for its top-level modules)."""
    file = function.rpartition(" (")[2].rstrip(")")
    head, sep, rest = file.partition("/")
    if not sep or head.startswith("<"):
        return "(other)"
    sub, nested, _ = rest.partition("/")
    return f"{head}/{sub}" if head == "proxy" and nested else head


def render(samples: int, own: Counter[str], total: Counter[str], top: int) -> str:
    packages: Counter[str] = Counter()
    for function, count in own.items():
        packages[_package(function)] += count
    lines = [f"{samples} samples", "", "self %  package (where the CPU is spent, by layer)"]
    lines += [f"{n / samples * 100:6.1f}  {p}" for p, n in packages.most_common()]
    lines += ["", "self %  function (file)"]
    lines += [f"{n / samples * 100:6.1f}  {f}" for f, n in own.most_common(top)]
    lines += ["", "total %  function (file)"]
    lines += [f"{n / samples * 100:7.1f}  {f}" for f, n in total.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folded", type=Path, help="py-spy record -f raw output")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--under", help="only stacks through this function, e.g. Pipeline.handle")
    args = parser.parse_args()
    samples, own, total = summarise(args.folded.read_text(), args.under)
    if not samples:
        raise SystemExit(
            f"{args.folded}: no samples" + (f" under {args.under}" if args.under else "")
        )
    print(render(samples, own, total, args.top))


if __name__ == "__main__":
    main()
