"""Does the long texts' model gain from training on the later sources? (issue 14, eleventh round)

    .venv/bin/python -m evals.cv_pi_train          # the baseline, then every group of GROUPS
    .venv/bin/python -m evals.cv_pi_train 1 5      # the baseline and those groups (0-based)
    .venv/bin/python -m evals.cv_pi_train --by-text 5   # the same with the folds drawn by text

Since the fifth round every new source is `RULES_ONLY` (`evals/pi_data.py`): its dev half
wrote rules and never trained the classifier, so the model has only learned from the first
sources while the held-out misses sit in the later ones. Here the whole check (rules, then
the classifier) is cross-validated with whole source packages held out (`cv_pi.folds`, the
same five folds for every variant, so the comparisons are paired), once as shipped and once
per group of later sources whose dev rows of `TRAIN_MIN_WORDS` or more words train the model
too. Each variant is read at the baseline's count of dev false positives (every fold's
threshold moved by one log-odds offset, as `evals.cv_pi_data` does), and reported by what
the eleventh round's rule asks (docs/input-scanning.md): the mean of the later packages'
detection, each package scored while held out; the first sources' detection; the dev system
and task prompts flagged as a system message; the rule tests' look-alikes (`lookalikes`)
flagged by the variant fitted on all dev rows. Role prompts, published system prompts sent
as user content and CJK benign texts are printed beside them. `--by-text` draws the folds by
text instead (a package's other texts train while one is scored: the held-out split's shape,
not an unseen collection's; reported, never the rule). Only dev texts are read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from evals.cv_pi import _rules_flag, folds
from evals.cv_pi_data import fold_margins
from evals.cv_pi_short import lookalikes
from evals.pi_data import (
    AGENT_KITS,
    KITS,
    LISTS,
    RULES_ONLY,
    TENTH,
    Row,
    _package,
    is_cjk,
    training_set,
)
from evals.train_pi import ROLE_SOURCES, fit
from scanners.text.normalize import normalize
from scanners.text.prompt_injection import PromptInjectionDetector

GROUPS: dict[str, tuple[str, ...]] = {
    "bastioncorpus": ("bastion:",),
    "fifth round's kits": KITS,
    "sixth round's lists": LISTS,
    "ninth round's agent kits": AGENT_KITS,
    "tenth round": TENTH,
    "all rules-only sources": RULES_ONLY,
}
"""Which rules-only sources' long dev rows train the model, per variant."""
SYSPROMPTS = "sysprompts:"
"""Published system prompts (`evals/sources_sysprompts.py`), benign as user content."""


def _trains(data: list[Row], sources: tuple[str, ...]) -> list[Row]:
    """`data` with the rows of `sources` no longer rules-only (their judged rows train)."""
    return [row._replace(rules_only=row.rules_only and not row.source.startswith(sources))
            for row in data]  # fmt: skip


class Report:
    """The rows the rule reads, and the baseline's figures to compare against."""

    def __init__(self, data: list[Row]) -> None:
        self.data = data
        self.attacks = [i for i, row in enumerate(data) if row.label == 1]
        self.benign = [i for i, row in enumerate(data) if row.label == 0]
        later = [i for i in self.attacks if data[i].source.startswith(RULES_ONLY)]
        self.first = [i for i in self.attacks if not data[i].source.startswith(RULES_ONLY)]
        self.later: dict[str, list[int]] = {}
        for i in later:
            self.later.setdefault(_package(data[i]), []).append(i)
        self.subsets: dict[str, list[int]] = {
            "role prompts": self._benign(lambda row: row.source.startswith(ROLE_SOURCES)),
            "system prompts as user content": self._benign(
                lambda row: row.source.startswith(SYSPROMPTS) or row.operator
            ),
            "CJK benign": self._benign(lambda row: is_cjk(row.text)),
        }
        self.operator = self._benign(lambda row: row.operator)
        self.budget = -1
        self.base: dict[str, float] = {}

    def _benign(self, keep: Callable[[Row], bool]) -> list[int]:
        return [i for i in self.benign if keep(self.data[i])]

    def show(self, name: str, user: list[float], system: list[float], looks: int) -> None:
        if self.budget < 0:
            self.budget = sum(user[i] >= 0 for i in self.benign)
        shift = sorted((user[i] for i in self.benign), reverse=True)[self.budget] + 1e-9

        def hits(rows: list[int], at: float = shift) -> int:
            return sum(user[i] >= at for i in rows)

        def rate(rows: list[int], at: float = shift) -> str:
            return f"{hits(rows, at) / max(1, len(rows)):6.2%} ({hits(rows, at)} of {len(rows)})"

        per = {name: hits(rows) / len(rows) for name, rows in sorted(self.later.items())}
        mean = 100 * sum(per.values()) / len(per)
        first = 100 * hits(self.first) / len(self.first)
        operator = sum(system[i] >= 0 for i in self.operator)
        print(f"{name}:")
        print(f"  own thresholds: detection {rate(self.attacks, 0.0)}, "
              f"FP {rate(self.benign, 0.0)}")  # fmt: skip
        print(f"  at the baseline's dev FP (shift {shift:+.3f} log-odds): detection "
              f"{rate(self.attacks)}, FP {rate(self.benign)}")  # fmt: skip
        pooled = [i for rows in self.later.values() for i in rows]
        print(f"    (a) later packages, mean per package {mean:.2f} ({len(per)} packages; "
              f"pooled {rate(pooled)})")  # fmt: skip
        print(f"    (b) first sources {rate(self.first)}")
        print(f"    (c) system/task prompts as a system message {operator} of "
              f"{len(self.operator)}")  # fmt: skip
        print(f"    (d) look-alikes flagged by the model fitted on all dev rows: {looks}")
        for label, rows in self.subsets.items():
            print(f"    {label}: FP {rate(rows)}")
        print("    per later package: " + ", ".join(
            f"{p} {100 * v:.0f}" for p, v in per.items()))  # fmt: skip
        if not self.base:
            self.base = {"mean": mean, "first": first, "operator": operator}
            return
        print(f"    vs baseline: (a) {mean - self.base['mean']:+.2f} points, (b) "
              f"{first - self.base['first']:+.2f} points, (c) "
              f"{operator - self.base['operator']:+.0f}")  # fmt: skip


def lookalikes_flagged(data: list[Row]) -> int:
    """How many of the rule tests' look-alikes the check flags with the model fitted on all of
    `data` (the rules first, as the scanner runs them: a text whose rule hit is only named,
    quoted or refused, never reaches the model)."""
    detector = PromptInjectionDetector(fit(data, quiet=True))
    return sum(
        any(f.rule.startswith("classifier") for f in detector.scan_ungated(normalize(text)))
        for _, text in lookalikes()
    )


def main() -> int:
    data = training_set()
    ruled = _rules_flag(data)
    fold_of = folds(data, "text" if "--by-text" in sys.argv else "package")
    report = Report(data)
    chosen = [int(a) for a in sys.argv[1:] if a.isdigit()]
    names = list(GROUPS)
    for name in [None, *(names[i] for i in chosen)] if chosen else [None, *names]:
        rows = data if name is None else _trains(data, GROUPS[name])
        trained = sum(row.judged for row in rows if not row.rules_only) - sum(
            row.judged for row in data if not row.rules_only
        )
        user, system = fold_margins(rows, ruled, fold_of)
        title = "baseline (shipped)" if name is None else f"+ {name} trains ({trained} rows)"
        report.show(title, user, system, lookalikes_flagged(rows))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
