"""Where the user-controlled text lives in an OpenAI-compatible request body.

Chat `messages[].content` (a string, or a multimodal array whose `{"type": "text"}` parts carry
text), legacy completions `prompt` (string or list of strings) and embeddings/responses `input`
(string, list of strings, or a list of message-like objects). Each text comes with a path such as
`messages[2].content[0].text`, so a finding can say where it was without quoting it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

TextAt = tuple[str, str]
"""(path in the JSON body, the text found there)."""


def extract_texts(payload: Mapping[str, Any]) -> list[TextAt]:
    """Pull every user-supplied text out of a chat, completions or embeddings request body."""
    found: list[TextAt] = []
    messages = payload.get("messages")
    if isinstance(messages, list):
        for i, message in enumerate(messages):
            if isinstance(message, Mapping):
                _content(found, f"messages[{i}].content", message.get("content"))
    for key in ("prompt", "input"):
        value = payload.get(key)
        if isinstance(value, str):
            found.append((key, value))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    found.append((f"{key}[{i}]", item))
                elif isinstance(item, Mapping):
                    # Responses API: input=[{"role": ..., "content": str | [parts]}] or a part
                    if "content" in item:
                        _content(found, f"{key}[{i}].content", item.get("content"))
                    else:
                        _part(found, f"{key}[{i}]", item)
    return found


def _content(found: list[TextAt], path: str, content: object) -> None:
    if isinstance(content, str):
        found.append((path, content))
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, Mapping):
                _part(found, f"{path}[{j}]", part)
            elif isinstance(part, str):
                found.append((f"{path}[{j}]", part))


def _part(found: list[TextAt], path: str, part: Mapping[str, Any]) -> None:
    if part.get("type") in ("text", "input_text", "output_text") and isinstance(
        part.get("text"), str
    ):
        found.append((f"{path}.text", part["text"]))


JOINED = "[*]"
"""Path suffix of a content array's parts joined into one text (`messages[0].content[*]`)."""
_PART = re.compile(r"^(.*\.content|(?:prompt|input))\[\d+\](?:\.text)?$")


def part_group(path: str) -> str:
    """The content array a part belongs to (`messages[0].content[1].text` ->
    `messages[0].content`), or the path itself for a text that is not a part."""
    if path.endswith(JOINED):
        return path[: -len(JOINED)]
    m = _PART.match(path)
    return m.group(1) if m else path


def joined_parts(located: Sequence[TextAt]) -> list[TextAt]:
    """One more text per content array with several text parts: the parts joined as written.

    A secret or an instruction split across parts (`"sk-proj-abc"`, `"def..."`) is whole only
    here; the provider reads the parts as one message. The joined text is scanned for what no
    single part showed, and a redaction cannot be written back into it (the plugin blocks).
    """
    groups: dict[str, list[str]] = {}
    for path, text in located:
        m = _PART.match(path)
        if m:
            groups.setdefault(m.group(1), []).append(text)
    return [(key + JOINED, "".join(parts)) for key, parts in groups.items() if len(parts) > 1]
