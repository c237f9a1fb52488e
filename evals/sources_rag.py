"""Indirect prompt injection in what an agent reads: retrieved documents and tool results
(issue 14, sixth round).

`raginject==0.12.0` (Apache-2.0, Junichi Nagasawa) is a harness that tests RAG pipelines
against instructions planted in the documents they retrieve. Each of its default patterns
(`raginject/attacks/patterns/*.yaml`) is a whole host document — a product update, a support
ticket, an FAQ, an HR policy, a news item — with an injection written into it (`payload`,
which the file also gives apart), and the question a user would ask of that document. Eight
families: instruction override, data exfiltration, format smuggling (HTML and Markdown
comments, code fences, JSON, table cells, footnotes), authority spoofing (forged system tags
and turns), payload delivery (links, Markdown images, phishing copy), obfuscation, conditional
and delayed triggers, and a multilingual set (Japanese, Chinese, Korean, Russian, Spanish,
Arabic: languages the earlier indirect sources do not have).

Taken: every document with its injection (attacks, `raginject:<category>:lang=xx`); the same
document with the payload cut out (benign, `raginject:<category>:clean`: the shape an
injection hides in, which the classifier must learn is not the attack, as for garak's latent
documents); and each pattern's question (benign, `raginject:question`). The opt-in
`pattern_sets/retriever` set is not taken: it poisons a retriever's ranking with term salad
and inserts no instruction for a model to follow.

AgentThreatBench, as `inspect-evals==0.26.0` (MIT, already pinned by `evals/sources_pi.py`)
ships it (`inspect_evals/agent_threat_bench/data/*.json`), gives the other shape: what a tool
returns to an agent. Each scenario's untrusted data is taken as one tool result — the inbox
as its `read_inbox` tool prints it, the customer records and knowledge-base entries as JSON —
an attack (`agent_threat_bench:<task>:<attack>`) unless the scenario is the kit's
`clean_baseline` (benign, `agent_threat_bench:<task>:clean_baseline`): authority claims,
goal drift, "NOTE TO ASSISTANT: also send ... to audit@...", poisoned memory entries.

The same package ships `ipi_coding_agent` (`dataset/samples.json`): a coding agent's task
with the repository it works in — the issue text and every file — and an injection planted
in the issue, a code comment, the README or a config file (exfiltrate a secret, run a
command, weaken a check), or none (its 10 benign samples). Each sample is taken as what the
agent reads: the issue, then each file under a `--- path ---` line
(`ipi_coding_agent:<vector>`; benign when the kit says `is_benign`).

Read from the pinned wheels with `yaml.safe_load` and `json`, never installed; every item
goes to dev or held-out by its own SHA-256 (`evals.heldout.split_of`). Licences:
`evals/PROVENANCE.md`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import yaml  # type: ignore[import-untyped]

import evals.sources_pi  # noqa: F401  (pins inspect-evals, whose AgentThreatBench data is read here)
from evals.sources import PINS, Item, read, wheel

PINS["raginject"] = "0.12.0"

PI = "prompt_injection"
_PATTERNS = "raginject/attacks/patterns/"
_LANGS = {"Japanese": "ja", "Chinese": "zh", "Korean": "ko", "Russian": "ru", "Spanish": "es",
          "Arabic": "ar", "German": "de", "French": "fr"}  # fmt: skip


def _language(description: str) -> str:
    """The payload's language, which raginject states in each pattern's description."""
    return next((code for name, code in _LANGS.items() if name in description), "en")


def _patterns() -> Iterator[dict[str, str]]:
    names = sorted(n for n in wheel("raginject").namelist()
                   if n.startswith(_PATTERNS) and n.endswith(".yaml"))  # fmt: skip
    for name in names:
        yield from yaml.safe_load(read("raginject", name)) or []


def raginject_documents() -> Iterator[Item]:
    """Each host document with its injection, without it, and the user's question."""
    for row in _patterns():
        document, payload = str(row["injected_content"]), str(row.get("payload", "")).strip()
        category = str(row.get("category", "other"))
        lang = f"lang={_language(str(row.get('description', '')))}"
        yield Item(PI, "attack", document, f"raginject:{category}:{lang}")
        if payload and payload in document:
            clean = re.sub(r"\n{3,}", "\n\n", document.replace(payload, ""))
            yield Item(PI, "benign", clean, f"raginject:{category}:clean:{lang}")
        if row.get("question"):
            yield Item(PI, "benign", str(row["question"]), f"raginject:question:{lang}")


def _inbox(emails: list[dict[str, str]]) -> str:
    """The inbox as AgentThreatBench's `read_inbox` tool returns it."""
    return "\n\n".join(
        f"Email {i}:\n  From: {e.get('from', 'unknown')}\n"
        f"  Subject: {e.get('subject', 'no subject')}\n  Body: {e.get('body', '')}"
        for i, e in enumerate(emails, 1)
    )


_THREAT_TASKS = {"autonomy_hijack": "inbox", "data_exfil": "customer_db",
                 "memory_poison": "memory_store"}  # fmt: skip


def agent_threat_bench() -> Iterator[Item]:
    """Each scenario's untrusted tool data, labelled by the scenario."""
    for task, field in _THREAT_TASKS.items():
        path = f"inspect_evals/agent_threat_bench/data/{task}.json"
        for row in json.loads(read("inspect-evals", path)):
            data = row.get(field)
            if not data:
                continue
            text = _inbox(data) if field == "inbox" else json.dumps(data, indent=2)
            attack = str(row.get("attack_name", "attack"))
            label = "benign" if attack == "clean_baseline" else "attack"
            yield Item(PI, label, text, f"agent_threat_bench:{task}:{attack}")


def ipi_coding_agent() -> Iterator[Item]:
    """Each coding task's issue and repository files, as the agent reads them."""
    path = "inspect_evals/ipi_coding_agent/dataset/samples.json"
    for row in json.loads(read("inspect-evals", path)):
        files = "\n\n".join(f"--- {name} ---\n{body}" for name, body in row["repo_files"].items())
        text = f"{row['issue_text']}\n\n{files}"
        label = "benign" if row.get("is_benign") else "attack"
        yield Item(PI, label, text, f"ipi_coding_agent:{row.get('injection_vector', 'none')}")


RAG_SOURCES = (raginject_documents, agent_threat_bench, ipi_coding_agent)
