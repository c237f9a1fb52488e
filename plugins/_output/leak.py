"""System-prompt leak: does a completion repeat a run of words from the request's system prompt?

The system prompt is known per request, so this is no pattern but a comparison: the system
messages are cut into shingles of `words` consecutive words (lowercased), and any run of that
many words in the completion that is one of them is a finding spanning those words. Eight
words is long enough that common phrases ("you are a helpful assistant" is five) do not count
and short enough that a paraphrase-free leak of one sentence does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")


class SystemPromptLeak:
    """Shingles of one request's system prompt; `spans()` finds them in a completion."""

    __slots__ = ("shingles", "words")

    def __init__(self, system_texts: Iterable[str], words: int) -> None:
        self.words = words
        self.shingles: set[tuple[str, ...]] = set()
        for text in system_texts:
            tokens = [w.casefold() for w in _WORD.findall(text)]
            for i in range(len(tokens) - words + 1):
                self.shingles.add(tuple(tokens[i : i + words]))

    def __bool__(self) -> bool:
        return bool(self.shingles)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Merged `(start, end)` character spans of `text` that repeat a shingle."""
        if not self.shingles:
            return []
        matches = list(_WORD.finditer(text))
        tokens = [m.group(0).casefold() for m in matches]
        k = self.words
        out: list[tuple[int, int]] = []
        for i in range(len(tokens) - k + 1):
            if tuple(tokens[i : i + k]) in self.shingles:
                start, end = matches[i].start(), matches[i + k - 1].end()
                if out and start <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], end))
                else:
                    out.append((start, end))
        return out
