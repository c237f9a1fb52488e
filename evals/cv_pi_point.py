"""The operating point of the prompt-injection check, mapped: `python -m evals.cv_pi_point`.

`python -m evals.train_pi --cv --grid` refits every model for every variant; the threshold's
floor and budget and the fewest words the model judges (`MIN_WORDS`) do not change a fitted
model, only which of its scores count. So this fits each fold's models once (the same outer
folds, by text and by package, and the same inner folds that set the threshold and the
operator bar as `evals.cv_pi.cross_validate`; rules' verdicts computed once) and then reads
every point of `FLOORS` x `BUDGETS` x `SCORE_MINS` off the stored scores, for each training
minimum of `TRAIN_MINS` (the model fitted on texts of at least that many words). Per point it
prints what the ninth round's rule (docs/input-scanning.md) asks: detection and false
positives on both fold schemes, general role prompts flagged, system and task prompts flagged
as a system message, and how many of the rule tests' look-alikes (`evals.cv_pi_short.
lookalikes`) the model fitted on all dev texts flags. `SHORT_BARS` adds a stricter threshold
for texts under `TRAIN_MIN_WORDS`. At the shipped floor, budget and `MIN_WORDS` it reproduces
`--cv`. Only dev texts are read; the scikit-learn `eval` extra is needed.

    .venv/bin/python -m evals.cv_pi_point            # every training minimum
    .venv/bin/python -m evals.cv_pi_point 20         # only the model trained on >= 20 words
"""

from __future__ import annotations

import sys
from itertools import product
from typing import NamedTuple

from evals.cv_pi import _rules_flag, folds
from evals.cv_pi_short import lookalikes
from evals.train_pi import (
    CV_FOLDS,
    FOLDS,
    SHIPPED,
    TRAIN_MIN_WORDS,
    Row,
    _threshold,
    _weight,
    operator_bar,
    train,
    training_set,
    words,
)
from scanners.text.pi_model import LinearModel

FLOORS = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25)
BUDGETS = (0.01, 0.02, 0.03, 0.05, 1.0)
"""Weighted out-of-fold false-positive budgets; 1.0: the threshold is the floor."""
SCORE_MINS = (20, 16, 12, 8)
TRAIN_MINS = (20, 12)
"""Fewest words of the texts each candidate model trains on (`TRAIN_MIN_WORDS`)."""
SHORT_BARS = (0.0, 0.7, 0.8, 0.9)
"""For texts of the score minimum to 19 words, the score must also reach this bar."""


class Fitted(NamedTuple):
    """One model's out-of-fold benign scores (score, weight, operator) from its inner folds,
    and its scores of the rows it is judged on, with their word counts."""

    inner: list[tuple[float, float, bool]]
    judged: list[tuple[int, float, int]]
    """(row index, score, distinct words) of each judged row."""


def _model(rows: list[Row]) -> LinearModel:
    weights, bias = train(rows, SHIPPED)
    return LinearModel(weights, bias, 0.5, frozenset(weights))


def fit_once(data: list[Row], judge: dict[int, Row], train_min: int) -> Fitted:
    """As `evals.train_pi.fit`, with texts of at least `train_min` words, keeping the raw
    scores: the inner folds' benign ones and the outer model's of the rows `judge`."""
    rows = [row for row in data if row.count >= train_min and not row.rules_only]
    inner: list[tuple[float, float, bool]] = []
    for k in range(FOLDS):
        model = _model([row for i, row in enumerate(rows) if i % FOLDS != k])
        held = [row for i, row in enumerate(rows) if i % FOLDS == k and row.label == 0]
        inner += [(model.score(r.words), _weight(r, SHIPPED), r.operator) for r in held]
    model = _model(rows)
    return Fitted(inner, [(i, model.score(r.words), r.count) for i, r in judge.items()])


class Point(NamedTuple):
    floor: float
    budget: float
    score_min: int
    short_bar: float


def _bars(fitted: Fitted, point: Point) -> tuple[float, float]:
    threshold = _threshold([(s, w) for s, w, _ in fitted.inner], point.budget, point.floor)
    return threshold, operator_bar(threshold, [s for s, _, op in fitted.inner if op])


