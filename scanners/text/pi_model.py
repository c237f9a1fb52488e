"""The second stage of `prompt_injection`: a small linear classifier over the text's words.

The phrase rules catch the phrasings they were written for; jailbreaks collected in the wild
are long role-play set-ups ("you are going to pretend to be ...", "stay in character",
"[🔓JAILBREAK]") whose wording varies without end. A logistic regression over which words
occur (binary features, scaled by 1/sqrt(number of distinct words) so a long document does
not add up to a verdict by length alone) generalises from them where rules cannot.

Cost: a long ASCII text's vocabulary words are found by the one Aho-Corasick pass the gates
make anyway (`prompt_injection` registers `keys`, each word as its one-pass key, with
`atoms.ATOMS`, read only in such texts), and the verdict is taken from `bounds`: the sum of
the hits' weights is exact, and the number of distinct words, which the score divides by,
lies between the number of hits and the text's word count, so where the score at both ends
lies on one side of a bar the word set is never built. That set (splitting and hashing every
word) was ~470k of the 4 KB chat body's ~1.12M instructions per scan, all six checks; now
the whole scan is ~0.83M (`python -m benchmarks.scan_instructions --base main -n 40`). A
score near a bar, a short or non-ASCII text, or one with `_` is scored from the word set
as before (`score`), so every verdict is the word set's (`tests/scanners/text/
test_pi_bounded.py`; `python -m evals.same_findings --base main`: no eval text differs).
Weights (`pi_model.json`, 8,000 words, ~135 KB) ship in the package; nothing is downloaded
at run time.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from scanners.text.atoms import word_key

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

    keys: Mapping[str, float] = field(init=False, repr=False, compare=False)
    """The weights of the ASCII words without `_` by their one-pass keys (`atoms.word_key`):
    what `prompt_injection` registers so that a long text's pass finds them (`bounds`)."""
    key_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = {word_key(w): v for w, v in self.weights.items() if w.isascii() and "_" not in w}
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "key_set", frozenset(keys))

    def bounds(self, hits: frozenset[str], least: int, most: int) -> tuple[float, float]:
        """The lowest and highest `score` of a text whose vocabulary words are `hits` (as
        `keys`) and whose number of distinct words lies in [`least`, `most`]: the score is
        monotone in that number, so the ends bound it. Where both lie on one side of a bar,
        the verdict needs no word set: counting distinct words (splitting and hashing every
        word) was ~470k of the 4 KB chat body's 1.12M instructions."""
        keys = self.keys
        total = sum(map(keys.__getitem__, hits))
        ends = (self._sigmoid(total / math.sqrt(least)), self._sigmoid(total / math.sqrt(most)))
        return min(ends), max(ends)

    def _sigmoid(self, z: float) -> float:
        z += self.bias
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

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
