"""Prompt and completion text, for ``record_content = true`` only (it is off by default:
prompts carry personal data and secrets, and traces are rarely guarded like the data itself).
"""

from __future__ import annotations

from typing import Any

import orjson


def prompt_text(body: Any, limit: int) -> str | None:
    """The request's messages / prompt / input as JSON text, cut at ``limit`` bytes."""
    if not isinstance(body, dict):
        return None
    for field in ("messages", "prompt", "input"):
        if field in body:
            return _cut(orjson.dumps(body[field]), limit)
    return None


def completion_text(body: bytes, streaming: bool, limit: int) -> str | None:
    """The answer's text: message contents of a JSON reply, or the deltas of an SSE stream."""
    parts: list[str] = []
    if streaming:
        for line in body.split(b"\n"):
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                parts.extend(_texts(_loads(line[6:]), "delta"))
    else:
        parts.extend(_texts(_loads(body), "message"))
    return _cut("".join(parts).encode(), limit) if parts else None


def _loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _texts(payload: Any, field: str) -> list[str]:
    if not isinstance(payload, dict):
        return []
    found = []
    for choice in payload.get("choices") or []:
        if isinstance(choice, dict):
            content = (choice.get(field) or {}).get("content") or choice.get("text")
            if isinstance(content, str):
                found.append(content)
    return found


def _cut(raw: bytes, limit: int) -> str:
    return raw[:limit].decode("utf-8", "ignore")
