"""The short texts' model of the prompt-injection classifier (`LinearModel.short`), split
from `evals/train_pi.py` by job; `python -m evals.train_pi` writes both models.

Texts of `SHORT_MIN_WORDS` to `MIN_WORDS` distinct words were the rules' alone, and short
injections written apart from ours (bastioncorpus, the kits, the sixth round's phrase lists)
are what the rules missed most. This model is the long one's recipe fitted on short texts
only, from every source (the rules-only ones too: a short injection is what it is), with its
own threshold from out-of-fold scores at `Recipe.short_fp` of the short benign texts, where
the benign texts written as look-alikes (`LOOKALIKES`) count HARD_WEIGHT times. Its findings
(`classifier_short`) never count in a system message.

The short benign texts of the public sets are few and easy (chat lines, example sentences,
harmful requests), so the model also reads the sentences of the dev half's long benign texts
(`sentences`: a system prompt's "You are ChatGPT, a large language model", a page's "Note
that some metrics are for RAG pipelines", a role prompt's first line), at most
`SENTENCES_PER_PACKAGE` of each package. `python -m evals.cv_pi_short` judges it with whole
packages held out and gates it on the rule tests' look-alikes; the figures that keep it off
are in docs/input-scanning.md (sixth and seventh rounds).
"""

from __future__ import annotations

import hashlib
import re

from evals.train_pi import FOLDS, HARD_WEIGHT, SHIPPED, Recipe, Row, _threshold, _weight, train
from evals.train_pi import words as words_of
from scanners.text.pi_model import LinearModel

SHORT_C = 1.0
SHORT_KEEP = 2000
LOOKALIKES = ("corpus", "bastion:", "aib:", "langkit:")
"""Sources whose benign texts were written as look-alikes of short injections ("ignore my
previous instructions, make it shorter"; bastioncorpus's, agent-injection-bench's controls,
langkit's reference prompts): few, and the short texts' model's likeliest false positives,
so they count HARD_WEIGHT times there (`_lookalike`)."""
SENTENCES_PER_PACKAGE = 300
"""Most sentences `sentences` takes from one package's long benign texts, so the thousands
of inspect-evals and Python-docs sentences do not make up the benign side alone."""
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+|\n+")


def fit_short(data: list[Row], recipe: Recipe = SHIPPED) -> LinearModel:
    """The short texts' model: the same fit on the short rows of every source (the rules-only
    ones too: short injections are what they are) and the long benign texts' short sentences,
    C = SHORT_C, the SHORT_KEEP largest weights, the threshold at `recipe.short_fp` of the
    out-of-fold short benign scores."""
    data = short_rows(data)
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


def short_rows(data: list[Row]) -> list[Row]:
    """What the short texts' model trains on: `data`'s short rows, look-alikes weighted
    (`_lookalike`), then the short sentences of its long benign rows (`sentences`)."""
    return [*(_lookalike(row) for row in data if row.short), *sentences(data)]


def sentences(data: list[Row]) -> list[Row]:
    """Short benign rows cut from `data`'s long benign texts: each sentence or line of
    `SHORT_MIN_WORDS` to `MIN_WORDS` words that is not already a text of `data`, at most
    SENTENCES_PER_PACKAGE per package, chosen by hash (so by nobody, and the same each run).
    The team corpus is left out: its texts are the look-alikes, weighted apart."""
    seen = {row.text for row in data}
    by_package: dict[str, list[tuple[bytes, str, str]]] = {}
    for row in data:
        if row.label or row.short or row.source == "corpus" or not row.judged:
            continue
        for part in _SENTENCE_END.split(row.text):
            sentence = part.strip(" -*#>|\t")
            if len(sentence) < 12 or sentence in seen:
                continue
            seen.add(sentence)
            key = hashlib.sha256(sentence.encode("utf-8", "surrogatepass")).digest()
            by_package.setdefault(row.source.split(":")[0], []).append((key, sentence, row.source))
    rows: list[Row] = []
    for package in sorted(by_package):
        taken = 0
        for _, sentence, source in sorted(by_package[package]):
            row = Row(words_of(sentence), 0, 1.0, False, sentence, f"{source}:sentence")
            if row.short:
                rows.append(row)
                taken += 1
                if taken == SENTENCES_PER_PACKAGE:
                    break
    return rows


def _lookalike(row: Row) -> Row:
    """A benign text written to look like a short injection (`LOOKALIKES`) counts
    HARD_WEIGHT times in the short texts' model, in its loss and in its threshold's budget."""
    if row.label == 0 and row.source.startswith(LOOKALIKES):
        return row._replace(weight=HARD_WEIGHT)
    return row
