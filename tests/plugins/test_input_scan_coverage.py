"""input_scan reads every text the model will read, per API (issue 17, M4), and decides
"is this JSON" by parsing, not by the client's Content-Type (M5): a leaked key placed in each
field of each API is found, and the same chat body as text/plain or untyped is scanned."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from plugins.input_scan import InputScan
from proxy.testing import Harness
from scanners.text.extract import FILE, WHOLE, extract_texts, fields_in_order

SECRET = "ghp_8f2KxQ9mT4vR7wL1nZ3bY6cH0jD5sA2eU9pX"
USER = {"role": "user", "content": "hi"}
DATA_URL = "data:text/plain;base64," + base64.b64encode(f"key={SECRET}".encode()).decode()

# (API, body, the path of the text that holds the secret)
PLACES: list[tuple[str, dict[str, Any], str]] = [
    ("chat", {"messages": [{"role": "user", "content": SECRET}]}, "messages[0].content"),
    ("chat", {"messages": [{"role": "user", "name": SECRET, "content": "hi"}]},
     "messages[0].name"),
    ("chat", {"messages": [USER, {"role": "assistant", "tool_calls": [{"id": "1", "type":
     "function", "function": {"name": "f", "arguments": f'{{"k": "{SECRET}"}}'}}]}]},
     "messages[1].tool_calls[0].function.arguments"),
    ("chat", {"messages": [USER, {"role": "assistant", "function_call": {"name": "f",
     "arguments": SECRET}}]}, "messages[1].function_call.arguments"),
    ("chat", {"messages": [USER], "tools": [{"type": "function", "function": {"name": "f",
     "description": f"use {SECRET}", "parameters": {"type": "object"}}}]},
     "tools[0].function.description"),
    ("chat", {"messages": [USER], "tools": [{"type": "function", "function": {"name": "f",
     "parameters": {"type": "object", "properties": {"a": {"description": SECRET}}}}}]},
     "tools[0].function.parameters" + WHOLE),
    ("chat", {"messages": [USER], "functions": [{"name": "f", "description": SECRET}]},
     "functions[0].description"),
    ("chat", {"messages": [USER], "response_format": {"type": "json_schema", "json_schema": {
     "name": "x", "schema": {"description": SECRET}}}}, "response_format" + WHOLE),
    ("chat", {"messages": [USER, {"role": "user", "content": [{"type": "file", "file": {
     "file_data": DATA_URL}}]}]}, "messages[1].content[0].file.file_data" + FILE),
    ("chat", {"messages": [USER], "prediction": {"type": "content", "content": SECRET}},
     "prediction.content"),
    ("completions", {"prompt": ["a", SECRET]}, "prompt[1]"),
    ("completions", {"prompt": "a", "suffix": SECRET}, "suffix"),
    ("responses", {"instructions": SECRET, "input": "hi"}, "instructions"),
    ("responses", {"input": SECRET}, "input"),
    ("responses", {"input": [{"role": "user", "content": [{"type": "input_text", "text":
     SECRET}]}]}, "input[0].content[0].text"),
    ("responses", {"input": [{"type": "function_call", "call_id": "c", "name": "f",
     "arguments": SECRET}]}, "input[0].arguments"),
    ("responses", {"input": [{"type": "function_call_output", "call_id": "c", "output":
     SECRET}]}, "input[0].output"),
    ("responses", {"input": [{"role": "user", "content": [{"type": "input_file", "filename":
     "a.txt", "file_data": DATA_URL}]}]}, "input[0].content[0].file_data" + FILE),
    ("responses", {"input": "hi", "tools": [{"type": "function", "name": "f", "description":
     SECRET, "parameters": {}}]}, "tools[0].description"),
    ("responses", {"input": "hi", "text": {"format": {"type": "json_schema", "name": "x",
     "schema": {"description": SECRET}}}}, "text.format" + WHOLE),
    ("messages", {"system": SECRET, "messages": [USER]}, "system"),
    ("messages", {"system": [{"type": "text", "text": SECRET}], "messages": [USER]},
     "system[0].text"),
    ("messages", {"messages": [USER, {"role": "assistant", "content": [{"type": "tool_use",
     "id": "t", "name": "f", "input": {"q": SECRET}}]}]},
     "messages[1].content[0].input" + WHOLE),
    ("messages", {"messages": [{"role": "user", "content": [{"type": "tool_result",
     "tool_use_id": "t", "content": [{"type": "text", "text": SECRET}]}]}]},
     "messages[0].content[0].content[0].text"),
    ("messages", {"messages": [{"role": "user", "content": [{"type": "document", "source": {
     "type": "text", "media_type": "text/plain", "data": SECRET}}]}]},
     "messages[0].content[0].source.data"),
    ("messages", {"messages": [USER], "tools": [{"name": "f", "description": "d",
     "input_schema": {"properties": {SECRET: {"type": "string"}}}}]},
     "tools[0].input_schema" + WHOLE),
]  # fmt: skip


@pytest.mark.parametrize(("api", "body", "path"), PLACES, ids=[p[2] for p in PLACES])
def test_every_place_the_model_reads_is_extracted(
    api: str, body: dict[str, Any], path: str
) -> None:
    found = dict(extract_texts({"model": "m", **body}))
    assert path in found, sorted(found)
    assert SECRET in found[path]


@pytest.mark.parametrize(("api", "body", "path"), PLACES, ids=[p[2] for p in PLACES])
async def test_a_secret_in_any_place_is_blocked(api: str, body: dict[str, Any], path: str) -> None:
    harness = Harness([(InputScan, {"checks": ["secrets"]})])
    result = await harness.request("POST", json={"model": "m", **body})
    assert result.status == 400, path
    assert result.json()["error"]["type"] == "input_rejected"
    assert not harness.upstream.requests


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_the_content_type_does_not_decide_what_is_json(content_type: str | None) -> None:
    body = orjson.dumps({"model": "m", "messages": [{"role": "user", "content": SECRET}]})
    headers = {"content-type": content_type} if content_type else {}
    harness = Harness([(InputScan, {"checks": ["secrets"]})])
    result = await harness.request("POST", body=body, headers=headers)
    assert result.status == 400
    assert result.json()["error"]["type"] == "input_rejected"
    assert not harness.upstream.requests


async def test_pii_in_a_schema_blocks_instead_of_corrupting_it() -> None:
    harness = Harness([(InputScan, {"checks": ["pii"]})])
    schema = {"name": "x", "schema": {"description": "mail bob.smith@acme-corp.io now"}}
    body = {
        "model": "m",
        "messages": [USER],
        "response_format": {"type": "json_schema", "json_schema": schema},
    }
    result = await harness.request("POST", json=body)
    assert result.status == 400
    plain = await harness.request(
        "POST",
        json={
            "model": "m",
            "messages": [{"role": "user", "content": "bob.smith@acme-corp.io now"}],
        },
    )
    assert plain.status == 200  # a message can be redacted in place
    assert "bob.smith@acme-corp.io" not in harness.upstream.requests[-1].body.decode()


ODD_TYPES: list[Any] = [["text"], {"kind": "text"}, 7, None]


@pytest.mark.parametrize("kind", ODD_TYPES, ids=repr)
async def test_a_part_or_item_type_that_is_not_a_string_is_read_past(kind: Any) -> None:
    # An unhashable "type" once raised TypeError in extraction: a 500 instead of a scan.
    harness = Harness([(InputScan, {"checks": ["secrets"]})])
    odd_part = {"type": kind, "text": "hi"}
    for body, status in [
        ({"messages": [{"role": "user", "content": [odd_part]}]}, 200),
        ({"input": [{"type": kind, "content": "hi"}]}, 200),
        ({"messages": [{"role": "user", "content": [odd_part, {"type": "text", "text": SECRET}]}]},
         400),
        ({"input": [{"type": kind, "content": SECRET}]}, 400),
    ]:  # fmt: skip
        result = await harness.request("POST", json={"model": "m", **body})
        assert result.status == status, body


def test_selected_fields_give_the_same_texts_as_the_whole_filtered() -> None:
    bodies = [{"model": "m", **body} for _, body, _ in PLACES]
    for fields in (["messages"], ["tools", "system"], ["input", "text", "instructions"], []):
        chosen = fields_in_order(fields)
        for body in bodies:
            whole = extract_texts(body)
            expected = [(p, t) for p, t in whole if p.split(".")[0].split("[")[0] in fields]
            assert extract_texts(body, chosen) == expected
    with pytest.raises(ValueError, match="unknown fields"):
        fields_in_order(["messages", "nope"])
