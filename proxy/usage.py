"""Reading the provider's ``usage`` block as the response passes, JSON or streaming.

Token limits, budgets, metrics and traces all need real token counts, and the provider says
them once: at the end of a JSON body, or in the final event of a stream. For a stream the
gateway asks for that event (``stream_options.include_usage``) when the client did not, and
then removes it from the client's stream, so the client sees exactly what it asked for.

The same pass notes the ``model`` the provider says answered (``ex.usage.response_model``,
for traces' ``gen_ai.response.model``): taken from the parsed JSON body, or, on a stream,
from the first event that names it: one regex search over the stream's first 16 KB of
whole lines at most (the final usage event names it too).

A provider's counts are not trusted to be sane (issue 17, M6): each one goes through
``token_count``, which turns anything that is not a whole non-negative number (a string, a
list, ``NaN``, a boolean) into 0, truncates a float, and clamps to ``MAX_TOKENS`` — so a
hostile or buggy provider can never make metering raise (which once truncated the client's
response and skipped every ``on_complete`` hook), and a ``1e300``-token answer is still
charged, at the cap.
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

from proxy.exchange import Exchange

_METERED_SUFFIXES = (
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/responses",
    "/messages",
    "/audio/transcriptions",
    "/audio/translations",
    "/audio/speech",
    "/images/generations",
)
_JSON_CAP = 4 * 1024 * 1024
_TAIL = 16 * 1024
# Counts in bytes that orjson refuses (a 1e400 overflows a double) or that were cut: any
# JSON number, parsed with ``float`` so that no length of digits can raise.
_TOKENS = re.compile(
    rb'"(prompt_tokens|completion_tokens|input_tokens|output_tokens)"\s*:\s*(-?[0-9][0-9.eE+-]*)'
)
# A trillion tokens: far above any real answer, small enough that every sum, price product,
# redis INCRBY and Prometheus counter built on it stays exact and finite.
MAX_TOKENS = 10**12
# A top-level "model" string; inside JSON strings quotes are escaped, so prompt or completion
# text cannot fake one. Names with escapes or longer than 256 bytes are not recorded.
_MODEL = re.compile(rb'"model"\s*:\s*"([^"\\]{1,256})"')


def token_count(value: Any) -> int:
    """A provider's token count made safe: a whole number in ``[0, MAX_TOKENS]``; 0 for junk."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return min(max(value, 0), MAX_TOKENS)
    if isinstance(value, float):
        if math.isnan(value) or value <= 0:
            return 0
        return MAX_TOKENS if value >= MAX_TOKENS else int(value)
    return 0


def metered(path: str) -> bool:
    return path.endswith(_METERED_SUFFIXES)


def request_usage_event(payload: dict[str, Any]) -> bool:
    """Ask a streaming chat request for the final usage event; True if we had to add it.

    Only for the APIs that take ``stream_options`` (chat and legacy completions): Anthropic
    and the Responses API always report usage in their stream and refuse unknown fields."""
    if not payload.get("stream"):
        return False
    options = payload.get("stream_options")
    if isinstance(options, dict) and "include_usage" in options:
        return False
    payload["stream_options"] = {**(options or {}), "include_usage": True}
    return True


class UsageMeter:
    """Watches one response body; ``finish`` writes what it found to ``ex.usage``."""

    __slots__ = (
        "_binary",
        "_buffer",
        "_carry",
        "_ex",
        "_finished",
        "_overflow",
        "_scanned",
        "_streaming",
        "_strip",
        "_units",
        "found",
        "response_model",
    )

    def __init__(
        self,
        ex: Exchange,
        streaming: bool,
        strip_usage_event: bool,
        *,
        binary: bool = False,
        units: tuple[float, str] | None = None,
    ) -> None:
        self._ex = ex
        # A binary body (speech audio) is not read at all: its units come from the request.
        self._binary = binary
        self._units = units
        self._streaming = streaming
        self._strip = strip_usage_event and streaming
        self._buffer: list[bytes] = []
        self._carry = b""
        self._overflow = 0
        self._scanned = 0
        self._finished = False
        self.found: dict[str, Any] | None = None
        self.response_model: str | None = None

    def feed(self, chunk: bytes) -> bytes:
        """Observe a chunk; returns what to pass on (the usage event removed when asked)."""
        if self._binary:
            return chunk
        if self._streaming:
            return self._feed_stream(chunk)
        if self._overflow or sum(map(len, self._buffer)) + len(chunk) > _JSON_CAP:
            # Too large to parse whole: keep a tail, where providers put usage; the model
            # comes first in the body, so look for it before the head is dropped.
            if not self._overflow:
                self._note_model(b"".join(self._buffer))
            tail = (b"".join(self._buffer) + chunk)[-_TAIL:]
            self._buffer = [tail]
            self._overflow += 1
        else:
            self._buffer.append(chunk)
        return chunk

    def _feed_stream(self, chunk: bytes) -> bytes:
        # Only whole lines are looked at: the bytes after the last newline wait in
        # ``_carry``, so a ``"usage"`` or ``"model"`` key split across chunks is still seen.
        data = self._carry + chunk
        if self._strip:
            complete, sep, partial = data.rpartition(b"\n\n")
            if not sep:
                self._carry = data
                return b""
            self._carry = partial
            self._watch_model(complete)
            return self._scan_events(complete + b"\n\n", strip=True)
        head, sep, rest = data.rpartition(b"\n")
        self._carry = rest[-_TAIL:] if sep else data[-_TAIL:]
        if sep:
            self._watch_model(head)
            if b'"usage"' in head:
                self._scan_events(head)
        return chunk

    def _scan_events(self, data: bytes, strip: bool = False) -> bytes:
        kept = []
        for event in data.split(b"\n\n"):
            if b'"usage"' in event:
                usage, usage_only, model = _usage_in_event(event)
                if model is not None and self.response_model is None:
                    self.response_model = model
                if usage is not None:
                    # Anthropic's message_start and message_delta each carry part of the
                    # counts, and later counts are cumulative: merge, the latest winning.
                    merged = dict(self.found) if self.found else {}
                    merged.update({k: v for k, v in usage.items() if v is not None})
                    self.found = merged
                    if strip and usage_only:
                        continue
            kept.append(event)
        return b"\n\n".join(kept) if strip else data

    def _watch_model(self, lines: bytes) -> None:
        if self.response_model is None and self._scanned < _TAIL:
            self._scanned += len(lines)
            self._note_model(lines)

    def _note_model(self, data: bytes) -> None:
        match = _MODEL.search(data)
        if match is not None:
            self.response_model = match.group(1).decode("utf-8", "replace")

    @property
    def holds_back(self) -> bool:
        """Whether ``flush`` may still have bytes for the client at the end of the body."""
        return self._strip

    def flush(self) -> bytes:
        """Whatever a stripping meter still holds back (an unterminated last event)."""
        carry, self._carry = self._carry, b""
        return carry if self._strip else b""

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        images = 0
        if not self._streaming and self._buffer:
            body = b"".join(self._buffer)
            self.found, model = _usage_in_json(body, bool(self._overflow))
            if model is not None:
                self.response_model = model
            if self._units is not None and self._units[1] == "images" and not self._overflow:
                images = _image_count(body)
        if self.response_model is not None:
            self._ex.usage.response_model = self.response_model
        target = self._ex.usage
        units = self._units
        if units is not None and units[1] == "images":
            units = (float(images), "images") if images else None
        if units is not None and units[0] > 0:
            target.units, target.unit, target.reported = units[0], units[1], True
        usage = self.found
        if not usage:
            return
        tokens = read_tokens(usage)
        target.input_tokens, target.output_tokens = tokens[0], tokens[1]
        target.cache_read_tokens, target.cache_write_tokens = tokens[2], tokens[3]
        seconds = usage.get("seconds") if usage.get("type") == "duration" else None
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
            target.units, target.unit = float(seconds), "seconds"
        target.reported = True


