"""A request's tokens before the provider says: ~4 characters of text per token.

Not a plugin: ``token_limit`` and ``budget`` reserve against an estimate at request time and
settle the provider's reported usage later (``plugins._limits.Reserver``); these helpers read
an OpenAI- or Anthropic-style body for its text and the output cap it asks for.
"""

from __future__ import annotations

import math
from typing import Any

from proxy.errors import PolicyError
from proxy.exchange import Exchange

CHARS_PER_TOKEN = 4


def _text_chars(value: Any) -> int:
    """Characters of text in a message content, prompt or input (strings and text parts)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        total = 0
        for item in value:
            if isinstance(item, str):
                total += len(item)
            elif isinstance(item, dict):
                text = item.get("text")
                total += len(text) if isinstance(text, str) else 0
                # Responses input items and Anthropic tool results nest their text one level.
                content = item.get("content")
                total += _text_chars(content) if isinstance(content, str | list) else 0
            elif isinstance(item, list):  # token-id arrays (embeddings, legacy completions)
                total += len(item) * CHARS_PER_TOKEN
        return total
    return 0


def estimate_input_tokens(payload: Any, raw_size: int) -> int:
    """Input tokens of an OpenAI-style request, from its text at ~4 chars per token.

    Chat and Anthropic ``messages``, Anthropic ``system``, completion ``prompt``, embedding
    and Responses ``input`` and Responses ``instructions`` are read; a body that is not such
    JSON is judged by its raw size (an over- rather than under-estimate).
    """
    if not isinstance(payload, dict):
        return math.ceil(raw_size / CHARS_PER_TOKEN)
    chars = 0
    messages = payload.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict):
                chars += _text_chars(message.get("content")) + 8  # role and framing
    chars += _text_chars(payload.get("prompt")) + _text_chars(payload.get("input"))
    chars += _text_chars(payload.get("system")) + _text_chars(payload.get("instructions"))
    return math.ceil(chars / CHARS_PER_TOKEN)


def requested_output_tokens(payload: Any, default: int) -> int:
    """The output cap the client asked for (``max_completion_tokens``/``max_tokens``, the
    Responses API's ``max_output_tokens``)."""
    if isinstance(payload, dict):
        for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
            value = payload.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
    return default


async def request_payload(ex: Exchange) -> tuple[Any, int]:
    """The parsed JSON body (None when it is not JSON) and the raw body size."""
    raw = await ex.body()
    try:
        payload = await ex.json()
    except PolicyError:  # not JSON: estimate from the size; the provider will judge the body
        payload = None
    return payload, len(raw)
