"""How input_scan runs its scanner over a request's texts: in a batch with the other requests
that reached their scan in the same turn of the event loop, or in a worker thread past
``thread_threshold``, and through the per-caller memo when it is on.

Why a batch: in a chain the scanners cost ~1.5-2x what the same scan costs repeated in a
loop (``python -m benchmarks.scan_in_chain``: 114-169 against 70-80 µs of CPU on the chat
body), because the rest of each request evicts their working set — compiled rules, gate
tables, the classifier's weights — and the next scan fetches it again. So the first scan of
a loop turn runs at once, and every later request that reaches its scan in the same turn
queues its texts and awaits: one flush in the next turn scans them back to back while that
working set is warm. Under load (64 requests in flight, in process) batching took the full
public chain from 355 to 304 µs of CPU per request (``benchmarks.ab``, new/old 0.86;
``benchmarks/results/2026-12-06-222500-ab-input_scan-batch.txt``). A lone request (c=1)
never waits a turn — a wait cost ~51,700 instructions per request in the pure-Python loop
(``benchmarks.instructions``, ~15 µs) — it pays one ``call_soon`` to learn when its turn
ended. The scans are the same calls on the same texts, so every finding is what an
immediate scan would give, and a request never waits for more than its own turn's batch.

The thread hop is for large bodies only: one ``asyncio.to_thread`` round trip costs ~55 µs of
CPU and ~95 µs of wall time here (a no-op function, 3,000 calls), a third to a half of
scanning the 4 KB benchmark body with all six checks, so ordinary chat messages stay on the
loop.
"""

from __future__ import annotations

import asyncio

from plugins._scan.memo import ScanMemo
from scanners.text import ScannedText, ScanResult, TextScanner

_Waiting = tuple[list[str], "asyncio.Future[ScanResult]"]


class ScanRunner:
    """The plugin's scanner with its thread threshold and (optional) memo, fixed at load."""

    __slots__ = ("_busy", "_loop", "_waiting", "memo", "scanner", "threshold")

    def __init__(self, scanner: TextScanner, threshold: int, memo: ScanMemo | None) -> None:
        self.scanner = scanner
        self.threshold = threshold
        self.memo = memo
        self._waiting: list[_Waiting] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False  # a scan already ran in this turn of the loop

    async def scan(self, texts: list[str], caller: str | None = None) -> ScanResult:
        """``scanner.scan(texts)``; with a memo and a ``caller``, a text this caller sent
        before is taken from the memo instead of scanned again."""
        if self.memo is None or caller is None:
            return await self._scan(texts)
        return await self._scan_remembered(caller, texts, self.memo)

    async def _scan(self, texts: list[str]) -> ScanResult:
        if sum(map(len, texts)) > self.threshold:
            return await asyncio.to_thread(self.scanner.scan, texts)
        loop = asyncio.get_running_loop()
        if loop is not self._loop and not self._waiting:
            self._loop, self._busy = loop, False  # a new loop (tests): start afresh
        if not self._busy or loop is not self._loop:
            # The turn's first scan runs now (no hop for a lone request); later ones queue.
            if loop is self._loop:
                self._busy = True
                loop.call_soon(self._turn_ended)
            return self.scanner.scan(texts)
        waiting = self._waiting
        if not waiting:
            loop.call_soon(self._flush)
        future: asyncio.Future[ScanResult] = loop.create_future()
        waiting.append((texts, future))
        return await future

    def _turn_ended(self) -> None:
        self._busy = False

    def _flush(self) -> None:
        """Scan every request queued since the last flush, in arrival order."""
        waiting, self._waiting = self._waiting, []
        scan = self.scanner.scan
        try:
            for texts, future in waiting:
                if future.done():
                    continue  # its request was cancelled (the client left)
                try:
                    result = scan(texts)
                except Exception as exc:  # the request's own error, as an inline scan's
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            for _, future in waiting:  # only after a BaseException: never leave one hanging
                if not future.done():
                    future.cancel()

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
