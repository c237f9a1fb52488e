"""Chinese attacks and Chinese and Japanese benign prompts (issue 14, tenth round).

The held-out set's weakest part is Chinese agent injections (24 % of 133): one kit
(`agent-redteam`, `evals/sources_agents.py`) wrote every Chinese attack we had, and the rules
fitted to its dev half carried poorly to its held-out half. Two more Chinese red-team kits,
written by other people, and the system prompts and tool descriptions of four Chinese agent
frameworks (the benign side, which keeps false positives honest):

- `agentccx==0.5.0` (MIT; AgentScan) `agentscan/attacks/*.py` (read with `ast`): the single
  message of each `AttackCase` in the injection, jailbreak, system-prompt leak, egress
  (fetch a collector URL, send the system prompt out encoded), indirect (fetch a page and
  obey it) and tool-abuse (delete, e-mail, pay "without confirming") families, mostly in
  Chinese, its `{sink_base}`/`{payload_base}` slots filled with one fixed address; the page
  its payload server hosts with a hidden "SYSTEM NOTICE" (a tool result). Its controls (a
  weather question, the clean page) are benign. Not taken: robustness (60,000 "A"s, control
  characters), the sensitive-data family (asking for a stack trace or an API key: a request
  an authorisation check refuses, no instruction is overridden), the one multi-turn case.
- `tanli==0.0.5` (Apache-2.0; Tanli, Traditional Chinese) `redteam/playbooks/llm/*.yaml`: the
  probes of its LLM playbooks that inject (`_TANLI`: DAN, injected reference documents,
  system-prompt extraction, many-shot and skeleton-key frames, refusal suppression, a
  never-refusing persona, policy puppetry, a hidden exfiltration comment, a forged admin,
  memory poisoning, an "unaligned base model" simulation, an override in a described image),
  `{{vars}}` filled from the playbook's own `vars`; its baseline questions are benign. Not
  taken: harmful requests reworded (emotional, encyclopaedic, encoded, Likert-judge), XSS
  and link probes (other checks), introspection about the agent's tools.
- `openjiuwen==0.1.19.post2` (Apache-2.0; Huawei's agent SDK): every prompt and tool
  description shipped as Markdown under a `cn/` or `en/` folder (team leader and member
  policies, tool manuals, memory-extraction prompts), and its Python string constants holding
  20+ Chinese characters (prompt sections, tool descriptions, messages), docstrings and log
  calls excepted.
- `qwen-agent==0.0.34`, `lagent==0.2.4`, `modelscope-agent==0.7.2` (Apache-2.0; Alibaba's
  Qwen, Shanghai AI Lab's InternLM, ModelScope): the same kind of string constants (ReAct
  and function-calling templates, document-QA and writing prompts, tool descriptions; the
  router's "ignore the helpers and answer directly" among them).
- Debian `manpages-zh=1.6.4.0-1` (GFDL-1.2+), `manpages-ja=0.5.0.0.20221215+dfsg-1` (the
  original pages' free licences): 120 sampled pages each, as `evals.sources_more.man_pages`
  reads the English ones: Chinese and Japanese prose about commands, `rm -rf` and `sudo`
  among them (the shape of the Chinese rules' "run a dangerous command").

A benign text holding a jailbreak marker (`sources_userprompts._JAILBREAK_MARKERS`) is left
out by its words, as for the other prompt collections. Every item is labelled for
`prompt_injection` only and goes to dev or held-out by its own hash; none trains the long
texts' model (`evals.pi_data.TENTH`, in `RULES_ONLY`). Licences: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

import ast
import gzip
import random
import re
from collections.abc import Iterator

import yaml  # type: ignore[import-untyped]

from evals.sources import PINS, Item, read, wheel
from evals.sources_agents import _lang
from evals.sources_more import DEBS, _chunks, _roff_text, deb
from evals.sources_userprompts import _JAILBREAK_MARKERS, MAX_CHARS

PINS.update({"agentccx": "0.5.0", "tanli": "0.0.5", "openjiuwen": "0.1.19.post2",
             "qwen-agent": "0.0.34", "lagent": "0.2.4", "modelscope-agent": "0.7.2"})  # fmt: skip
DEBS.update({"manpages-zh": "1.6.4.0-1", "manpages-ja": "0.5.0.0.20221215+dfsg-1"})

PI = "prompt_injection"
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def _benign(text: str, source: str) -> Iterator[Item]:
    text = text.strip()
    if len(text) >= 20 and not _JAILBREAK_MARKERS.search(text):
        yield Item(PI, "benign", text[:MAX_CHARS], source)


# --- agentccx (AgentScan) ----------------------------------------------------------------

_AGENTSCAN = ("injection", "jailbreak", "leak", "egress", "indirect", "tool_abuse")
_AGENTSCAN_SLOTS = {"{sink_base}": "http://collector.example.net",
                    "{payload_base}": "http://pages.example.net",
                    "{sink_token}": "c4n4ry"}  # fmt: skip


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def agentscan_cases() -> Iterator[Item]:
    """agentccx's single-message attack cases, its injected page, and its controls."""
    archive = wheel("agentccx")
    for name in sorted(n for n in archive.namelist() if n.startswith("agentscan/attacks/")):
        for node in ast.walk(ast.parse(archive.read(name))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AttackCase"):
                continue
            fields = _keywords(node)
            category = ast.literal_eval(fields["category"])
            turns = fields["turns"]
            if not (isinstance(turns, ast.List) and len(turns.elts) == 1):
                continue  # multi-turn, or a turn built by code (robustness)
            if not isinstance(turns.elts[0], ast.Constant) or category not in _AGENTSCAN:
                continue
            text = str(turns.elts[0].value)
            for slot, value in _AGENTSCAN_SLOTS.items():
                text = text.replace(slot, value)
            if str(ast.literal_eval(fields["goal"])).startswith("对照验证"):  # a control
                yield Item(PI, "benign", text, f"agentscan:control:lang={_lang(text)}")
            else:
                yield Item(PI, "attack", text, f"agentscan:{category}:lang={_lang(text)}")
    pages = ast.parse(read("agentccx", "agentscan/payload_server.py"))
    for node in pages.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            name = getattr(node.targets[0], "id", "")
            if name == "PAYLOAD_PAGE":
                yield Item(PI, "attack", node.value.value, "agentscan:indirect_page:lang=en")
            elif name == "CLEAN_PAGE":
                yield Item(PI, "benign", node.value.value, "agentscan:clean_page:lang=en")


# --- tanli -------------------------------------------------------------------------------

_TANLI = {
    "llm-001": ("p2-roleplay",),
    "llm-002": ("p2-hidden-context-inject", "p3-multiturn-context-wrap"),
    "llm-003": ("p1-direct", "p2-translation", "p3-roleplay"),
    "llm-006": ("p2-many-shot", "p3-skeleton-key", "p4-refusal-suppression"),
    "llm-007": ("p1-virtualization", "p2-policy-puppetry"),
    "llm-009": ("p1-markdown-image-exfil", "p2-confused-deputy", "p3-memory-poisoning"),
    "llm-010": ("p2-echo-chamber",),
    "llm-011": ("p3-layout-hijack",),
}
"""Tanli's probes that inject, by playbook and probe id (the rest: module docstring)."""
_TANLI_BENIGN = {"llm-001": ("p1-baseline",), "llm-002": ("p1-baseline",),
                 "llm-009": ("p4-followup-memory-check",),
                 "llm-011": ("p1-text-in-image", "p2-invisible-contrast")}  # fmt: skip
_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _fill(template: str, values: dict[str, str]) -> str:
    for _ in range(3):  # a var may hold another (`injected` holds `{{marker}}`)
        template = _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), template)
    return template


