"""Where the text a model will read lives in a request body, per API.

A scan is only as good as what it is shown: a text the provider turns into model input and
the scanner never sees is a way around every check (issue 17, M4). So this module names each
such place for every API the gateway fronts, with a path such as
`messages[2].content[0].text`, so a finding can say where it was without quoting it:

- Chat Completions: `messages[].content` (a string or text parts), `name`, `refusal`,
  `tool_calls[].function.{name,arguments}` and the legacy `function_call`; `tools[]` and
  legacy `functions[]` (name, description, the parameters schema); `response_format`'s JSON
  schema; `prediction`; `tool_choice`.
- Legacy completions: `prompt` (string or list of strings) and `suffix`; embeddings and
  moderations: `input`.
- Responses: `instructions`; `input` as a string or items of every kind (messages and their
  parts, `function_call` arguments, `function_call_output`, `input_file` data, reasoning
  summaries); flat `tools[]`; `text.format`'s schema.
- Anthropic Messages: `system` (string or text blocks); content blocks `text`, `tool_use`
  input, `tool_result` content, `document` text sources; `tools[].input_schema`.

A schema or a tool's input is one text (its compact JSON, keys included: a property name is
read too) at a path ending in ``WHOLE``; a file's decoded data is at a path ending in ``FILE``.
Neither can be rewritten in place, so a redaction there becomes a block (``writable``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

TextAt = tuple[str, str]
"""(path in the JSON body, the text found there)."""

WHOLE = "#json"
"""Path suffix of a JSON value scanned as its compact serialisation (schemas, tool input)."""
FILE = "#file"
"""Path suffix of a file's decoded data (`input_file.file_data`, a base64 document source)."""
JOINED = "[*]"
"""Path suffix of a content array's parts joined into one text (`messages[0].content[*]`)."""

# Parts whose "text" is text the model reads, across the three APIs.
_TEXT_PARTS = frozenset({"text", "input_text", "output_text", "summary_text", "refusal"})
# Every key of an item `_item` reads besides "content"; an item with none of them (a plain
# chat message) is done after its content. (Parsing and walking a chat body is the core's
# and this module's share of input_scan's cost outside the scanners.)
_ITEM_KEYS = frozenset({"name", "refusal", "arguments", "summary", "input", "output",
                        "tool_calls", "function_call", "type"})  # fmt: skip
_FILE_CAP = 4 * 1024 * 1024  # decoded file data scanned at most (the scanner caps it again)


def extract_texts(payload: Mapping[str, Any], fields: Sequence[str] | None = None) -> list[TextAt]:
    """Every text in a chat, completions, embeddings, responses or messages request body;
    with ``fields`` (see ``fields_in_order``), only those under these top-level fields."""
    found: list[TextAt] = []
    # The fields the body has, found in C (a chat body has 3-4 keys, the list 12), then put
    # in reading order: a loop over every field was a fifth of the plugin's own work.
    present = _FIELD_SET.intersection(payload)
    if fields is not None and fields is not FIELDS:
        present = present.intersection(fields)
    keys: Iterable[str] = present
    if len(present) > 1:
        keys = sorted(present, key=(FIELDS if fields is None else fields).index)
    for key in keys:
        value = payload[key]
        if value is not None:
            _TOP_LEVEL[key](found, key, value)
    return found