def _hit(score: float, count: int, point: Point, bar: float) -> bool:
    if count < point.score_min:
        return False
    return score >= bar and (count >= TRAIN_MIN_WORDS or score >= point.short_bar)


def _rate(hits: list[bool], rows: list[int]) -> float:
    return sum(hits[i] for i in rows) / max(1, len(rows))


def main(argv: list[str]) -> int:
    data = training_set()
    ruled = _rules_flag(data)
    looks = [Row(words(text), 0, 1.0, text=text, source=name) for name, text in lookalikes()]
    look_ruled = [flag for flag, _ in _rules_flag(looks)]
    attacks = [i for i, row in enumerate(data) if row.label == 1]
    benign = [i for i, row in enumerate(data) if row.label == 0]
    general = [i for i in benign if data[i].source.startswith("promptforge:general")]
    operator = [i for i in benign if data[i].operator]
    print(f"{len(attacks)} dev attacks, {len(benign)} benign ({len(general)} general role "
          f"prompts, {len(operator)} system/task prompts), {len(looks)} look-alikes "
          f"({sum(look_ruled)} flagged by the rules)", flush=True)  # fmt: skip
    chosen = [int(a) for a in argv if a.isdigit()] or list(TRAIN_MINS)
    for train_min in chosen:
        schemes: dict[str, list[Fitted]] = {}
        for how in ("text", "package"):
            fold_of = folds(data, how)
            schemes[how] = []
            for k in range(CV_FOLDS):
                part = [row for row, f in zip(data, fold_of, strict=True) if f != k]
                held = {i: data[i] for i, f in enumerate(fold_of) if f == k}
                schemes[how].append(fit_once(part, held, train_min))
            print(f"  fitted: trained on >= {train_min} words, folds by {how}", flush=True)
        full = fit_once(data, dict(enumerate(looks)), train_min)
        _print_grid(ruled, look_ruled, schemes, full, train_min,
                    (attacks, benign, general, operator))  # fmt: skip
    return 0


def _print_grid(
    ruled: list[tuple[bool, bool]],
    look_ruled: list[bool],
    schemes: dict[str, list[Fitted]],
    full: Fitted,
    train_min: int,
    groups: tuple[list[int], list[int], list[int], list[int]],
) -> None:
    attacks, benign, general, operator = groups
    print(
        f"trained on >= {train_min} words | floor budget score_min short_bar | text: det FP "
        "general-roles op-as-system | package: det FP general-roles op-as-system | "
        "look-alikes flagged"
    )
    for point in (Point(*p) for p in product(FLOORS, BUDGETS, SCORE_MINS, SHORT_BARS)):
        if point.short_bar and point.score_min >= TRAIN_MIN_WORDS:
            continue
        cells = []
        for scheme in schemes.values():
            flagged = [r for r, _ in ruled]
            system = [s for _, s in ruled]
            thresholds = []
            for fitted in scheme:
                threshold, bar = _bars(fitted, point)
                thresholds.append(threshold)
                for i, score, count in fitted.judged:
                    flagged[i] = flagged[i] or _hit(score, count, point, threshold)
                    system[i] = system[i] or _hit(score, count, point, bar)
            cells.append(f"{_rate(flagged, attacks):6.2%} {_rate(flagged, benign):5.2%} "
                         f"{_rate(flagged, general):5.1%} "
                         f"{sum(system[i] for i in operator):2d} "
                         f"[{min(thresholds):.3f}-{max(thresholds):.3f}]")  # fmt: skip
        threshold, _ = _bars(full, point)
        look = sum(look_ruled[i] or _hit(score, count, point, threshold)
                   for i, score, count in full.judged)  # fmt: skip
        print(f"{train_min:2d} | {point.floor:.2f} {point.budget:4.2f} {point.score_min:2d} "
              f"{point.short_bar:.1f} (thr {threshold:.3f}) | {cells[0]} | {cells[1]} | "
              f"{look}", flush=True)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
