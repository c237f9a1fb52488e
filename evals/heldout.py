"""Detection and false-positive rates of each input check on public data nobody here wrote.

    .venv/bin/python -m evals.heldout                 # held-out split: the numbers we report
    .venv/bin/python -m evals.heldout --split dev     # the split you may look at and tune on
    .venv/bin/python -m evals.heldout --split dev --misses 20

Items come from pinned packages on the registry (`evals/sources.py`, `evals/PROVENANCE.md`).
Each item goes to the split its SHA-256 says (half dev, half held-out), so the split never
depends on order or on which sources are present, and nobody chooses it. `--misses` prints
texts only for the dev split: looking at held-out misses is how a held-out set stops being
one. Rates carry 95 % Wilson intervals; targets are detection >= 95 % and false positives
<= 2 % per check (issue 14). Cost per check is measured apart, on a fixed 4 KB body:
`python -m benchmarks.scan_cost`.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.sources import SOURCES, Item
from evals.sources_agents import AGENT_SOURCES
from evals.sources_bastion import BASTION_SOURCES
from evals.sources_chat import CHAT_SOURCES
from evals.sources_cjk import CJK_SOURCES
from evals.sources_kits import KIT_SOURCES
from evals.sources_lists import LIST_SOURCES
from evals.sources_more import MORE_SOURCES
from evals.sources_npm import NPM_SOURCES
from evals.sources_pi import PI_SOURCES
from evals.sources_probes import PROBE_SOURCES
from evals.sources_rag import RAG_SOURCES
from evals.sources_redteam import REDTEAM_SOURCES
from evals.sources_sql import SQL_SOURCES
from evals.sources_sysprompts import SYSPROMPT_SOURCES
from evals.sources_userprompts import USER_PROMPT_SOURCES
from scanners.text import TextScanner, operator_view

CHECKS = ("xss", "sql_injection", "path_traversal", "prompt_injection", "secrets", "pii")
DETECTION_TARGET = 0.95
FALSE_POSITIVE_LIMIT = 0.02
_EMAILISH = ("@", "(at)", "[at]")
OPERATOR_SOURCES = (
    "system_prompt",
    "inspect_evals:prompt",
    "scorer_prompt",
    "promptinject:task",
    "deepeval:bbh",
    "judge_prompt",
)
"""Benign texts that instruct a model: application system prompts and evaluation or task
prompt templates, what an operator writes in a `system` message."""


def split_of(text: str) -> str:
    """'dev' or 'heldout', from the text's own hash: stable, and chosen by nobody."""
    return (
        "dev"
        if hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[0] < 128
        else "heldout"
    )


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def collect(skip: Iterable[str] = ()) -> list[Item]:
    """Every item of every source, deduplicated; `skip` drops whole families (`wapiti`)."""
    items: list[Item] = []
    seen: set[tuple[str, str]] = set()
    skipped = tuple(f"{name}:" for name in skip)
    for source in (
        *SOURCES,
        *PI_SOURCES,
        *MORE_SOURCES,
        *SQL_SOURCES,
        *REDTEAM_SOURCES,
        *USER_PROMPT_SOURCES,
        *BASTION_SOURCES,
        *KIT_SOURCES,
        *RAG_SOURCES,
        *LIST_SOURCES,
        *SYSPROMPT_SOURCES,
        *CHAT_SOURCES,
        *NPM_SOURCES,
        *AGENT_SOURCES,
        *CJK_SOURCES,
        *PROBE_SOURCES,
    ):
        for item in source():
            key = (item.check, item.text)
            if item.source.startswith(skipped):
                continue
            if item.text.strip() and key not in seen:
                seen.add(key)
                items.append(item)
    return items


def cases(items: Iterable[Item], check: str, split: str) -> tuple[list[Item], list[Item]]:
    attacks = [i for i in items if i.check == check and i.label == "attack"]
    benign = [i for i in items if i.check in ("*", check) and i.label == "benign"]
    if check == "pii":  # READMEs carry their authors' real addresses: not a false positive
        benign = [i for i in benign if not any(m in i.text for m in _EMAILISH)]
    attacks = [i for i in attacks if split_of(i.text) == split]
    benign = [i for i in benign if split_of(i.text) == split]
    return attacks, benign


def family(item: Item) -> str:
    """The source a row of the breakdown counts it under: package and collection."""
    parts = [p for p in item.source.split(":") if not p.startswith("lang=")]
    return ":".join(parts[:1] if parts[0] in _ONE_FAMILY else parts[:2])


_ONE_FAMILY = frozenset({"pydoc", "django", "readme"})


