"""The text checks' cost in instructions (callgrind), this tree against another commit's.

    .venv/bin/python -m benchmarks.scan_instructions [--base main] [-n 400]

``benchmarks.scan_ab`` times ``TextScanner.scan`` by CPU clock, which a machine shared by
several engineers moves by ±20 %; the number of instructions a scan executes does not move
with load. For ``--base``'s ``scanners/`` (unpacked from git, as ``scan_ab`` does) and this
tree, one process each under valgrind's callgrind scans, after a warm-up, ``-n`` times

- the benchmark's short chat body (``payloads.CHAT_REQUEST``, a system sentence and a user
  sentence: the fixed cost per text, what the full public chain pays per request),
- the 4 KB chat body (``payloads.CHAT_REQUEST_4K``),
- the first of this repository's 4 KB docs slices (``scan_ab.doc_slices``: prose with code),
- the 4 KB chat body in Chinese (``payloads.CHAT_REQUEST_4K_ZH``: the classifier reads its
  character pairs), this tree's text for both trees,

all six checks, with instrumentation on only around each loop (``callgrind_control``), and
prints instructions per scan; then the 4 KB chat body once per check, that check alone (one
cost figure per check). Two runs of one tree agree to well under 1 %. Needs valgrind
(``apt-get install valgrind``); each tree takes a minute or two.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii")
BODIES = ("chat short", "chat 4k", "docs 4k", "chat 4k zh",
          *(f"chat 4k: {check}" for check in CHECKS))  # fmt: skip


def worker(count: int, texts: dict[str, list[str]], sync: Path) -> None:
    """In the valgrind process: warm up, then scan each body ``count`` times, each loop
    between the controller's instrumentation switches (marker files in ``sync``)."""
    from benchmarks.payloads import CHAT_REQUEST, CHAT_REQUEST_4K
    from scanners.text import TextScanner
    from scanners.text.extract import extract_texts

    every = TextScanner(list(CHECKS))
    chat_4k = [text for _, text in extract_texts(CHAT_REQUEST_4K)]
    cases = {
        "chat short": (every, [text for _, text in extract_texts(CHAT_REQUEST)]),
        "chat 4k": (every, chat_4k),
        "docs 4k": (every, texts["docs"][:1]),
        "chat 4k zh": (every, texts["zh"]),
        **{f"chat 4k: {check}": (TextScanner([check]), chat_4k) for check in CHECKS},
    }
    for name in BODIES:
        scanner, texts = cases[name]
        for _ in range(20):
            scanner.scan(texts)
        _signal(sync, f"{name}.ready", f"{name}.go")
        for _ in range(count):
            scanner.scan(texts)
        _signal(sync, f"{name}.done", f"{name}.end")


def _signal(sync: Path, mine: str, theirs: str) -> None:
    (sync / mine).touch()
    _wait(sync / theirs)


def _wait(path: Path, process: subprocess.Popen[bytes] | None = None) -> None:
    for _ in range(36_000):  # an hour at most: valgrind is slow, not stuck
        if path.exists():
            return
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}) before {path.name}")
        time.sleep(0.05)
    raise SystemExit(f"gave up waiting for {path}")


def count(tree: Path, count: int, docs_file: Path) -> dict[str, float]:
    """Instructions per scan of each body, for the ``scanners`` of ``tree``."""
    control = shutil.which("callgrind_control")
    if shutil.which("valgrind") is None or control is None:
        raise SystemExit("needs valgrind: apt-get install valgrind")
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="sluicegate-scan-instr-") as tmp:
        sync = Path(tmp)
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={sync / 'callgrind.out'}", sys.executable, __file__,
                "--worker", str(docs_file), "--sync", str(sync), "-n", str(count)]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)}
        log = (sync / "valgrind.log").open("wb")
        process = subprocess.Popen(argv, cwd=tree, env=env, stdout=log, stderr=log)
        try:
            for name in BODIES:
                _wait(sync / f"{name}.ready", process)
                _control(control, "-i", "on", process.pid)
                (sync / f"{name}.go").touch()
                _wait(sync / f"{name}.done", process)
                _control(control, "-i", "off", process.pid)
                _control(control, "-d", process.pid)  # this body's counts, in a file of its own
                (sync / f"{name}.end").touch()
            process.wait(timeout=600)
        except SystemExit:
            log.close()
            print((sync / "valgrind.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
        totals = _dumped_totals(sync)
        for name, total in zip(BODIES, totals, strict=True):
            out[name] = total / count
    return out


def _control(control: str, *args: object) -> None:
    subprocess.run([control, *map(str, args)], check=True, capture_output=True)


def _dumped_totals(sync: Path) -> list[int]:
    """The instruction total of each dump (``callgrind_control -d``), in dump order."""
    files = sorted(sync.glob("callgrind.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    totals = []
    for path in files:
        found = re.search(r"^totals: (\d+)", path.read_text(errors="replace"), re.MULTILINE)
        if found is not None:
            totals.append(int(found.group(1)))
    return totals[: len(BODIES)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--base", default="main", help="the commit to compare against")
    parser.add_argument("-n", type=int, default=400, help="scans of each body")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sync", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.n, json.loads(args.worker.read_text()), args.sync)
        return
    from benchmarks.payloads import CHAT_REQUEST_4K_ZH  # this tree's, not the worker's
    from benchmarks.scan_ab import doc_slices, unpack
    from scanners.text.extract import extract_texts

    with tempfile.TemporaryDirectory() as tmp:
        base = unpack(args.base, Path(tmp))
        docs_file = Path(tmp) / "docs.json"
        zh = [text for _, text in extract_texts(CHAT_REQUEST_4K_ZH)]
        docs_file.write_text(json.dumps({"docs": doc_slices(), "zh": zh}))
        old = count(base, args.n, docs_file)
        new = count(ROOT, args.n, docs_file)
    print(f"instructions per TextScanner.scan, {args.n} scans (callgrind): all six checks on")
    print("each body, then each check alone on the 4 KB chat body")
    print(f"{'what':<26} {args.base:>14} {'this tree':>14} {'ratio':>7}")
    for name in BODIES:
        print(f"{name:<26} {old[name]:>14,.0f} {new[name]:>14,.0f} {new[name] / old[name]:>7.3f}")


if __name__ == "__main__":
    main()
