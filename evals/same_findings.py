"""A scanner change made for speed must not change what is found: every eval text, compared.

    .venv/bin/python -m evals.same_findings                 # gates == no gates, this tree
    .venv/bin/python -m evals.same_findings --base main     # also this tree == main's

Two proofs over every text of every source (`evals.heldout.collect`, both splits):

- **gates**: each detector's findings through the gates, decided as `TextScanner` decides
  them (one `JointPlan` per text over all six checks), equal its findings with every rule
  forced to run (`scan_ungated`), on the normalised text;
- **trees** (`--base`): the findings of `TextScanner` with all six checks (encoded runs and
  context filters included) equal, item by item, those of ``--base``'s ``scanners/``,
  unpacked from git into a temporary folder and run in a fresh process.

Only counts, sources and text hashes are printed, never a text: the held-out half stays
unread (a mismatch is found again with `--split dev --show`, on the dev half only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scan_ab import unpack

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii")


def _texts(split: str | None) -> list[tuple[str, str]]:
    """(source, text) of every distinct eval text, in a fixed order."""
    from evals.heldout import collect, split_of

    seen: dict[str, str] = {}
    for item in collect():
        if split is None or split_of(item.text) == split:
            seen.setdefault(item.text, item.source)
    return [(source, text) for text, source in sorted(seen.items())]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def tree_findings(texts: list[str]) -> list[list[list[object]]]:
    """All six checks' findings on each text, as `TextScanner.scan` reports them."""
    from scanners.text import TextScanner

    scanner = TextScanner(list(CHECKS))
    return [[[f.check, f.rule, f.start, f.end] for f in scanner.scan([t]).findings] for t in texts]


def gate_mismatches(
    texts: list[tuple[str, str]], checks: tuple[str, ...] = CHECKS
) -> list[tuple[str, str, str]]:
    """(check, source, text hash) wherever the gated findings of `checks` differ from the
    ungated (the plan is still joint over all six, as `TextScanner` decides it)."""
    from scanners.text import normalize
    from scanners.text.finding import RuleDetector
    from scanners.text.gate_plan import JointPlan
    from scanners.text.gates import TextView
    from scanners.text.scanner import CHECKS as DETECTORS

    detectors = [DETECTORS[c]() for c in CHECKS]
    joint = JointPlan(d.plan for d in detectors if isinstance(d, RuleDetector))
    bad = []
    for source, raw in texts:
        text = normalize(raw)
        view = TextView(text)
        joint.decide(view)
        for d in detectors:
            if d.name in checks and d.scan(text, view) != d.scan_ungated(text):  # type: ignore[attr-defined]
                bad.append((d.name, source, _key(raw)))
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--base", help="also compare with this commit's scanners")
    parser.add_argument("--split", choices=("dev", "heldout"), help="default: both")
    parser.add_argument("--show", action="store_true", help="print mismatching dev texts")
    parser.add_argument("--no-gates", action="store_true", help="skip the ungated proof")
    parser.add_argument(
        "--checks", nargs="*", default=list(CHECKS), help="the checks the ungated proof runs"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.show and args.split != "dev":
        parser.error("--show prints texts: use it with --split dev only")
    if args.worker is not None:
        texts = json.loads(args.worker.read_text(encoding="utf-8"))
        args.worker.with_suffix(".out").write_text(json.dumps(tree_findings(texts)))
        return 0
    texts = _texts(args.split)
    print(f"{len(texts)} distinct eval texts ({args.split or 'both splits'})")
    failed = False
    if not args.no_gates:
        start = time.monotonic()
        bad = gate_mismatches(texts, tuple(args.checks))
        pairs = len(texts) * len(args.checks)
        print(f"gates: {len(bad)} mismatches in {pairs} (check, text) pairs "
              f"({time.monotonic() - start:.0f} s)")  # fmt: skip
        for check, source, key in bad[:50]:
            print(f"  {check:<17} {source:<40} {key}")
        failed |= bool(bad)
    if args.base:
        start = time.monotonic()
        plain = [t for _, t in texts]
        with tempfile.TemporaryDirectory() as tmp:
            base = unpack(args.base, Path(tmp), ("scanners",))
            job = Path(tmp) / "texts.json"
            job.write_text(json.dumps(plain), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(base), str(ROOT)])}
            subprocess.run(
                [sys.executable, "-m", "evals.same_findings", "--worker", str(job)],
                cwd=base, env=env, check=True,
            )  # fmt: skip
            theirs = json.loads(job.with_suffix(".out").read_text())
        ours = tree_findings(plain)
        diff = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        print(f"trees: {len(diff)} of {len(plain)} texts differ from {args.base} "
              f"({time.monotonic() - start:.0f} s)")  # fmt: skip
        for i in diff[:50]:
            source, text = texts[i]
            print(f"  {source:<40} {_key(text)}  {args.base}: {theirs[i]}  this: {ours[i]}")
            if args.show:
                print(f"    {text[:300]!r}")
        failed |= bool(diff)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
