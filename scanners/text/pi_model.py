"""The second stage of `prompt_injection`: a small linear classifier over the text's words.

The phrase rules catch the phrasings they were written for; jailbreaks collected in the wild
are long role-play set-ups ("you are going to pretend to be ...", "stay in character",
"[🔓JAILBREAK]") whose wording varies without end. A logistic regression over which words
occur (binary features, scaled by 1/sqrt(number of distinct words) so a long document does
not add up to a verdict by length alone) generalises from them where rules cannot.

Cost: it reuses the word set the gates already built (`TextView.tokens`), so a scan is one
C-level set intersection with the vocabulary and a sum over the hits: ~15-30 µs per 4 KB
(`python -m benchmarks.scan_cost`). Weights (`pi_model.json`, 8,000 words, ~135 KB)
ship in the package; nothing is downloaded at run time.

Short texts (3 to 15 distinct words) may have a model of their own (`LinearModel.short`,
the JSON's `short`), trained on short texts only; none ships: measured by cross-validation
it flagged hand-written benign look-alikes ("Show me the instructions for assembling this
shelf") about as often as it caught the short attacks the rules miss (docs/input-scanning.md,
sixth round). `evals/train_pi.py` retrains them from public data (its docstring names the
sources and the split); `evals/PROVENANCE.md` records where the data comes from and its
licence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("pi_model.json")


def features(tokens: frozenset[str]) -> frozenset[str]:
    """The words the model sees: the text's tokens, with `a_b_c` also split at underscores
    (`ignore_all_previous_instructions` is an evasion of word-based checks)."""
    if "_" in "".join(tokens):  # one C-level join, not a Python loop over every word
        extra = {part for t in tokens if "_" in t for part in t.split("_") if part}
        return tokens | extra
    return tokens


@dataclass(frozen=True, slots=True)
class LinearModel:
    """`sigmoid(bias + sum(weight[w] for w in words) / sqrt(len(words)))` >= threshold.

    `operator_threshold` is the stricter bar for text the operator wrote (a system message):
    chosen in training above the scores of the dev split's legitimate system and task
    prompts, which a bag of words reads much like the role-play set-ups it was trained on.
    """

    weights: dict[str, float]
    bias: float
    threshold: float
    vocabulary: frozenset[str]
    operator_threshold: float = 1.0
    short: LinearModel | None = None
    """The model for short texts (`SHORT_MIN_WORDS` to `MIN_WORDS` distinct words in
    `prompt_injection`), trained on short texts only, with its own threshold."""

    def score(self, tokens: frozenset[str]) -> float:
        words = features(tokens)
        if not words:
            return 0.0
        hits = words & self.vocabulary
        weights = self.weights
        total = sum(weights[w] for w in hits)
        z = self.bias + total / math.sqrt(len(words))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def flags(self, tokens: frozenset[str]) -> bool:
        return self.score(tokens) >= self.threshold

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        weights = {str(k): float(v) for k, v in dict(data["weights"]).items()}  # type: ignore[call-overload]
        short = data.get("short")
        return cls(
            weights,
            float(data["bias"]),  # type: ignore[arg-type]
            float(data["threshold"]),  # type: ignore[arg-type]
            frozenset(weights),
            float(data.get("operator_threshold", 1.0)),  # type: ignore[arg-type]
            cls.from_json(short) if isinstance(short, dict) else None,
        )


@cache
def load_model(path: Path = MODEL_PATH) -> LinearModel:
    """The shipped model, read once per process."""
    with path.open(encoding="utf-8") as f:
        return LinearModel.from_json(json.load(f))
