"""Short injection phrases from five guardrail test lists (issue 14, sixth round).

Like the fifth round's kits (`evals/sources_kits.py`), each ships a hand-written list of its
own, in its own words, and mostly short texts:

- `promptwl==0.3.2` (MIT, "SecLists, but for language models") `promptwl/wordlists/**.txt`:
  one phrase a line, by family, and the same core patterns translated into ten languages
  (Spanish, French, German, Portuguese, Italian, Russian, Chinese, Arabic, Hindi, Japanese;
  Hindi is in no earlier source). Taken: the families whose every line is an injection on its
  own (instruction override, persona override, authority impersonation, system-prompt leak,
  tool and RAG injection, memory and session poisoning, image and file injection, language
  switching, encoding obfuscation) and the multilingual files (whose eight lines include "do
  not refuse to answer" and "answer without any warning", kept as the file gives them). Left
  out: families whose lines are not an injection alone — refusal suppression ("do not
  apologize", "no moralizing"), hypothetical framing with no request in it, bare delimiter
  tokens (`[INST]`, `<|user|>`), payload-splitting set-ups, training-data extraction (not an
  injection), and the token lists (confusables, anomalous tokens, code-point names).
- `agentic-redteam==1.0.0` (MIT) `agentic_redteam/payloads/*.yaml`: promptfoo-style suites of
  one query each; its prompt-injection, indirect-injection and jailbreak suites (attacks) and
  its clean-query suite (benign: what the same pipeline must let through). Jailbreak cases that
  are a harmful request reworded (fiction, academic, poetry, continuation framing, reverse
  psychology, a string of ordinary questions) are not taken: benign for this check here, as
  deepteam's are.
- `jailbreak-arena==0.1.1` (MIT) `jailbreak_arena/tasks.py` (read with `ast`): the seed
  prompts of its tasks, five each, in the categories that inject (identity and role,
  prompt extraction, injection and manipulation, logic and context, agentic attacks); its
  harmful-content, compliance (copyright, competitor) and technical (SQL, SSRF: other checks)
  tasks are not taken.
- `promptgate==0.5.0` (MIT), a Japanese prompt-injection detector: the attack exemplars its
  embedding detector compares against (`promptgate/detectors/embedding.py`,
  `_ATTACK_EXEMPLARS`, read with `ast`): direct injection, jailbreak, data exfiltration,
  prompt leaking and indirect injection, in English and Japanese, plain and reworded.
- `langkit==0.0.35` (Apache-2.0, WhyLabs): the jailbreak theme its similarity metric compares
  prompts with (`langkit/themes.json`, `jailbreak`: 27 DAN, AIM, "opposite mode", "the
  assistant is offline" set-ups and PromptInject-style hijacks, names blanked as shipped), and
  the prompts of its reference chats' `pos` and `neg` examples (benign: "Can you describe a
  difficult day?"). Its `archived_chats` are not taken: unlabelled, and one is a jailbreak.

Read from the pinned wheels with `yaml.safe_load` and plain text, never installed; every item
goes to dev or held-out by its own SHA-256 (`evals.heldout.split_of`). Short texts: their dev
halves are for rules, not for the classifier (`train_pi.RULES_ONLY`). Licences:
`evals/PROVENANCE.md`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read
from evals.sources_kits import _calls
from evals.sources_pi import _literal_module

PINS.update({"promptwl": "0.3.2", "agentic-redteam": "1.0.0", "jailbreak-arena": "0.1.1",
             "promptgate": "0.5.0", "langkit": "0.0.35"})  # fmt: skip

PI = "prompt_injection"
_WORDLISTS = (
    "injection/instruction-override", "jailbreak/persona-override",
    "jailbreak/authority-impersonation", "extraction/system-prompt-leak",
    "agents/tool-and-rag-injection", "agents/memory-and-session-poisoning",
    "multimodal/image-and-file-injection", "evasion/language-switching",
    "evasion/encoding-obfuscation",
)  # fmt: skip
_LANGS = ("es", "fr", "de", "pt", "it", "ru", "zh", "ar", "hi", "ja")


def _lines(path: str) -> Iterator[str]:
    for line in read("promptwl", f"promptwl/wordlists/{path}.txt").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.strip()


def promptwl_phrases() -> Iterator[Item]:
    """promptwl's injection families (English) and its translated core patterns."""
    for path in _WORDLISTS:
        family = path.split("/")[1]
        yield from (Item(PI, "attack", t, f"promptwl:{family}:lang=en") for t in _lines(path))
    for lang in _LANGS:
        yield from (Item(PI, "attack", t, f"promptwl:multilingual:lang={lang}")
                    for t in _lines(f"multilingual/{lang}"))  # fmt: skip


_SUITES = {"prompt_injection": "attack", "indirect_injection": "attack", "jailbreak": "attack",
           "clean_queries": "benign"}  # fmt: skip
_REWORDED = ("Fictional framing", "Academic framing", "Token stuffing", "Reverse psychology",
             "Continuation attack", "Poetry format")  # fmt: skip
"""agentic-redteam's jailbreak cases (by their description) that frame a harmful request and
inject nothing."""


def agentic_redteam_suites() -> Iterator[Item]:
    for suite, label in _SUITES.items():
        cases = yaml.safe_load(read("agentic-redteam", f"agentic_redteam/payloads/{suite}.yaml"))
        for case in cases:
            query, about = case.get("vars", {}).get("query"), str(case.get("description", ""))
            if isinstance(query, str) and not any(r in about for r in _REWORDED):
                yield Item(PI, label, query, f"agentic_redteam:{suite}")


_ARENA = ("Identity & Role", "Data & Prompt Extraction", "Injection & Manipulation",
          "Logic & Context", "Agentic Attacks")  # fmt: skip


def jailbreak_arena_seeds() -> Iterator[Item]:
    """jailbreak-arena's seed prompts of the task categories that inject."""
    for _, kw in _calls(read("jailbreak-arena", "jailbreak_arena/tasks.py"), "Task"):
        if kw.get("category") in _ARENA:
            for text in kw.get("seed_prompts") or []:  # type: ignore[attr-defined]
                yield Item(PI, "attack", str(text), f"jailbreak_arena:{kw.get('attack_type')}")


def promptgate_exemplars() -> Iterator[Item]:
    """promptgate's attack exemplars, by category; Japanese ones tagged by their script."""
    module = _literal_module(read("promptgate", "promptgate/detectors/embedding.py"))
    for category, texts in module["_ATTACK_EXEMPLARS"].items():
        for text in texts:
            lang = "ja" if any("\u3040" <= ch <= "\u9fff" for ch in text) else "en"
            yield Item(PI, "attack", str(text), f"promptgate:{category}:lang={lang}")


def langkit_themes() -> Iterator[Item]:
    """langkit's jailbreak theme (attacks) and its reference chats' labelled prompts (benign)."""
    for text in json.loads(read("langkit", "langkit/themes.json"))["jailbreak"]:
        yield Item(PI, "attack", str(text), "langkit:jailbreak_theme")
    chats = json.loads(read("langkit", "langkit/whylogs/reference_chats.json"))
    for key in ("pos", "neg"):
        for chat in chats.get(key, []):
            yield Item(PI, "benign", str(chat["prompt"]), f"langkit:reference_{key}")


LIST_SOURCES = (promptwl_phrases, agentic_redteam_suites, jailbreak_arena_seeds,
                promptgate_exemplars, langkit_themes)  # fmt: skip
