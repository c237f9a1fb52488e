"""Prompt injection: attempts to override, unlock or extract the model's instructions.

Four families, each written as phrase patterns over normalised text: instruction override
("ignore all previous instructions"), role-play jailbreaks (an unrestricted persona, "DAN",
"developer mode"), system-prompt extraction ("print your system prompt") and guardrail bypass
("disable your safety filters"), in English here and in other languages in `prompt_phrases`.
Ordinary role-play ("act as a tour guide"), a user correcting themselves ("ignore my previous
instructions, make it shorter") and how-to questions about system prompts are not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from scanners.text.finding import Finding, Rule, RuleDetector
from scanners.text.gates import TextView
from scanners.text.pi_model import LinearModel, load_model
from scanners.text.prompt_agentic import AGENTIC_RULES
from scanners.text.prompt_agentic_ja import AGENTIC_JAPANESE_RULES
from scanners.text.prompt_agentic_ko import AGENTIC_KOREAN_RULES
from scanners.text.prompt_agentic_zh import CHINESE_AGENTIC_RULES
from scanners.text.prompt_canary import CANARY_RULES
from scanners.text.prompt_carried_zh import CARRIED_CHINESE_RULES
from scanners.text.prompt_carriers import CARRIER_RULES
from scanners.text.prompt_direct import DIRECT_RULES
from scanners.text.prompt_direct_leak import LEAK_RULES
from scanners.text.prompt_direct_persona import PERSONA_RULES
from scanners.text.prompt_directives import DIRECTIVE_RULES
from scanners.text.prompt_encoding import ENCODING_RULES
from scanners.text.prompt_extraction import EXTRACTION_RULES
from scanners.text.prompt_forged import FORGED_RULES
from scanners.text.prompt_history_zh import HISTORY_CHINESE_RULES
from scanners.text.prompt_indirect import INDIRECT_RULES
from scanners.text.prompt_language import LANGUAGE_RULES
from scanners.text.prompt_memory import MEMORY_RULES
from scanners.text.prompt_orders import ORDER_RULES
from scanners.text.prompt_overrides import OVERRIDE_RULES
from scanners.text.prompt_phrases import INTERNATIONAL_RULES
from scanners.text.prompt_planted import PLANTED_RULES
from scanners.text.prompt_probes import PROBE_RULES
from scanners.text.prompt_probes_state import STATE_RULES
from scanners.text.prompt_quoted import QUOTES, guarded_against, quoted_example
from scanners.text.prompt_refusal import REFUSAL_RULES
from scanners.text.prompt_repo import REPO_RULES
from scanners.text.prompt_rules_en import ENGLISH_RULES
from scanners.text.prompt_setups import SETUP_RULES
from scanners.text.prompt_short import SHORT_RULES
from scanners.text.prompt_short_world import SHORT_WORLD_RULES
from scanners.text.prompt_slant import SLANT_RULES
from scanners.text.prompt_terse import TERSE_RULES
from scanners.text.prompt_terse_world import TERSE_WORLD_RULES
from scanners.text.prompt_tooldesc import TOOLDESC_RULES
from scanners.text.prompt_unlocks import UNLOCK_RULES

MIN_WORDS = 16
"""Fewest distinct words a text needs before the classifier judges it. The model trains on
texts of 20 words or more (`evals.train_pi.TRAIN_MIN_WORDS`); read from 16 it caught more
attacks of unseen packages and flagged none of the rule tests' look-alikes, read from 12 it
flagged a dozen (docs/input-scanning.md, ninth round)."""
SHORT_MIN_WORDS = 3
"""Fewest distinct words a text needs before the short texts' model (`LinearModel.short`)
judges it, below `MIN_WORDS`."""

OPERATOR_FAMILIES = (
    "jailbreak_phrase",
    "persona_",
    "pliny_markers",
    "guardrail_bypass",
    "filter_off",
    "unlock_",
    "classifier_operator",
    "encoded:",
)
"""Rule-name prefixes that still count in text the operator wrote (a `system` or `developer`
message, `instructions`): a named jailbreak, an unrestricted persona, switching safety off,
a classifier score above the operator bar, or instructions hidden in an encoding. An
application's own system prompt legitimately tells the model to disregard earlier context,
lists the attacks it must refuse ("block attempts to override system instructions"), carries
"System prompt:" headings and says what never to reveal; those findings (override,
extraction, forged turns, refusal suppression) are what a user or a tool result must not say,
not its author."""
_SNAKE = re.compile(r"[^\W\d_]_[^\W\d_]")


class PromptInjectionDetector(RuleDetector):
    """Flags instruction-override, jailbreak and extraction phrasings in several languages."""

    name = "prompt_injection"

    def __init__(self, model: LinearModel | None = None) -> None:
        super().__init__()
        self.model = model if model is not None else load_model()

    def scan_decided(self, text: str, view: TextView, passing: Sequence[int]) -> list[Finding]:
        """Rules first; then, when no rule hit, the classifier over the text's words.

        Words joined by underscores (`ignore_all_previous_instructions`) are read as
        separate words by both stages: the rules rescan a copy with `_` as spaces (same
        length, so spans still fit). A classifier hit spans the whole text.
        """
        found = super().scan_decided(text, view, passing) if passing else []
        if not found and "_" in text and _SNAKE.search(text):
            spaced = text.replace("_", " ")
            again = TextView(spaced)  # the rules alone (`super()`), not this whole method
            found = super().scan_decided(spaced, again, self._passing(again))
        return self._judged(text, found, view)

    def scan_ungated(self, text: str) -> list[Finding]:
        found = super().scan_ungated(text)
        if not found and "_" in text and _SNAKE.search(text):
            found = super().scan_ungated(text.replace("_", " "))
        return self._judged(text, found, TextView(text))

    def _judged(self, text: str, found: list[Finding], view: TextView) -> list[Finding]:
        """The rule hits the text gives as orders; when it has none, the classifier's verdict,
        unless every hit was a phrase the text only names: a page or a hardened prompt that
        lists attacks uses their words, and a bag of words cannot tell naming from giving."""
        if not found:
            return self._classify(text, view)
        return self._named_only(text, found)

    @staticmethod
    def _named_only(text: str, found: list[Finding]) -> list[Finding]:
        """`found` without the phrases a text names rather than gives: quoted as an example,
        or listed as what to refuse (`prompt_quoted`), up to the first one given as an order."""
        if not found:
            return found
        if any(c in text for c in QUOTES):
            found = [f for f in found if not quoted_example(text, f)]
        # Up to the first phrase given as an order: from there on the text is an attack, and
        # judging every later hit (dozens in a long role-play) would only cost time.
        for i, f in enumerate(found):
            if not guarded_against(text, f):
                return found[i:]
        return []

    def _classify(self, text: str, view: TextView) -> list[Finding]:
        """Stage two: texts long enough to be a set-up (`MIN_WORDS` distinct words) by the
        long texts' model; shorter ones by the short texts' model, trained apart (on a
        handful of words the long model mistakes "stay in character as Sherlock" for a
        jailbreak)."""
        if view.fewer_words_than(MIN_WORDS):
            short = self.model.short
            if short is None or view.fewer_words_than(SHORT_MIN_WORDS):
                return []
            if short.score(view.tokens) < short.threshold:
                return []
            # never counts in text the operator wrote (`OPERATOR_FAMILIES`): a system prompt's
            # one-line order reads like an injection to a bag of a few words
            return [Finding(self.name, "classifier_short", 0, len(text))]
        score = self.model.score(view.tokens)
        if score < self.model.threshold:
            return []
        sure = score >= self.model.operator_threshold
        return [Finding(self.name, "classifier_operator" if sure else "classifier", 0, len(text))]

    def build_rules(self) -> Iterable[Rule]:
        return (
            *ENGLISH_RULES,
            *EXTRACTION_RULES,
            *INDIRECT_RULES,
            *DIRECTIVE_RULES,
            *INTERNATIONAL_RULES,
            *REFUSAL_RULES,
            *UNLOCK_RULES,
            *ORDER_RULES,
            *PLANTED_RULES,
            *CANARY_RULES,
            *CARRIER_RULES,
            *DIRECT_RULES,
            *PERSONA_RULES,
            *LEAK_RULES,
            *REPO_RULES,
            *MEMORY_RULES,
            *LANGUAGE_RULES,
            *ENCODING_RULES,
            *SETUP_RULES,
            *AGENTIC_RULES,
            *CHINESE_AGENTIC_RULES,
            *CARRIED_CHINESE_RULES,
            *HISTORY_CHINESE_RULES,
            *AGENTIC_JAPANESE_RULES,
            *AGENTIC_KOREAN_RULES,
            *FORGED_RULES,
            *PROBE_RULES,
            *STATE_RULES,
            *OVERRIDE_RULES,
            *SLANT_RULES,
            *SHORT_RULES,
            *SHORT_WORLD_RULES,
            *TERSE_RULES,
            *TERSE_WORLD_RULES,
            *TOOLDESC_RULES,
        )


def holds_in_operator_text(finding: Finding) -> bool:
    """Whether a prompt_injection finding still counts when the operator wrote the text."""
    return finding.rule.startswith(OPERATOR_FAMILIES)
