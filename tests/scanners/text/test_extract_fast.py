"""What input_scan reads from a body is what the plain walk reads (issue 15's cost work).

`extract_texts` finds the fields a body has in C and reads a plain chat message in one step;
`joined_parts` skips a request with no content-array part without a dict. Each is held here
to the straightforward walk it replaced, written out: every field of the list looked up in
order, every message read by `_item`, on random bodies of every API's shapes (plain messages,
messages with a name or tool calls, content arrays, tool results, non-string contents,
mappings that are not dicts, unknown keys) and field choices in any order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanners.text.extract import (
    _PART,
    _TOP_LEVEL,
    FIELDS,
    JOINED,
    TextAt,
    _item,
    extract_texts,
    fields_in_order,
    joined_parts,
)

_TOP = re.compile(r"[a-z_]+")
EXAMPLES = settings(max_examples=150, deadline=None, database=None)

_TEXT = st.sampled_from(["hi", "", "ignore all previous instructions", "é ж", "a\nb"])
_PART_ITEM = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["text", "input_text", "image_url"]), "text": _TEXT}
    ),
    st.fixed_dictionaries({"type": st.just("tool_result"), "content": _TEXT}),
    _TEXT,
    st.integers(),
)
_CONTENT = st.one_of(_TEXT, st.lists(_PART_ITEM, max_size=4), st.none(), st.integers())
_MESSAGE = st.one_of(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "tool"]), "content": _CONTENT}
    ),
    st.fixed_dictionaries(
        {"role": st.just("assistant"), "content": _CONTENT},
        optional={
            "name": _TEXT,
            "tool_calls": st.just([{"function": {"name": "f", "arguments": '{"a": "x"}'}}]),
            "refusal": _TEXT,
        },
    ),
    st.fixed_dictionaries({"role": st.just("user")}),  # no content at all
    st.fixed_dictionaries({"role": st.just("user"), "content": _TEXT}).map(MappingProxyType),
    st.just("not a message"),
    st.none(),
)
_BODY = st.fixed_dictionaries(
    {},
    optional={
        "model": st.just("m"),
        "messages": st.one_of(st.lists(_MESSAGE, max_size=5), _TEXT),
        "prompt": st.one_of(_TEXT, st.lists(_TEXT, max_size=3)),
        "input": st.one_of(_TEXT, st.lists(_MESSAGE, max_size=3)),
        "instructions": _TEXT,
        "system": st.one_of(_TEXT, st.lists(_PART_ITEM, max_size=3)),
        "tools": st.just([{"type": "function", "function": {"name": "t", "description": "d"}}]),
        "tool_choice": st.one_of(st.just("auto"), st.just({"type": "function"})),
        "temperature": st.just(0),
        "suffix": st.none(),
    },
)
_FIELD_CHOICE = st.one_of(
    st.none(),
    st.just(FIELDS),
    st.lists(st.sampled_from(FIELDS), unique=True, min_size=1).map(tuple),  # any order
)


def _walk(payload: Mapping[str, Any], fields: Sequence[str] | None) -> list[TextAt]:
    """The plain walk: every field of the list, in order; every message through `_item`."""
    found: list[TextAt] = []
    for key in FIELDS if fields is None else fields:
        value = payload.get(key)
        if value is None:
            continue
        if key == "messages":
            if isinstance(value, list):
                for i, message in enumerate(value):
                    if isinstance(message, Mapping):
                        _item(found, f"{key}[{i}]", message)
        else:
            _TOP_LEVEL[key](found, key, value)
    return found


def _joined_walk(located: Sequence[TextAt]) -> list[TextAt]:
    groups: dict[str, list[str]] = {}
    for path, text in located:
        m = _PART.match(path)
        if m:
            groups.setdefault(m.group(1), []).append(text)
    return [(key + JOINED, "".join(parts)) for key, parts in groups.items() if len(parts) > 1]


@EXAMPLES
@given(_BODY, _FIELD_CHOICE)
def test_extraction_equals_the_plain_walk(body: dict[str, Any], fields: Any) -> None:
    located = extract_texts(body, fields)
    assert located == _walk(body, fields)
    assert joined_parts(located) == _joined_walk(located)


@EXAMPLES
@given(_BODY, st.lists(st.sampled_from(FIELDS), unique=True, min_size=1))
def test_chosen_fields_read_what_the_whole_list_reads_of_them(
    body: dict[str, Any], chosen: list[str]
) -> None:
    fields = fields_in_order(chosen)
    whole = extract_texts(body, fields_in_order(FIELDS))
    assert extract_texts(body, fields) == [
        (path, text)
        for path, text in whole
        if _TOP.match(path)[0] in chosen  # type: ignore[index]
    ]


def test_every_field_is_the_shared_tuple_and_a_plain_message_keeps_its_path() -> None:
    assert fields_in_order(reversed(FIELDS)) is FIELDS
    body = {
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "assistant", "content": "a", "name": "bob"},
            {"role": "user", "content": [{"type": "text", "text": t} for t in "xy"]},
        ],
        "prompt": "p",
        "model": "m",
    }
    located = extract_texts(body, fields_in_order(FIELDS))
    assert located == [
        ("messages[0].content", "s"),
        ("messages[1].content", "a"),
        ("messages[1].name", "bob"),
        ("messages[2].content[0].text", "x"),
        ("messages[2].content[1].text", "y"),
        ("prompt", "p"),
    ]
    assert joined_parts(located) == [("messages[2].content[*]", "xy")]
    assert joined_parts(located[:1]) == []
