"""The short texts' model of the prompt-injection classifier (`LinearModel.short`), split
from `evals/train_pi.py` by job; `python -m evals.train_pi` writes both models.

Texts of `SHORT_MIN_WORDS` to `MIN_WORDS` distinct words were the rules' alone, and short
injections written apart from ours (bastioncorpus, the kits, the sixth round's phrase lists)
are what the rules missed most. This model is the long one's recipe fitted on short texts
only, from every source (the rules-only ones too: a short injection is what it is), with its
own threshold from out-of-fold scores at `Recipe.short_fp` of the short benign texts, where
the benign texts written as look-alikes (`LOOKALIKES`) count HARD_WEIGHT times. Its findings
(`classifier_short`) never count in a system message. The figures that chose it are in
docs/input-scanning.md (sixth round).
"""

from __future__ import annotations

from evals.train_pi import FOLDS, HARD_WEIGHT, SHIPPED, Recipe, Row, _threshold, _weight, train
from scanners.text.pi_model import LinearModel

SHORT_C = 1.0
SHORT_KEEP = 2000
LOOKALIKES = ("corpus", "bastion:", "aib:", "langkit:")
"""Sources whose benign texts were written as look-alikes of short injections ("ignore my
previous instructions, make it shorter"; bastioncorpus's, agent-injection-bench's controls,
langkit's reference prompts): few, and the short texts' model's likeliest false positives,
so they count HARD_WEIGHT times there (`_lookalike`)."""


def fit_short(data: list[Row], recipe: Recipe = SHIPPED) -> LinearModel:
    """The short texts' model: the same fit on the short rows of every source (the rules-only
    ones too: short injections are what they are), C = SHORT_C, the SHORT_KEEP largest
    weights, the threshold at `recipe.short_fp` of the out-of-fold short benign scores."""
    data = [_lookalike(row) for row in data if row.short]
    short = recipe._replace(c=SHORT_C, keep=SHORT_KEEP)
    out_of_fold: list[tuple[float, float]] = []
    for k in range(FOLDS):
        weights, bias = train([row for i, row in enumerate(data) if i % FOLDS != k], short)
        model = LinearModel(weights, bias, 0.5, frozenset(weights))
        held = [row for i, row in enumerate(data) if i % FOLDS == k and row.label == 0]
        out_of_fold += [(model.score(row.words), _weight(row, short)) for row in held]
    threshold = _threshold(out_of_fold, recipe.short_fp, recipe.floor)
    weights, bias = train(data, short)
    return LinearModel(weights, bias, threshold, frozenset(weights))


def _lookalike(row: Row) -> Row:
    """A benign text written to look like a short injection (`LOOKALIKES`) counts
    HARD_WEIGHT times in the short texts' model, in its loss and in its threshold's budget."""
    if row.label == 0 and row.source.startswith(LOOKALIKES):
        return row._replace(weight=HARD_WEIGHT)
    return row
