"""The small vocabularies both directions share: stop reasons and usage blocks.

Anthropic counts ``input_tokens`` without the prompt-cache reads and writes, OpenAI counts
``prompt_tokens`` with them (``prompt_tokens_details.cached_tokens`` says how many were read
from cache); the conversions keep the totals equal both ways.
"""

from __future__ import annotations

from typing import Any

import orjson

# Anthropic stop_reason -> OpenAI finish_reason
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
# OpenAI finish_reason -> Anthropic stop_reason
STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def count(value: object) -> int:
    """A token count as a non-negative int (anything else is 0)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def openai_usage(anthropic: object) -> dict[str, Any]:
    u = anthropic if isinstance(anthropic, dict) else {}
    cache_read = count(u.get("cache_read_input_tokens"))
    prompt = count(u.get("input_tokens")) + count(u.get("cache_creation_input_tokens")) + cache_read
    completion = count(u.get("output_tokens"))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cache_read},
    }


def anthropic_usage(openai: object) -> dict[str, Any]:
    u = openai if isinstance(openai, dict) else {}
    details = u.get("prompt_tokens_details")
    cached = count(details.get("cached_tokens")) if isinstance(details, dict) else 0
    prompt = count(u.get("prompt_tokens"))
    return {
        "input_tokens": max(prompt - cached, 0),
        "output_tokens": count(u.get("completion_tokens")),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
    }


def message_id(raw: object) -> str:
    """An Anthropic message id for an OpenAI completion id."""
    return f"msg_{raw}" if isinstance(raw, str) and raw else "msg_sluicegate"


def error_object(body: bytes) -> dict[str, Any] | None:
    """The ``error`` object of a provider's error body (both dialects nest it so)."""
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    inner = payload.get("error") if isinstance(payload, dict) else None
    return inner if isinstance(inner, dict) else None
