"""The text checks' cost in this tree against another commit's, interleaved, in process.

    .venv/bin/python -m benchmarks.scan_ab [--base main] [--rounds 5] [-n 400]

A change to the scanners is judged against its base in the same run: ``--base``'s
``scanners/`` is unpacked (``git archive``) into a temporary folder, then a fresh process of
each tree measures, round after round, alternating, the p50 of ``TextScanner.scan`` on

- the benchmark's short chat body (``payloads.CHAT_REQUEST``: a system sentence and a user
  sentence, what most chat requests look like), all six: the fixed cost per text;
- the benchmark's 4 KB chat body (``payloads.CHAT_REQUEST_4K``: eight sentences of prose
  repeated, 89 distinct words), each check alone and all six;
- 4 KB slices of this repository's docs (real prose with code, markup, paths and TOML: many
  distinct words, the shape a developer's prompt has), all six.

Each scan is timed by the thread's CPU clock, so time spent descheduled does not count, and
the best round of each tree is kept: on a machine shared by several engineers the least
disturbed round is the one closest to the code's own cost, and alternating puts both trees
under the same load. Quote the ratio; the absolute µs move with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "docs/architecture.md", "docs/input-scanning.md", "docs/configuration.md")
SLICE = 4096


def doc_slices(root: Path = ROOT) -> list[str]:
    """Up to eight 4 KB slices of the repository's own docs (those that exist)."""
    out: list[str] = []
    for name in DOCS:
        path = root / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            out += [text[i : i + SLICE] for i in range(0, len(text) - SLICE + 1, SLICE)][:2]
    return out


def _p50_us(fn: Callable[[], object], rounds: int) -> float:
    for _ in range(max(20, rounds // 10)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.thread_time_ns()
        fn()
        samples.append(time.thread_time_ns() - start)
    return statistics.median(samples) / 1000


def worker(rounds: int, docs: list[str]) -> dict[str, float]:
    """The p50s of the tree this process imported ``scanners`` from."""
    from benchmarks.payloads import CHAT_REQUEST, CHAT_REQUEST_4K
    from scanners.text import TextScanner
    from scanners.text.extract import extract_texts
    from scanners.text.scanner import CHECKS

    chat = [text for _, text in extract_texts(CHAT_REQUEST_4K)]
    short = [text for _, text in extract_texts(CHAT_REQUEST)]
    out: dict[str, float] = {}
    every = TextScanner(list(CHECKS))
    out["chat short: all six"] = _p50_us(lambda: every.scan(short), rounds)
    for check in CHECKS:
        one = TextScanner([check])
        out[f"chat 4k: {check}"] = _p50_us(lambda s=one: s.scan(chat), rounds)  # type: ignore[misc]
    out["chat 4k: all six"] = _p50_us(lambda: every.scan(chat), rounds)
    if docs:
        per = [_p50_us(lambda d=d: every.scan([d]), max(50, rounds // 4)) for d in docs]  # type: ignore[misc]
        out[f"docs 4k x{len(docs)}: all six, mean"] = statistics.fmean(per)
    return out


def unpack(
    ref: str,
    into: Path,
    paths: tuple[str, ...] = ("scanners", "benchmarks/payloads.py", "benchmarks/__init__.py"),
) -> Path:
    """``ref``'s ``paths`` (by default its scanners and benchmark payloads), extracted from git
    into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, *paths], check=True, capture_output=True
    ).stdout
    path = into / "tree.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(tree: Path, rounds: int, docs_file: Path) -> dict[str, float]:
    """One fresh process importing ``scanners`` from ``tree`` runs ``worker``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(docs_file), "-n", str(rounds)],
        cwd=tree, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of the two trees")
    parser.add_argument("-n", type=int, default=400, help="scans per p50")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.n, json.loads(args.worker.read_text()))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = unpack(args.base, Path(tmp))
        docs_file = Path(tmp) / "docs.json"
        docs_file.write_text(json.dumps(doc_slices()))
        best: dict[str, dict[str, float]] = {"base": {}, "this": {}}
        for _ in range(args.rounds):
            for name, tree in (("base", base), ("this", ROOT)):
                for key, value in measure(tree, args.n, docs_file).items():
                    best[name][key] = min(value, best[name].get(key, float("inf")))
    print(f"p50 µs of TextScanner.scan, best of {args.rounds} interleaved rounds x {args.n} scans")
    print(f"{'what':<34} {args.base:>10} {'this tree':>10} {'ratio':>7}")
    for key, old in best["base"].items():
        new = best["this"].get(key, float("nan"))
        print(f"{key:<34} {old:>10.1f} {new:>10.1f} {new / old:>7.2f}")


if __name__ == "__main__":
    main()
