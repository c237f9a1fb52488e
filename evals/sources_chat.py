"""Benign things users say and ask, in many languages (issue 14, sixth round).

The hidden sets are in several languages, and the benign side here is mostly English prose,
documents and prompts; other languages came from translated software messages, man pages and
the Debian reference, none of them a user talking to an assistant. Two packages add that:

- `chatterbot-corpus==1.3.3` (BSD-3-Clause, Gunther Cox and contributors): the multilingual
  dialog corpus of the ChatterBot engine, conversations written by volunteers in 28 languages
  (English, Persian, Italian, Ukrainian, Spanish, Japanese, Portuguese, Dutch, Korean,
  Indonesian, Turkish, German, Bengali, French, Swedish, Hindi, Marathi, Russian, Tamil,
  Hebrew, Oriya, Chinese in both scripts, Hinglish, Yoruba, Urdu, Telugu, Thai) on greetings, AI and
  the bot's own profile ("are you a robot?", "what is your purpose?": the words persona
  jailbreaks use), computers, emotions, history, money, science... Taken: the user's side of
  each conversation (every other line from the first), 8 characters or more, at most
  `PER_LANGUAGE` per language chosen with a fixed seed, tagged `chatterbot:user:lang=xx`.
- `jp-prompt==0.1.0` (MIT): 50 Japanese prompt templates (business, coding, creative,
  education, writing), each a system instruction and the user's prompt with its `{slots}`
  left as shipped (`jp_prompt:<category>:lang=ja`).
- `spacy==3.8.18` (MIT, Explosion): the example sentences each of its language modules
  ships (`spacy/lang/<code>/examples.py`, read with `ast`): headlines and questions ("Wo bist
  du?", "Was ist die Hauptstadt von Deutschland?") written by native speakers, 564 in all,
  in 68 languages from Amharic, Armenian and Tibetan to Tigrinya, Vietnamese and Yoruba
  (`spacy:examples:lang=<code>`).
- WritingBench (X-PLUG; the 1,000 queries of `inspect_evals/writingbench/benchmark_all.jsonl`
  as `inspect-evals==0.26.0`, MIT, ships them): long writing requests users make in Chinese
  and English (a paper outline, a contract, a press release, a lesson plan...), most with the
  reference material pasted in (median ~3,900 characters), cut at `MAX_QUERY` characters
  (`writingbench:query:lang=zh|en`, by the text's script).
- PersistBench (`inspect_evals/persistbench/benchmark_samples/*.jsonl`, same package): 500
  questions users ask an assistant with memory (`persistbench:query`), and the stored
  memories handed to the model with each ("User strongly believes ...", "The user's sister is
  lactose intolerant"), as its `formatted_memories` writes them into the system prompt
  (`persistbench:memories`): the benign side of a memory-poisoning injection.

Benign for `prompt_injection` only. Read from the pinned wheels with `yaml.safe_load`, never
installed; every item goes to dev or held-out by its own SHA-256 (`evals.heldout.split_of`).
Licences: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read, wheel
from evals.sources_pi import _literal_module  # also pins inspect-evals, read for WritingBench

PINS.update({"chatterbot-corpus": "1.3.3", "jp-prompt": "0.1.0", "spacy": "3.8.18"})

PI = "prompt_injection"
PER_LANGUAGE = 100
MAX_QUERY = 12000
_DATA = "chatterbot_corpus/data/"
_CODES = {
    "english": "en", "persian": "fa", "italian": "it", "ukrainian": "uk", "spanish": "es",
    "japanese": "ja", "portuguese": "pt", "dutch": "nl", "korean": "ko", "indonesian": "id",
    "turkish": "tr", "german": "de", "bengali": "bn", "french": "fr", "swedish": "sv",
    "hindi": "hi", "marathi": "mr", "russian": "ru", "tamil": "ta", "hebrew": "he",
    "oriya": "or", "chinese": "zh", "traditionalchinese": "zh-tw", "hinglish": "hi-latn",
    "yoruba": "yo", "urdu": "ur", "telugu": "te", "thai": "th",
}  # fmt: skip


def _user_turns(name: str) -> Iterator[str]:
    try:
        doc = yaml.safe_load(read("chatterbot-corpus", name)) or {}
    except yaml.YAMLError:
        return
    for conversation in doc.get("conversations") or []:
        for line in conversation[::2]:
            if isinstance(line, str) and len(line.strip()) >= 8:
                yield line.strip()


def chatterbot_turns() -> Iterator[Item]:
    """The user's lines of every conversation, up to PER_LANGUAGE a language."""
    rng = random.Random(6)
    by_language: dict[str, list[str]] = {}
    for name in sorted(wheel("chatterbot-corpus").namelist()):
        if name.startswith(_DATA) and name.endswith(".yml"):
            language = name[len(_DATA) :].split("/")[0]
            by_language.setdefault(language, []).extend(_user_turns(name))
    for language, turns in sorted(by_language.items()):
        unique = sorted(set(turns))
        for text in rng.sample(unique, min(PER_LANGUAGE, len(unique))):
            code = _CODES.get(language, language)
            yield Item(PI, "benign", text, f"chatterbot:user:lang={code}")


def jp_prompt_templates() -> Iterator[Item]:
    """Each Japanese template: its system instruction, then its prompt."""
    root = "jp_prompt/data/templates/"
    for name in sorted(wheel("jp-prompt").namelist()):
        if name.startswith(root) and name.endswith(".yaml"):
            doc = yaml.safe_load(read("jp-prompt", name)) or {}
            text = "\n\n".join(str(doc[k]).strip() for k in ("system", "prompt") if doc.get(k))
            yield Item(PI, "benign", text, f"jp_prompt:{doc.get('category', 'other')}:lang=ja")


def spacy_sentences() -> Iterator[Item]:
    """The example sentences of every spaCy language module."""
    for name in sorted(wheel("spacy").namelist()):
        parts = name.split("/")
        if len(parts) == 4 and parts[1] == "lang" and parts[3] == "examples.py":
            for text in _literal_module(read("spacy", name)).get("sentences", []):
                yield Item(PI, "benign", str(text), f"spacy:examples:lang={parts[2]}")


def writingbench_queries() -> Iterator[Item]:
    """WritingBench's writing requests, with the material users paste into them."""
    path = "inspect_evals/writingbench/benchmark_all.jsonl"
    for line in read("inspect-evals", path).splitlines():
        if line.strip():
            text = str(json.loads(line)["query"])[:MAX_QUERY]
            cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text[:2000])
            yield Item(PI, "benign", text, f"writingbench:query:lang={'zh' if cjk > 20 else 'en'}")


def persistbench_samples() -> Iterator[Item]:
    """PersistBench's questions, and the memories given with each in a `<memories>` block."""
    root = "inspect_evals/persistbench/benchmark_samples/"
    for name in sorted(wheel("inspect-evals").namelist()):
        if name.startswith(root) and name.endswith(".jsonl"):
            for line in read("inspect-evals", name).splitlines():
                if line.strip():
                    row = json.loads(line)
                    yield Item(PI, "benign", str(row["query"]), "persistbench:query")
                    memories = "\n".join(f"- {m}" for m in row.get("memories", []))
                    text = f"<memories>\n{memories}\n</memories>"
                    yield Item(PI, "benign", text, "persistbench:memories")


CHAT_SOURCES = (chatterbot_turns, jp_prompt_templates, spacy_sentences, writingbench_queries,
                persistbench_samples)  # fmt: skip
