"""Scanning a streamed completion: SSE events held back in a bounded window, judged, released.

A secret streamed as `"sk-pr"`, `"oj-Ab3..."` is never whole in one event, so each event's text
cannot be judged alone. `HoldBack` keeps the newest events until at least `window` characters
of completion text (per choice) follow them; an event is released only then, after the text of
everything held has been scanned. A match no longer than `window` that ends in the newest text
therefore starts in text that is still held, and is redacted (or the stream is cut) before any
of it leaves. Events without text (role, finish_reason, usage, `[DONE]`) keep their order.

The price is time to first byte: the first `window` characters are held (with a 256-character
window, about 60 tokens); `benchmarks/output_scan_ttfb.py` measures it. After the first release,
events go out in batches of at least half a window, so the held text is scanned about
total/(window/2) times per stream rather than once per event. Events that need no
change are passed on byte for byte; a changed event is re-serialised.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

Action = Literal["block", "redact", "log"]
Span = tuple[int, int, str]  # (start, end, check) in one choice's text
Judge = Callable[[str], list[Span]]
Hit = Callable[[str, Action], None]

_EVENT_END = re.compile(rb"\r?\n\r?\n")


@dataclass(slots=True)
class _Piece:
    """One text of one event: which choice, where it lives in the event, its text."""

    choice: int
    holder: dict[str, Any]
    key: str
    text: str


@dataclass(slots=True)
class _Event:
    raw: bytes
    obj: dict[str, Any] | None = None
    pieces: list[_Piece] = field(default_factory=list)
    dirty: bool = False

    def encode(self) -> bytes:
        if not self.dirty or self.obj is None:
            return self.raw
        lines = [ln for ln in self.raw.split(b"\n") if ln.strip() and not ln.startswith(b"data:")]
        return b"\n".join([*lines, b"data: " + orjson.dumps(self.obj)]) + b"\n\n"


def text_slots(obj: dict[str, Any]) -> list[_Piece]:
    """Where completion text lives in a chat or completions chunk (or a whole answer)."""
    out: list[_Piece] = []
    choices = obj.get("choices")
    if not isinstance(choices, list):
        return out
    for position, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", position)
        index = index if isinstance(index, int) else position
        for holder_key in ("delta", "message"):
            holder = choice.get(holder_key)
            if isinstance(holder, dict) and isinstance(holder.get("content"), str):
                out.append(_Piece(index, holder, "content", holder["content"]))
        if isinstance(choice.get("text"), str):
            out.append(_Piece(index, choice, "text", choice["text"]))
    return out


def cut(piece_text: str, offset: int, spans: list[Span]) -> str:
    """`piece_text` (at `offset` in its choice's text) with the parts inside `spans` removed
    and a `[REDACTED:<check>]` marker where a span starts."""
    out: list[str] = []
    pos = 0
    end = len(piece_text)
    for s, e, check in spans:
        a, b = max(s - offset, 0), min(e - offset, end)
        if b <= 0 or a >= end:
            continue
        out.append(piece_text[pos:a] if a > pos else "")
        if s >= offset:
            out.append(f"[REDACTED:{check}]")
        pos = max(pos, b)
    out.append(piece_text[pos:])
    return "".join(out)


class HoldBack:
    """The bounded window over one streamed response; see the module docstring."""

    def __init__(self, judge: Judge, actions: dict[str, Action], window: int, hit: Hit) -> None:
        self.judge = judge
        self.actions = actions
        self.window = window
        self.slack = max(16, window // 2)
        self.hit = hit
        self.buffer = b""
        self.pending: list[_Event] = []
        self.blocked = False
        self._logged: set[tuple[int, int, str]] = set()  # (choice, absolute start, check)
        self._released: dict[int, int] = {}  # characters of each choice already sent
        self._held: dict[int, int] = {}  # characters of each choice held in `pending`
        self._last: dict[str, Any] = {}

    def feed(self, data: bytes, end: bool) -> bytes:
        """Take upstream bytes; return what may be sent now."""
        if self.blocked:
            return b""
        self.buffer += data
        while True:
            m = _EVENT_END.search(self.buffer)
            if m is None:
                break
            self._add(self.buffer[: m.end()])
            self.buffer = self.buffer[m.end() :]
        if end and self.buffer.strip():
            self._add(self.buffer)
            self.buffer = b""
        return self._release(final=end)

    def _add(self, raw: bytes) -> None:
        event = _Event(raw)
        data = b"\n".join(ln[5:].lstrip(b" ") for ln in raw.splitlines() if ln.startswith(b"data:"))
        if data and data != b"[DONE]":
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                event.obj = obj
                event.pieces = text_slots(obj)
                self._last = obj
                for p in event.pieces:
                    self._held[p.choice] = self._held.get(p.choice, 0) + len(p.text)
        self.pending.append(event)

    def _release(self, final: bool) -> bytes:
        totals = self._held
        if not self.pending:
            return b""
        if not final:
            # Release in batches of at least `slack` characters once the stream is flowing:
            # each release scans the held text, so batching bounds the scans per stream to
            # about total/slack instead of one per event. The first release waits only for
            # the window itself, so time to first byte is not made worse.
            need = self.window + (self.slack if self._released else 0)
            if max(totals.values(), default=0) < need and self.pending[0].pieces:
                return b""
        count = len(self.pending) if final else self._releasable(totals)
        if count == 0:
            return b""
        if not self._judge(count, totals, final):
            return self._terminate()
        out = b"".join(e.encode() for e in self.pending[:count])
        for event in self.pending[:count]:
            for p in event.pieces:
                self._released[p.choice] = self._released.get(p.choice, 0) + len(p.text)
        del self.pending[:count]
        self._held = {}
        for event in self.pending:  # recounted: redaction may have changed the lengths
            for p in event.pieces:
                self._held[p.choice] = self._held.get(p.choice, 0) + len(p.text)
        return out

    def _releasable(self, totals: dict[int, int]) -> int:
        """How many front events leave at least `window` characters per choice held."""
        remaining = dict(totals)
        count = 0
        for event in self.pending:
            after = dict(remaining)
            for p in event.pieces:
                after[p.choice] -= len(p.text)
            if any(after[c] < self.window for c in {p.choice for p in event.pieces}):
                break
            remaining = after
            count += 1
        return count

    def _judge(self, count: int, totals: dict[int, int], final: bool) -> bool:
        """Scan each choice's held text; act on spans that reach the part being released.
        False when the stream must be cut."""
        for choice in totals:
            pieces: list[tuple[int, _Event, _Piece]] = []
            offset = 0
            released_upto = 0
            for i, event in enumerate(self.pending):
                for p in event.pieces:
                    if p.choice == choice:
                        pieces.append((offset, event, p))
                        offset += len(p.text)
                        if i < count:
                            released_upto = offset
            text = "".join(p.text for _, _, p in pieces)
            spans = sorted(s for s in self.judge(text) if final or s[0] < released_upto)
            if not spans:
                continue
            redact: list[Span] = []
            base = self._released.get(choice, 0)
            for s, e, check in spans:
                action = self.actions.get(check, "block")
                if action == "block":
                    self.hit(check, "block")
                    return False
                if action == "redact":
                    self.hit(check, "redact")
                    redact.append((s, e, check))
                elif (choice, base + s, check) not in self._logged:
                    self._logged.add((choice, base + s, check))
                    self.hit(check, "log")
            for start, event, p in pieces:
                new = cut(p.text, start, redact)
                if new != p.text:
                    p.holder[p.key] = new
                    p.text = new
                    event.dirty = True
        return True

    def _terminate(self) -> bytes:
        """Cut the stream: a last chunk saying `content_filter`, then `[DONE]`."""
        self.blocked = True
        self.pending.clear()
        self.buffer = b""
        closing: dict[str, Any] = {
            k: self._last[k] for k in ("id", "object", "created", "model") if k in self._last
        }
        closing["choices"] = [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]
        return b"data: " + orjson.dumps(closing) + b"\n\ndata: [DONE]\n\n"
