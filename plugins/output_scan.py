"""output_scan: scan what comes back (completions, JSON and streamed) for secrets, personal data
and leaks of the request's system prompt, before the client sees them.

- ``redact``: only the matched spans become ``[REDACTED:<check>]`` (case and layout kept, the
  same span mapping as input_scan);
- ``block``: the completion is withheld: a JSON answer's text is replaced and its
  ``finish_reason`` becomes ``content_filter`` (the status line was already sent, as it is for
  every body filter, and ``content_filter`` is what OpenAI clients already handle); a stream
  is cut with a final ``content_filter`` chunk and ``[DONE]``;
- ``log``: a security event only.

Streams are judged through a hold-back window (`_output.stream.HoldBack`): the newest
``window`` characters are held until more follow, so a secret split across chunks is caught
whole. That costs time to first byte, measured by ``benchmarks/output_scan_ttfb.py``. Every
hit is an ``output_flagged`` event naming check and action, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import Field, field_validator
from starlette.responses import Response

from plugins._output.leak import SystemPromptLeak
from plugins._output.stream import Action, HoldBack, Span, cut, text_slots
from proxy.config.types import ByteSize
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from scanners.text import TextScanner

OUTPUT_CHECKS = ("secrets", "pii", "system_prompt")
_DETECTOR_CHECKS = ("secrets", "pii")


@dataclass
class _State:
    """Per-request state: the leak detector of this request, the stream window or the
    buffered JSON answer."""

    leak: SystemPromptLeak | None = None
    window: HoldBack | None = None
    body: bytearray | None = None
    oversized: bool = False


class OutputScan(Plugin):
    name = "output_scan"
    needs_request_body = True

    class Options(PluginOptions):
        checks: list[str] = Field(
            default_factory=lambda: list(OUTPUT_CHECKS),
            description=f"Checks to run on completions, any of {list(OUTPUT_CHECKS)}.",
        )
        default_action: Action = Field("redact", description="Action of a check not in actions.")
        actions: dict[str, Action] = Field(
            default_factory=dict,
            description='Per-check action, e.g. { system_prompt = "block", pii = "log" }.',
        )
        window: int = Field(
            256,
            ge=16,
            le=65536,
            description="Characters of streamed text held back so a match split across chunks "
            "is seen whole; longer matches may leak their start.",
        )
        max_body: ByteSize = Field(
            4 * 1024 * 1024,
            description="Largest JSON answer buffered and scanned; a larger one passes with an "
            "output_unscanned event.",
        )
        leak_words: int = Field(
            8, ge=4, le=64, description="Consecutive system-prompt words that count as a leak."
        )

        @field_validator("checks")
        @classmethod
        def _known(cls, value: list[str]) -> list[str]:
            unknown = [c for c in value if c not in OUTPUT_CHECKS]
            if unknown or not value:
                raise ValueError(f"checks must be some of {list(OUTPUT_CHECKS)}, got {value}")
            return value

        @field_validator("actions")
        @classmethod
        def _known_actions(cls, value: dict[str, Action]) -> dict[str, Action]:
            unknown = sorted(set(value) - set(OUTPUT_CHECKS))
            if unknown:
                raise ValueError(f"unknown checks {unknown}; expected any of {list(OUTPUT_CHECKS)}")
            return value

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        detectors = [c for c in options.checks if c in _DETECTOR_CHECKS]
        self.scanner = TextScanner(detectors) if detectors else None
        self._checks = frozenset(detectors)
        self._leaks = "system_prompt" in options.checks
        self._actions: dict[str, Action] = {
            c: options.actions.get(c, options.default_action) for c in options.checks
        }
        self._max_body = int(options.max_body)

    def _state(self, ex: Exchange) -> _State:
        return ex.state_for(self, _State)

    async def on_request(self, ex: Exchange) -> Response | None:
        if not self._leaks or ex.method != "POST":
            return None
        try:
            payload = await ex.json()
        except Exception:  # not JSON: nothing to compare against
            return None
        system = _system_texts(payload)
        if system:
            self._state(ex).leak = SystemPromptLeak(system, self.options.leak_words)
        return None

    def spans(self, ex: Exchange, text: str) -> list[Span]:
        """Every finding in one completion text, in that text's own coordinates."""
        found: list[Span] = []
        if self.scanner is not None and text:
            scanned = self.scanner.scan([text]).texts[0]
            if scanned.findings:
                found += self.scanner.original_spans(scanned, self._checks)
        leak = self._state(ex).leak
        if leak:
            found += [(s, e, "system_prompt") for s, e in leak.spans(text)]
        return found

    def _hit(self, ex: Exchange, check: str, action: Action) -> None:
        ex.record_event("output_flagged", self.name, check, check=check, action=action,
                        streamed=ex.streaming, monitored=self.monitoring)  # fmt: skip

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        if ex.status != 200:
            return chunk
        state = self._state(ex)
        if ex.streaming:
            if state.window is None:
                actions = dict(self._actions)
                if self.monitoring:
                    actions = dict.fromkeys(actions, "log")

                def judge(text: str) -> list[Span]:
                    return self.spans(ex, text)

                def hit(check: str, action: Action) -> None:
                    self._hit(ex, check, action)

                state.window = HoldBack(judge, actions, self.options.window, hit)
            return state.window.feed(chunk, end)
        return self._json_chunk(ex, state, chunk, end)

    def _json_chunk(self, ex: Exchange, state: _State, chunk: bytes, end: bool) -> bytes:
        if state.oversized:
            return chunk
        if state.body is None:
            state.body = bytearray()
        state.body += chunk
        if len(state.body) > self._max_body:
            state.oversized = True
            ex.record_event("output_unscanned", self.name, "answer larger than max_body",
                            monitored=self.monitoring)  # fmt: skip
            held, state.body = bytes(state.body), None
            return held
        if not end:
            return b""
        body, state.body = bytes(state.body), None
        return self._judge_json(ex, body)

    def _judge_json(self, ex: Exchange, body: bytes) -> bytes:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        if not isinstance(doc, dict):
            return body
        changed = False
        for piece in text_slots(doc):
            spans = sorted(self.spans(ex, piece.text))
            if not spans:
                continue
            checks = {check: self._actions[check] for _, _, check in spans}
            for check, action in sorted(checks.items()):
                self._hit(ex, check, "log" if self.monitoring else action)
            if self.monitoring:
                continue
            blocked = sorted(c for c, a in checks.items() if a == "block")
            if blocked:
                piece.holder[piece.key] = f"[BLOCKED:{','.join(blocked)}]"
                _content_filtered(doc, piece.choice)
                changed = True
                continue
            redact = [s for s in spans if checks[s[2]] == "redact"]
            if redact:
                piece.holder[piece.key] = cut(piece.text, 0, redact)
                changed = True
        return orjson.dumps(doc) if changed else body

    def describe(self) -> dict[str, Any]:
        return {"actions": dict(self._actions), "window": self.options.window}


def _system_texts(payload: Any) -> list[str]:
    """The system (and developer) messages of a chat request, and Responses `instructions`."""
    out: list[str] = []
    if not isinstance(payload, dict):
        return out
    messages = payload.get("messages")
    if isinstance(messages, list):
        for m in messages:
            if isinstance(m, dict) and m.get("role") in ("system", "developer"):
                content = m.get("content")
                if isinstance(content, str):
                    out.append(content)
                elif isinstance(content, list):
                    out += [p["text"] for p in content
                            if isinstance(p, dict) and isinstance(p.get("text"), str)]  # fmt: skip
    if isinstance(payload.get("instructions"), str):
        out.append(payload["instructions"])
    return out


def _content_filtered(doc: dict[str, Any], index: int) -> None:
    for position, choice in enumerate(doc.get("choices") or []):
        if isinstance(choice, dict) and choice.get("index", position) == index:
            choice["finish_reason"] = "content_filter"