_SCRIPTS = (
    ("cjk", re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")),
    ("cyrillic", re.compile(r"[\u0400-\u04ff]")),
    ("arabic", re.compile(r"[\u0600-\u06ff]")),
    ("greek", re.compile(r"[\u0370-\u03ff]")),
    ("indic/thai", re.compile(r"[\u0900-\u0dff\u0e00-\u0e7f]")),
    ("hebrew", re.compile(r"[\u0590-\u05ff]")),
)


def language(item: Item) -> str:
    """The language the source declares (`lang=xx`), else the text's main script: "latin"
    is English here except Django's catalogues, counted as "latin (not en)"."""
    if "lang=" in item.source:
        return item.source.split("lang=")[1].split(":")[0]
    counts = [(len(rx.findall(item.text[:2000])), name) for name, rx in _SCRIPTS]
    best = max(counts)
    if best[0] >= 20:
        return best[1]
    return "latin (not en)" if item.source.startswith("django:locale:") else "latin"


def _breakdown(rows: list[tuple[Item, bool]], key: Callable[[Item], str], title: str) -> None:
    """Per-`key` rates: detection of attacks, false positives of benign texts."""
    groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for item, flagged in rows:
        groups[(key(item), item.label)].append(flagged)
    print(f"  by {title}:")
    for (name, label), flags in sorted(groups.items()):
        what = "detected" if label == "attack" else "false pos."
        print(
            f"    {name:<44} {label:<6} {len(flags):>5}  {what:<10} {_pct(sum(flags), len(flags))}"
        )


def _as_operator(scanner: TextScanner, benign: list[Item]) -> None:
    """False positives on legitimate system and task prompts as user content (how the rows
    above count them) and as the operator's own `system` message (`operator_view`, what
    input_scan applies to the roles in `operator_roles`)."""
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for item in benign:
        if any(cue in item.source for cue in OPERATOR_SOURCES):
            scanned = scanner.scan([item.text]).texts[0]
            rows[family(item)].append(
                (bool(scanned.findings), bool(operator_view(scanned).findings))
            )
    print("  system and task prompts, false positives as user content -> as a system message:")
    rows["all system and task prompts"] = [f for flags in list(rows.values()) for f in flags]
    for name, flags in sorted(rows.items()):
        user, operator = sum(u for u, _ in flags), sum(o for _, o in flags)
        print(f"    {name:<44} benign {len(flags):>5}  {_pct(user, len(flags))} -> "
              f"{_pct(operator, len(flags))}")  # fmt: skip


def _pct(k: int, n: int) -> str:
    if n == 0:
        return "     -  (no data)          "
    lo, hi = wilson(k, n)
    return f"{100 * k / n:6.1f}% [{100 * lo:5.1f}, {100 * hi:5.1f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--split", choices=("heldout", "dev"), default="heldout")
    parser.add_argument("--checks", nargs="*", default=list(CHECKS))
    parser.add_argument("--misses", type=int, default=0, help="dev split only")
    parser.add_argument(
        "--breakdown",
        nargs="*",
        default=["prompt_injection"],
        help="checks whose rates are also printed per source and per language",
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="source families to leave out (e.g. wapiti), to compare rates with and without",
    )
    args = parser.parse_args(argv)
    if args.misses and args.split != "dev":
        parser.error("--misses shows texts: use it on --split dev only")
    items = collect(args.skip)
    by_source: dict[str, int] = defaultdict(int)
    for item in items:
        by_source[item.source.split(":")[0]] += 1
    print(f"{len(items)} items from {dict(sorted(by_source.items()))}; split = {args.split}")
    print(f"{'check':<17} {'attacks':>7} {'detected [95% CI]':>28} {'benign':>7} "
          f"{'false pos. [95% CI]':>28}  targets")  # fmt: skip
    failed = False
    for check in args.checks:
        scanner = TextScanner([check])
        attacks, benign = cases(items, check, args.split)
        missed = [i for i in attacks if not scanner.scan([i.text]).findings]
        flagged = [i for i in benign if scanner.scan([i.text]).findings]
        hit, fp = len(attacks) - len(missed), len(flagged)
        ok_d = bool(attacks) and hit / len(attacks) >= DETECTION_TARGET
        ok_f = bool(benign) and fp / len(benign) <= FALSE_POSITIVE_LIMIT
        verdict = ("detect ok" if ok_d else "DETECT FAIL" if attacks else "no attack data") + (
            ", fp ok" if ok_f else ", FP FAIL"
        )
        failed |= not (ok_d and ok_f)
        print(f"{check:<17} {len(attacks):>7} {_pct(hit, len(attacks)):>28} {len(benign):>7} "
              f"{_pct(fp, len(benign)):>28}  {verdict}")  # fmt: skip
        if check in args.breakdown:
            missed_set, flagged_set = set(missed), set(flagged)
            pairs = [(i, i not in missed_set) for i in attacks]
            pairs += [(i, i in flagged_set) for i in benign]
            _breakdown(pairs, family, "source")
            _breakdown(pairs, language, "language")
            _as_operator(scanner, benign)
        for label, rows in (("missed", missed), ("false positive", flagged)):
            for item in rows[: args.misses]:
                print(f"    {label} [{item.source}] {item.text[:160]!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
