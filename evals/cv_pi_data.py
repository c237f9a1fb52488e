"""Does a round's new data help on the packages the check already had? (issue 14, ninth round)

    .venv/bin/python -m evals.cv_pi_data            # the latest round's sources (`NEW`)

`python -m evals.train_pi --cv` holds out whole packages in five folds by their alphabetical
place, so adding packages reshuffles which packages train together, and its figures before
and after a new source differ for that reason alone. Here the folds are fixed by the packages
the check had before (`NEW`'s packages join the fold their own names fall in), the whole
check (rules, then the classifier) is cross-validated by package twice, without the new
sources' rows and with them, and both are scored on the same old texts; the second is also
read at the first one's count of dev false positives (every fold's threshold shifted by one
log-odds offset, as `evals.cv_pi_sem` compares candidates), since new benign rows move the
threshold along the curve. About twice `--cv`'s time: ten outer fits.
"""

from __future__ import annotations

import math

from evals.cv_pi import _rules_flag
from evals.pi_data import TENTH
from evals.train_pi import CV_FOLDS, SHIPPED, Row, _package, fit, training_set

NEW = TENTH
"""The tenth round's sources (`evals/sources_cjk.py`, `evals/sources_probes.py`), so the old
packages are those the ninth round's figures were read on (its `NEW` was
`(*AGENT_KITS, *NPM)`). They are `RULES_ONLY` as landed: both runs fit the same model and
differ only if a change lets their dev half train (the classifier's CJK features)."""


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def margins(data: list[Row], ruled: list[bool], fold_of: list[int]) -> list[float]:
    """Each row's out-of-fold log-odds above its fold's threshold (99 when a rule flags it)."""
    return fold_margins(data, [(flag, flag) for flag in ruled], fold_of)[0]


def fold_margins(
    data: list[Row], ruled: list[tuple[bool, bool]], fold_of: list[int]
) -> tuple[list[float], list[float]]:
    """Each row's out-of-fold log-odds above its fold's threshold, and above its fold's
    operator bar (the text read as a system message); 99 where a rule flags it as user
    content, resp. where a rule that holds in operator text does (`cv_pi._rules_flag`)."""
    user, system = [-99.0] * len(data), [-99.0] * len(data)
    for k in range(CV_FOLDS):
        model = fit([row for row, f in zip(data, fold_of, strict=True) if f != k], quiet=True)
        for i, row in enumerate(data):
            if fold_of[i] != k:
                continue
            if row.scanned:  # else the model never reads it: -99 unless a rule flags it
                score = _logit(model.score(row.words))
                user[i] = score - _logit(model.threshold)
                system[i] = score - _logit(model.operator_threshold)
            if ruled[i][0]:
                user[i] = 99.0
            if ruled[i][1]:
                system[i] = 99.0
    return user, system


def main() -> int:
    data = training_set()
    ruled = [flag for flag, _ in _rules_flag(data)]
    old = [i for i, row in enumerate(data) if not row.source.startswith(NEW)]
    packages = sorted({_package(data[i]) for i in old})
    added = sorted({_package(row) for row in data} - set(packages))
    fold_of = [
        packages.index(p) % CV_FOLDS if p in packages else added.index(p) % CV_FOLDS
        for p in map(_package, data)
    ]
    before = margins([data[i] for i in old], [ruled[i] for i in old], [fold_of[i] for i in old])
    after_all = margins(data, ruled, fold_of)
    after = [after_all[i] for i in old]
    attacks = [j for j, i in enumerate(old) if data[i].label == 1]
    benign = [j for j, i in enumerate(old) if data[i].label == 0]
    budget = sum(before[j] >= 0 for j in benign)
    shift = sorted((after[j] for j in benign), reverse=True)[budget] + 1e-9
    print(f"{SHIPPED}, folds by the old packages; {len(attacks)} old attacks, {len(benign)} "
          f"old benign texts; new rows {len(data) - len(old)}")  # fmt: skip
    for name, m, at in (("without the new sources", before, 0.0),
                        ("with them", after, 0.0),
                        ("with them, at the same false positives", after, shift)):  # fmt: skip
        caught = sum(m[j] >= at for j in attacks)
        flagged = sum(m[j] >= at for j in benign)
        print(f"  {name:<40} detection {caught / len(attacks):6.1%} ({caught}), "
              f"FP {flagged / len(benign):5.2%} ({flagged})")  # fmt: skip
    kept = set(old)
    new_attacks = [i for i, row in enumerate(data) if row.label == 1 and i not in kept]
    caught = sum(after_all[i] >= 0 for i in new_attacks)
    print(f"  the new sources' own attacks, with them: {caught} of {len(new_attacks)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