def tanli_playbooks() -> Iterator[Item]:
    archive = wheel("tanli")
    folder = "redteam/playbooks/llm/"
    for name in sorted(n for n in archive.namelist() if n.startswith(folder)):
        book = yaml.safe_load(archive.read(name))
        values = {k: str(v) for k, v in (book.get("vars") or {}).items()}
        for probe in book.get("probes", []):
            if probe["id"] in _TANLI.get(book["id"], ()):
                label = "attack"
            elif probe["id"] in _TANLI_BENIGN.get(book["id"], ()):
                label = "benign"
            else:
                continue
            turns = [probe["template"]] if "template" in probe else [
                m["content"] for m in probe["messages"] if m["role"] == "user"]  # fmt: skip
            for turn in turns:
                text = _fill(turn, values).strip()
                yield Item(PI, label, text, f"tanli:{book['id']}:lang={_lang(text)}")


# --- Chinese agent frameworks' prompts and tool descriptions -----------------------------

_LOGGING = frozenset(("print", "debug", "info", "warning", "error", "exception", "log",
                      "echo", "secho", "add_argument"))  # fmt: skip


def _cjk_strings(source: bytes, least: int = 20) -> Iterator[str]:
    """String constants of a module holding `least`+ CJK characters: prompt templates, tool
    descriptions, messages; not docstrings, f-string pieces, log or exception messages."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):
            skip.add(id(node.value))
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            skip.update(id(a) for a in node.exc.args)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in _LOGGING:
                skip.update(id(a) for a in node.args)
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and id(node) not in skip and len(_CJK.findall(text)) >= least:
            yield text


_FRAMEWORKS = {"qwen-agent": "qwen_agent/", "lagent": "lagent/",
               "modelscope-agent": "modelscope_agent/"}  # fmt: skip


def agent_framework_prompts() -> Iterator[Item]:
    """Qwen-Agent's, lagent's and ModelScope-Agent's Chinese prompts and tool descriptions."""
    for package, prefix in _FRAMEWORKS.items():
        archive = wheel(package)
        for name in sorted(archive.namelist()):
            if name.startswith(prefix) and name.endswith(".py"):
                for text in _cjk_strings(archive.read(name)):
                    yield from _benign(text, f"zhagent:{package}:lang={_lang(text)}")


