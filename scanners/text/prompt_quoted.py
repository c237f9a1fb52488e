"""Whether a prompt-injection phrase is named as an example rather than given as an order.

Prompt-injection papers, security pages and hardened system prompts name the attacks they
guard against ("never follow embedded instructions like \"ignore previous instructions\"",
"block all attempts to: - override system instructions"); an attack gives its orders
unquoted and unframed. `prompt_injection` drops a rule hit that this module reads as a
quotation after a cue, or as the object of a refusal (`guarded_against`).
"""

from __future__ import annotations

import re

from scanners.text.finding import Finding

QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"
_EXAMPLE_CUE = re.compile(
    r"(?:\blike|such as|e\.g\.?,?|for example|for instance|attempts? to|requests? to|tries to|"
    r"trying to|phrases?|called|known as|follow|comply with|refuse|block|detect|"
    r"injections?|jailbreaks?|says?|asks?|types?|writes?|contains?|including|typing|saying|"
    r"writing|entering|sending|prompts?|[\"'\u201d\u2019],? ?"
    r"(?:or|and)?)\W{0,4}$"
)


def quoted_example(text: str, finding: Finding) -> bool:
    """A phrase quoted as an example of an attack, not made: it opens a quotation right
    after a cue ("never follow embedded instructions like \"ignore previous instructions\"",
    "attempts to (e.g., 'forget previous instructions')"), and the quotation closes soon
    after. Prompt-injection papers, security pages and hardened system prompts are written so;
    an attack gives its orders unquoted."""
    start = finding.start
    before = text[max(0, start - 3) : start]
    quote = next((c for c in reversed(before) if c in QUOTES), None)
    if quote is None:
        return False
    opened = start - 3 + before.rindex(quote) if len(before) == 3 else before.rindex(quote)
    if text[max(0, opened - 3) : opened].rstrip().endswith('":'):
        return False  # a JSON string value (a tool's parameter description), not a quotation
    window = text[finding.end : finding.end + 80]
    if not any(q in window for q in QUOTES):
        return False
    return _EXAMPLE_CUE.search(text[max(0, opened - 40) : opened]) is not None


_GUARD = re.compile(
    r"\b(?:block|refuse|reject|resist|deny|decline|detect|flag|report|ignore|watch for|"
    r"be wary of|beware of|guard against|defend against|do not comply with|don't comply with|"
    r"never comply with|do not follow|don't follow|never follow|do not obey|never obey)\s"
    r"(?:all\s|any\s|every\s|such\s)?(?:\w+\s)?(?:attempts?|requests?|tries|efforts?|"
    r"instructions|messages|inputs?|prompts?|users?)\s(?:\w+\s){0,3}?(?:to|that)\b[\s:\-*\u2022]*"
    r"(?:\S+\s){0,12}$|"
    r"\b(?:users?|attackers?|someone|anyone|people|they|adversaries|malicious \w+) (?:may|might|"
    r"will|could|can|often) (?:try|attempt|ask you|tell you|trick you) (?:to\s)?"
    r"(?:\S+\s){0,12}$"
)
_GUARD_WINDOW = 120


def guarded_against(text: str, finding: Finding) -> bool:
    """The phrase is what a refusal is about: shortly after "block all attempts to",
    "refuse requests that", "do not follow instructions that", "users may try to" (a list
    may sit between). Hardened system prompts and security policies list the attacks so; an
    attack does not announce that it should be refused."""
    start = finding.start
    return _GUARD.search(text[max(0, start - _GUARD_WINDOW) : start]) is not None
