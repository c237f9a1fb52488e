"""How input_scan runs its scanner over a request's texts: inline on the loop, or in a
worker thread past ``thread_threshold``, and through the per-caller memo when it is on.

Inline, not batched: scanning the requests that reached their scan in one loop turn back to
back (to keep the scanners' tables warm) measured 0.86 in process at 64 in flight, but
through sockets on a quiet machine it cost more in every one of six interleaved rounds
(``gateway-input-scan`` at c=64, batch/inline 1.08-1.24 in CPU per request, ~+100 µs;
``benchmarks/results/2026-12-06-234700-socket-ab-input_scan-batch.txt``), so the batch went.

The thread hop is for large bodies only: one ``asyncio.to_thread`` round trip costs ~55 µs of
CPU and ~95 µs of wall time here (a no-op function, 3,000 calls), a third to a half of
scanning the 4 KB benchmark body with all six checks, so ordinary chat messages stay on the
loop.
"""

from __future__ import annotations

import asyncio

from plugins._scan.memo import ScanMemo
from scanners.text import ScannedText, ScanResult, TextScanner


class ScanRunner:
    """The plugin's scanner with its thread threshold and (optional) memo, fixed at load."""

    __slots__ = ("memo", "scanner", "threshold")

    def __init__(self, scanner: TextScanner, threshold: int, memo: ScanMemo | None) -> None:
        self.scanner = scanner
        self.threshold = threshold
        self.memo = memo

    def inline(self, texts: list[str]) -> ScanResult | None:
        """The scan done here and now when it runs on the loop and the memo is off (the usual
        chat request), else None (then `scan`): two coroutines fewer per request."""
        if self.memo is None and sum(map(len, texts)) <= self.threshold:
            return self.scanner.scan(texts)
        return None

    async def scan(self, texts: list[str], caller: str | None = None) -> ScanResult:
        """``scanner.scan(texts)``; with a memo and a ``caller``, a text this caller sent
        before is taken from the memo instead of scanned again."""
        if self.memo is None or caller is None:
            return await self._scan(texts)
        return await self._scan_remembered(caller, texts, self.memo)

    async def _scan(self, texts: list[str]) -> ScanResult:
        if sum(map(len, texts)) > self.threshold:
            return await asyncio.to_thread(self.scanner.scan, texts)
        return self.scanner.scan(texts)

    async def _scan_remembered(self, caller: str, texts: list[str], memo: ScanMemo) -> ScanResult:
        """Only when every text fits ``max_scan_bytes``: then the scanner scans each text whole
        and on its own, so a remembered result is exactly what it would return. A request
        past the cap is scanned as it always was (cut, and ``truncated``)."""
        total = sum(map(_utf8_len, texts))
        if total > self.scanner.max_scan_bytes:
            return await self._scan(texts)
        scanned: list[ScannedText | None] = []
        missing: list[int] = []
        for index, text in enumerate(texts):
            known = memo.get(caller, text)
            if known is None:
                missing.append(index)
                scanned.append(None)
            else:
                scanned.append(ScannedText(index, text, *known))
        if missing:
            fresh = await self._scan([texts[i] for i in missing])
            for index, done in zip(missing, fresh.texts, strict=True):
                scanned[index] = ScannedText(index, done.original, done.normalized, done.findings)
                memo.put(caller, done.original, (done.normalized, done.findings))
        return ScanResult(tuple(s for s in scanned if s is not None), False, total)


def _utf8_len(text: str) -> int:
    """What a text counts against ``max_scan_bytes`` (the scanner counts UTF-8 bytes)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
