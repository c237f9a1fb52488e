"""guardrail: ask an external HTTP guardrail service about each prompt (and, optionally, each
answer) — OpenAI's moderation API, a Llama-Guard-style classifier behind an OpenAI-compatible
chat endpoint, or Presidio's analyzer (`_guardrail/services.py` has one adapter per shape).

- Request phase: the texts input_scan would read (`extract_texts`) are joined and sent once;
  a flagged verdict blocks (400 `guardrail_rejected`) or, with `action = "log"`, is an event.
- `phase = "both"` also judges non-streamed JSON answers: a flagged answer's text is replaced
  and its `finish_reason` becomes `content_filter` (the status line is already sent). A
  streamed answer is judged when it ends and can then only be logged.
- `timeout` bounds the whole call (connect, send, answer). When the service fails, times out
  or answers nonsense, `on_error = "deny"` (fail closed, 503 `guardrail_unavailable`) or
  `"allow"` (fail open, an event) decides.
- Verdicts are cached per text (SHA-256) for `cache_ttl`, at most `cache_size` entries, least
  recently used out first: a retried or repeated prompt costs no second call.

Every verdict and failure is a security event (`guardrail_flagged`, `guardrail_error`)
naming the service kind and categories, never the text.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import Field, field_validator
from starlette.responses import Response

from plugins._guardrail.services import GuardrailError, Target, Verdict, ask
from plugins._output.stream import text_slots
from proxy.config.types import Duration
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services
from scanners.text.extract import extract_texts

Kind = Literal["openai_moderation", "llama_guard", "presidio"]


@dataclass
class _Answer:
    """A non-streamed answer being buffered for the after-provider verdict."""

    body: bytearray = field(default_factory=bytearray)
    oversized: bool = False


class VerdictCache:
    """Text hash -> (verdict, expiry), LRU-bounded; in process, per plugin instance."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[bytes, tuple[Verdict, float]] = OrderedDict()

    @staticmethod
    def key(phase: str, text: str) -> bytes:
        return hashlib.sha256(f"{phase}\0{text}".encode("utf-8", "surrogatepass")).digest()

    def get(self, key: bytes) -> Verdict | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: bytes, verdict: Verdict) -> None:
        if self.ttl <= 0 or self.size <= 0:
            return
        self._entries[key] = (verdict, time.monotonic() + self.ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Guardrail(Plugin):
    name = "guardrail"
    needs_request_body = True

    class Options(PluginOptions):
        kind: Kind = Field(description="API shape: openai_moderation, llama_guard or presidio.")
        url: str = Field(description="The service endpoint, e.g. http://127.0.0.1:5002/analyze.")
        model: str | None = Field(None, description="Model name sent to the service, if any.")
        api_key: str | None = Field(None, description="Sent as Authorization: Bearer.")
        phase: Literal["request", "both"] = Field(
            "request", description='"both" also judges the provider\'s JSON answers.'
        )
        action: Literal["block", "log"] = Field("block", description="What a flag does.")
        timeout: Duration = Field(2.0, description="Longest wait for one verdict, in total.")
        on_error: Literal["allow", "deny"] = Field(
            "deny", description="Service down or timed out: deny (503, fail closed) or allow."
        )
        cache_ttl: Duration = Field(60.0, description="How long a verdict is reused; 0: never.")
        cache_size: int = Field(10_000, ge=0, description="Most cached verdicts.")
        max_chars: int = Field(
            32_768, ge=256, description="Most characters sent per call (the rest is cut)."
        )
        language: str = Field("en", description="presidio: the text's language.")
        entities: list[str] = Field(default_factory=list, description="presidio: entity types.")
        score_threshold: float = Field(0.5, ge=0, le=1, description="presidio: least score.")

        @field_validator("url")
        @classmethod
        def _http_url(cls, value: str) -> str:
            if not value.startswith(("http://", "https://")) or len(value) < 10:
                raise ValueError(f"{value!r} is not an http(s) URL")
            return value

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        o = options
        headers = {"authorization": f"Bearer {o.api_key}"} if o.api_key else {}
        self.target = Target(o.url, o.model, headers, float(o.timeout), o.language,
                             tuple(o.entities), o.score_threshold)  # fmt: skip
        self.cache = VerdictCache(float(o.cache_ttl), o.cache_size)

    async def verdict(self, ex: Exchange, phase: str, text: str) -> Verdict | None:
        """The service's verdict on `text` (cached), or None when it could not give one."""
        text = text[: self.options.max_chars]
        key = VerdictCache.key(phase, text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        try:
            async with asyncio.timeout(self.target.timeout):
                verdict = await ask(self.services.http, self.options.kind, self.target, text)
        except (GuardrailError, TimeoutError) as exc:
            reason = str(exc) or "timed out"
            ex.record_event("guardrail_error", self.name, reason, kind=self.options.kind,
                            phase=phase, on_error=self.options.on_error,
                            monitored=self.monitoring)  # fmt: skip
            return None
        self.cache.put(key, verdict)
        return verdict

    async def on_request(self, ex: Exchange) -> Response | None:
        if ex.method not in ("POST", "PUT", "PATCH"):
            return None
        try:
            payload = await ex.json()
        except Exception:
            return None
        if not isinstance(payload, dict):
            return None
        text = "\n\n".join(t for _, t in extract_texts(payload) if t.strip())
        if not text:
            return None
        verdict = await self.verdict(ex, "request", text)
        if verdict is None:
            if self.options.on_error == "deny":
                raise PolicyError(503, "guardrail_unavailable", "guardrail service unavailable")
            return None
        if verdict.flagged:
            self._flagged(ex, "request", verdict)
            if self.options.action == "block":
                raise PolicyError(400, "guardrail_rejected", "input rejected by guardrail")
        return None

    def _flagged(self, ex: Exchange, phase: str, verdict: Verdict) -> None:
        ex.record_event("guardrail_flagged", self.name, ",".join(verdict.categories) or "flagged",
                        kind=self.options.kind, phase=phase, action=self.options.action,
                        categories=list(verdict.categories),
                        monitored=self.monitoring)  # fmt: skip

    async def on_chunk(self, ex: Exchange, chunk: bytes, end: bool) -> bytes:
        if self.options.phase != "both" or ex.status != 200:
            return chunk
        answer = ex.state_for(self, _Answer)
        if ex.streaming:  # judged at the end, logged only: the text is already out
            answer.body += chunk
            if end:
                await self._judge_stream(ex, bytes(answer.body))
            return chunk
        if answer.oversized:
            return chunk
        answer.body += chunk
        if len(answer.body) > 4 * 1024 * 1024:
            answer.oversized = True
            held, answer.body = bytes(answer.body), bytearray()
            return held
        if not end:
            return b""
        return await self._judge_json(ex, bytes(answer.body))

    async def _judge_json(self, ex: Exchange, body: bytes) -> bytes:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        if not isinstance(doc, dict):
            return body
        pieces = text_slots(doc)
        text = "\n\n".join(p.text for p in pieces if p.text.strip())
        if not text:
            return body
        verdict = await self.verdict(ex, "response", text)
        if verdict is None or not verdict.flagged:
            return body
        self._flagged(ex, "response", verdict)
        if self.options.action != "block" or self.monitoring:
            return body
        for piece in pieces:
            piece.holder[piece.key] = "[BLOCKED:guardrail]"
        for choice in doc.get("choices") or []:
            if isinstance(choice, dict):
                choice["finish_reason"] = "content_filter"
        return orjson.dumps(doc)

    async def _judge_stream(self, ex: Exchange, body: bytes) -> None:
        texts: list[str] = []
        for line in body.splitlines():
            if line.startswith(b"data:") and line[5:].strip() not in (b"", b"[DONE]"):
                try:
                    obj = orjson.loads(line[5:])
                except orjson.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    texts += [p.text for p in text_slots(obj)]
        text = "".join(texts)
        if text.strip():
            verdict = await self.verdict(ex, "response", text)
            if verdict is not None and verdict.flagged:
                self._flagged(ex, "response", verdict)

    def describe(self) -> dict[str, Any]:
        o = self.options
        return {"kind": o.kind, "phase": o.phase, "action": o.action, "on_error": o.on_error,
                "timeout": float(o.timeout), "cached": len(self.cache)}  # fmt: skip
