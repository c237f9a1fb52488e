"""What input_scan found in texts a caller already sent, so a repeated text is scanned once.

Why: a chat client sends its system prompt with every request, and the whole conversation so
far with every turn: most of the text input_scan reads, it has read before. Scanning the
benchmark's chat body (a system prompt and one user line, six checks) cost ~85 µs of CPU per
request, most of the plugin's share of the full public chain (benchmarks/chain_cost.py);
with this memo a repeated text costs two dict operations.

Sound because the scan of one text is a pure function of the text and of the checks the
plugin compiled at load: the same string always gives the same normalised form and the same
findings, and a reload builds a new plugin with a new, empty memo. Only texts scanned whole
are remembered (a scan cut short by ``max_scan_bytes`` is never), so what a hit returns is
exactly what a scan would.

Keyed by caller and text, never by text alone: a shared memo would let one tenant learn,
from how fast its request is answered, whether another tenant recently sent a given text.
The caller is the identity an earlier plugin established, or else the client address.

Bounded by ``max_bytes`` (texts and their normalised forms, counted in characters), the
least recently used dropped first; a text larger than a sixteenth of the bound is never
kept, so one huge prompt cannot flush everyone's system prompts.
"""

from __future__ import annotations

from proxy.exchange import Exchange
from scanners.text.finding import Finding

Remembered = tuple[str, tuple[Finding, ...]]
"""(normalised text, findings) of one scanned text."""


class ScanMemo:
    """A bounded LRU of (caller, text) -> what scanning the text found."""

    __slots__ = ("_entries", "_largest", "_max_bytes", "_size")

    def __init__(self, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._max_bytes = max_bytes
        self._largest = max_bytes // 16
        self._entries: dict[tuple[str, str], Remembered] = {}
        self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Characters held (texts and normalised forms)."""
        return self._size

    def get(self, caller: str, text: str) -> Remembered | None:
        key = (caller, text)
        found = self._entries.pop(key, None)
        if found is not None:
            self._entries[key] = found  # most recently used now
        return found

    def put(self, caller: str, text: str, remembered: Remembered) -> None:
        cost = len(text) + len(remembered[0])
        if cost > self._largest:
            return
        key = (caller, text)
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(text) + len(old[0])
        self._entries[key] = remembered
        self._size += cost
        entries = self._entries
        while self._size > self._max_bytes:
            (old_caller, old_text), (normalized, _) = next(iter(entries.items()))
            del entries[(old_caller, old_text)]
            self._size -= len(old_text) + len(normalized)


def caller_of(ex: Exchange) -> str:
    """Whose memo entries a request may use: its identity, else its client address."""
    identity = ex.identity
    return f"{identity.source}:{identity.subject}" if identity is not None else ex.client_ip
