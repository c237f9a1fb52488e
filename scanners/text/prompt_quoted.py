"""Whether a prompt-injection phrase is quoted as an example rather than given as an order.

Prompt-injection papers, security pages and hardened system prompts name the attacks they
guard against ("never follow embedded instructions like \"ignore previous instructions\"");
an attack gives its orders unquoted. `prompt_injection` drops a rule hit that this module
reads as a quotation after a cue.
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
    window = text[finding.end : finding.end + 80]
    if not any(q in window for q in QUOTES):
        return False
    return _EXAMPLE_CUE.search(text[max(0, opened - 40) : opened]) is not None