def fields_in_order(fields: Iterable[str]) -> tuple[str, ...]:
    """``fields`` in the order ``extract_texts`` reads them (an unknown name is refused), so
    a subset yields exactly the texts of the whole, filtered, in the same order."""
    chosen = set(fields)
    unknown = sorted(chosen - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown fields {unknown}; expected any of {list(FIELDS)}")
    if chosen.issuperset(FIELDS):
        return FIELDS  # every field: `extract_texts` knows this tuple and filters nothing
    return tuple(key for key in FIELDS if key in chosen)


def writable(path: str) -> bool:
    """Whether a redacted text can be written back at ``path`` in the body."""
    return not path.endswith((JOINED, WHOLE, FILE))


# -- the fields ---------------------------------------------------------------------------


def _messages(found: list[TextAt], path: str, messages: Any) -> None:
    if not isinstance(messages, list):
        return
    for i, message in enumerate(messages):
        if type(message) is dict:
            content = message.get("content")
            if type(content) is str and _ITEM_KEYS.isdisjoint(message):
                # a plain message ({"role", "content"}), what `_item` reads in two more calls
                found.append((f"{path}[{i}].content", content))
                continue
            _item(found, f"{path}[{i}]", message)
        elif isinstance(message, Mapping):
            _item(found, f"{path}[{i}]", message)


def _item(found: list[TextAt], path: str, item: Mapping[str, Any]) -> None:
    """A chat message, an Anthropic message, or a Responses input item of any type."""
    if "content" in item:
        _content(found, f"{path}.content", item.get("content"))
    if _ITEM_KEYS.isdisjoint(item):
        return  # a plain message ({"role", "content"}): nothing else to read
    for key in ("name", "refusal", "arguments", "summary", "input"):
        value = item.get(key)
        if isinstance(value, str):
            found.append((f"{path}.{key}", value))
        elif key == "summary" and isinstance(value, list):
            _content(found, f"{path}.summary", value)
        elif key == "input" and value is not None:
            _whole(found, f"{path}.input", value)  # a custom tool call or an Anthropic tool_use
    output = item.get("output")  # function_call_output
    if isinstance(output, str):
        found.append((f"{path}.output", output))
    elif isinstance(output, list):
        _content(found, f"{path}.output", output)
    for key in ("tool_calls",):
        calls = item.get(key)
        if isinstance(calls, list):
            for j, call in enumerate(calls):
                if isinstance(call, Mapping):
                    _function(found, f"{path}.{key}[{j}].function", call.get("function"))
    _function(found, f"{path}.function_call", item.get("function_call"))
    kind = item.get("type")
    if isinstance(kind, str) and (kind in _TEXT_PARTS or kind in ("input_file", "file")):
        _part(found, path, item)


def _function(found: list[TextAt], path: str, function: Any) -> None:
    if not isinstance(function, Mapping):
        return
    for key in ("name", "arguments"):
        value = function.get(key)
        if isinstance(value, str):
            found.append((f"{path}.{key}", value))


def _content(found: list[TextAt], path: str, content: object) -> None:
    if isinstance(content, str):
        found.append((path, content))
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if type(part) is dict or isinstance(part, Mapping):
                _part(found, f"{path}[{j}]", part)
            elif isinstance(part, str):
                found.append((f"{path}[{j}]", part))


def _part(found: list[TextAt], path: str, part: Mapping[str, Any]) -> None:
    kind = part.get("type")
    if not isinstance(kind, str):
        return  # no part type (an object or a list here would not even hash)
    if kind in _TEXT_PARTS and isinstance(part.get("text"), str):
        found.append((f"{path}.text", part["text"]))
    elif kind == "input_file":
        _file(found, f"{path}.file_data", part.get("file_data"))
    elif kind == "file" and isinstance(part.get("file"), Mapping):
        _file(found, f"{path}.file.file_data", part["file"].get("file_data"))
    elif kind == "tool_use":
        _whole(found, f"{path}.input", part.get("input"))
    elif kind == "tool_result":
        _content(found, f"{path}.content", part.get("content"))
    elif kind == "document":
        source = part.get("source")
        if isinstance(source, Mapping):
            if source.get("type") == "text" and isinstance(source.get("data"), str):
                found.append((f"{path}.source.data", source["data"]))
            elif source.get("type") == "base64":
                _file(found, f"{path}.source.data", source.get("data"))
            elif source.get("type") == "content":
                _content(found, f"{path}.source.content", source.get("content"))
    elif kind in ("function_call", "custom_tool_call", "function_call_output", "message"):
        _item(found, path, part)


def _file(found: list[TextAt], path: str, data: Any) -> None:
    """A file's data (``data:<type>;base64,...`` or bare base64), decoded. Text files are
    scanned as text; binary formats are not parsed (upload_scan's job), their bytes read as
    Latin-1 so a plain-text secret inside still shows."""
    if not isinstance(data, str) or not data:
        return
    encoded = data.partition(",")[2] if data.startswith("data:") else data
    try:
        raw = base64.b64decode(encoded[: _FILE_CAP * 4 // 3 + 4], validate=False)
    except (binascii.Error, ValueError):
        found.append((path + FILE, data[:_FILE_CAP]))
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    found.append((path + FILE, text))


def _whole(found: list[TextAt], path: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        found.append((path, value))
        return
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        return
    found.append((path + WHOLE, text))


def _strings(found: list[TextAt], path: str, value: Any) -> None:
    """``prompt``/``input``/``suffix``: a string, or a list of strings and items."""
    if isinstance(value, str):
        found.append((path, value))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                found.append((f"{path}[{i}]", item))
            elif isinstance(item, Mapping):
                _item(found, f"{path}[{i}]", item)


def _system(found: list[TextAt], path: str, value: Any) -> None:
    _content(found, path, value)


def _tools(found: list[TextAt], path: str, tools: Any) -> None:
    """Chat (`tools[].function`), Responses (flat) and Anthropic (`input_schema`) tools."""
    if not isinstance(tools, list):
        return
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function")
        base, spec = (
            (f"{path}[{i}].function", function)
            if isinstance(function, Mapping)
            else (f"{path}[{i}]", tool)
        )
        for key in ("name", "description"):
            if isinstance(spec.get(key), str):
                found.append((f"{base}.{key}", spec[key]))
        for key in ("parameters", "input_schema", "format"):
            if key in spec:
                _whole(found, f"{base}.{key}", spec[key])


def _response_format(found: list[TextAt], path: str, value: Any) -> None:
    if isinstance(value, Mapping) and value.get("type") not in (None, "text", "json_object"):
        _whole(found, path, value)


def _text_options(found: list[TextAt], path: str, value: Any) -> None:
    """Responses `text.format` (a JSON schema with name and description)."""
    if isinstance(value, Mapping):
        _response_format(found, f"{path}.format", value.get("format"))


def _prediction(found: list[TextAt], path: str, value: Any) -> None:
    if isinstance(value, Mapping):
        _content(found, f"{path}.content", value.get("content"))


def _tool_choice(found: list[TextAt], path: str, value: Any) -> None:
    if isinstance(value, Mapping):
        _whole(found, path, value)


_TOP_LEVEL: dict[str, Callable[[list[TextAt], str, Any], None]] = {
    "messages": _messages,
    "prompt": _strings,
    "suffix": _strings,
    "input": _strings,
    "instructions": _strings,
    "system": _system,
    "tools": _tools,
    "functions": _tools,
    "response_format": _response_format,
    "text": _text_options,
    "prediction": _prediction,
    "tool_choice": _tool_choice,
}
FIELDS = tuple(_TOP_LEVEL)
"""Every top-level field read for text, in the order scanned (input_scan's ``fields``)."""
_FIELD_SET = frozenset(FIELDS)

_PART_ENDS = ("]", "].text")
_PART = re.compile(r"^(.*\.content|(?:prompt|input|system))\[\d+\](?:\.text)?$")
_MESSAGE_TEXT = re.compile(r"^(messages|input)\[(\d+)\]\.content(?:\[\d+\](?:\.text)?|\[\*\])?$")
_OPERATOR_FIELDS = frozenset({"system", "instructions"})


def role_of(payload: Mapping[str, Any], path: str) -> str | None:
    """Who wrote the text at `path`, as the API says: the `role` of the message whose content
    it is (`messages[0].content` -> "system"), "system" for Anthropic's top-level `system` and
    the Responses API's `instructions`, None for anything else (tool calls and results,
    schemas, legacy prompts). A role is what the client claims, not a proof of authorship."""
    top = path.partition(".")[0].partition("[")[0]
    if top in _OPERATOR_FIELDS:
        return "system"
    m = _MESSAGE_TEXT.match(path)
    if m is None:
        return None
    items = payload.get(m.group(1))
    index = int(m.group(2))
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], Mapping):
        return None
    role = items[index].get("role")
    return role if isinstance(role, str) else None


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
    groups: dict[str, list[str]] | None = None
    for path, text in located:
        if not path.endswith(_PART_ENDS):
            continue  # not a part (most texts): no regex needed to say so
        m = _PART.match(path)
        if m:
            if groups is None:
                groups = {}
            groups.setdefault(m.group(1), []).append(text)
    if groups is None:
        return []
    return [(key + JOINED, "".join(parts)) for key, parts in groups.items() if len(parts) > 1]
