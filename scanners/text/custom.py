"""Operator-defined rules: a list of regexes and a list of literals, under one check name.

Literals are normalised like the scanned text and matched case-insensitively through one
compiled trie-shaped alternation, so a hundred literals cost one pass over the text rather than
a hundred. Regexes are screened for catastrophic backtracking at load (see `regex_safety`).
Both are matched against the normalised (casefolded) text, so regexes should be lowercase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from scanners.text.finding import Finding, redact_spans
from scanners.text.gates import TextView
from scanners.text.normalize import normalize
from scanners.text.regex_safety import check_pattern


def _trie_regex(words: Sequence[str]) -> str:
    """Build a regex for `words` whose alternations branch on distinct characters only.

    A flat `a|ab|abc` alternation retries every branch at every position; the trie form
    `a(?:b(?:c)?)?` decides each character once, keeping the cost linear in the text.
    """
    trie: _Trie = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_regex(trie)


_Trie = dict[str, "_Trie"]


def _node_regex(node: _Trie) -> str:
    end = "" in node
    parts = [re.escape(ch) + _node_regex(child) for ch, child in sorted(node.items()) if ch]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    if end:
        return "(?:" + body + ")?" if len(parts) == 1 and len(body) > 1 else body + "?"
    return body


class CustomRules:
    """One named custom check: `scan` reports `rule` as `regex[i]` or `literal[i]`."""

    def __init__(
        self, name: str, regexes: Sequence[str] = (), literals: Sequence[str] = ()
    ) -> None:
        if not name:
            raise ValueError("a custom rule needs a name")
        if not regexes and not literals:
            raise ValueError(f"custom rule {name!r} has neither regex nor literal entries")
        self.name = name
        self._regexes = tuple(check_pattern(r) for r in regexes)
        folded = [normalize(lit) for lit in literals]
        if any(not lit for lit in folded):
            raise ValueError(f"custom rule {name!r} has an empty literal")
        self._literal_index = {lit: i for i, lit in reversed(list(enumerate(folded)))}
        self._literals = re.compile(_trie_regex(sorted(set(folded)))) if folded else None

    def scan(self, text: str, view: TextView | None = None) -> list[Finding]:
        """Report every regex and literal hit in the normalised `text` (`view` is unused)."""
        found: list[Finding] = []
        for i, pattern in enumerate(self._regexes):
            for m in pattern.finditer(text):
                found.append(Finding(self.name, f"regex[{i}]", m.start(), m.end()))
        if self._literals is not None:
            for m in self._literals.finditer(text):
                idx = self._literal_index.get(m.group(0))
                if idx is not None:
                    found.append(Finding(self.name, f"literal[{idx}]", m.start(), m.end()))
        return found

    def redact(self, text: str, findings: Iterable[Finding]) -> str:
        """Replace the findings' spans with `[REDACTED:<name>]`."""
        return redact_spans(text, findings)