def _detail(usage: dict[str, Any], block: str, name: str) -> int:
    details = usage.get(block)
    return token_count(details.get(name)) if isinstance(details, dict) else 0


def read_tokens(usage: dict[str, Any]) -> tuple[int, int, int, int]:
    """(input, output, cache read, cache write) from any provider's usage block.

    OpenAI chat counts cached prompt tokens inside ``prompt_tokens``; the Responses API
    inside ``input_tokens``; Anthropic outside ``input_tokens``, in
    ``cache_read_input_tokens`` and ``cache_creation_input_tokens``, which are added back so
    ``input`` means every prompt token whatever the provider.
    """
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        cached = _detail(usage, "prompt_tokens_details", "cached_tokens")
        return (
            token_count(usage.get("prompt_tokens")),
            token_count(usage.get("completion_tokens")),
            cached,
            0,
        )
    read = token_count(usage.get("cache_read_input_tokens"))
    write = token_count(usage.get("cache_creation_input_tokens"))
    if read or write:
        return (
            min(token_count(usage.get("input_tokens")) + read + write, MAX_TOKENS),
            token_count(usage.get("output_tokens")),
            read,
            write,
        )
    return (
        token_count(usage.get("input_tokens")),
        token_count(usage.get("output_tokens")),
        _detail(usage, "input_tokens_details", "cached_tokens"),
        0,
    )


def _image_count(body: bytes) -> int:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 0
    data = payload.get("data") if isinstance(payload, dict) else None
    return len(data) if isinstance(data, list) else 0


def _usage_in_event(event: bytes) -> tuple[dict[str, Any] | None, bool, str | None]:
    """The event's usage block, whether it is a usage-only event, and its model."""
    for line in event.split(b"\n"):
        if line.startswith(b"data:"):
            try:
                payload = orjson.loads(line[5:])
            except orjson.JSONDecodeError:
                return _tokens_in(event), False, None
            if not isinstance(payload, dict):
                return None, False, None
            usage = payload.get("usage")
            if isinstance(usage, dict):
                return usage, not payload.get("choices"), _model_of(payload)
            # Anthropic's message_start and the Responses API's response.completed nest it.
            for outer in ("message", "response"):
                inner = payload.get(outer)
                if isinstance(inner, dict) and isinstance(inner.get("usage"), dict):
                    return inner["usage"], False, _model_of(inner)
    return None, False, None


def _usage_in_json(body: bytes, truncated: bool) -> tuple[dict[str, Any] | None, str | None]:
    """The body's usage block and model; a truncated body keeps only its tail's counts."""
    if not truncated:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _tokens_in(body), None
        if not isinstance(payload, dict):
            return None, None
        usage = payload.get("usage")
        return (usage if isinstance(usage, dict) else None), _model_of(payload)
    return _tokens_in(body), None


def _tokens_in(data: bytes) -> dict[str, Any] | None:
    """Token counts found by pattern where the JSON could not be parsed whole."""
    found: dict[str, Any] = {}
    for name, value in _TOKENS.findall(data):
        try:
            found[name.decode()] = float(value)
        except ValueError:
            found[name.decode()] = 0
    return found or None


def _model_of(payload: dict[str, Any]) -> str | None:
    model = payload.get("model")
    return model if isinstance(model, str) and 0 < len(model) <= 256 else None