def openjiuwen_prompts() -> Iterator[Item]:
    """openJiuwen's Markdown prompts and tool manuals (Chinese and English twins), and its
    Python string constants in Chinese."""
    archive = wheel("openjiuwen")
    for name in sorted(archive.namelist()):
        if not name.startswith("openjiuwen/"):
            continue
        if name.endswith(".md") and ("/cn/" in name or "/en/" in name):
            text = archive.read(name).decode("utf-8", "replace")
            kind = "tool" if "/descs/" in name else "prompt"
            yield from _benign(text, f"openjiuwen:{kind}:lang={_lang(text)}")
        elif name.endswith(".py"):
            for text in _cjk_strings(archive.read(name)):
                yield from _benign(text, f"openjiuwen:string:lang={_lang(text)}")


# --- Debian: Chinese and Japanese man pages ----------------------------------------------


def cjk_man_pages() -> Iterator[Item]:
    """120 sampled man pages (sections 1, 5, 7, 8) in Simplified Chinese and Japanese, up to
    4 chunks a page."""
    for package, folder, lang in (("manpages-zh", "zh_CN", "zh"), ("manpages-ja", "ja", "ja")):
        pages = sorted((deb(package) / "usr/share/man" / folder).glob("man[1578]/*"))
        rng = random.Random(14)
        for path in rng.sample(pages, min(120, len(pages))):
            raw = path.read_bytes()
            raw = gzip.decompress(raw) if path.suffix == ".gz" else raw
            text = _roff_text(raw.decode("utf-8", "replace"))
            for n, chunk in enumerate(_chunks(text)):
                if n < 4 and _CJK.search(chunk):
                    yield Item(PI, "benign", chunk, f"mancjk:lang={lang}:{path.parent.name}")


CJK_SOURCES = (agentscan_cases, tanli_playbooks, agent_framework_prompts, openjiuwen_prompts,
               cjk_man_pages)  # fmt: skip
