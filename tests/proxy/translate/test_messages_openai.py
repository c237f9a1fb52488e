"""messages -> openai: each field of the request and answer, and the stream event by event."""

from __future__ import annotations

import orjson
import pytest

from proxy.translate import Call, Untranslatable
from proxy.translate.messages_openai import TRANSLATOR as T

CALL = Call(model="gpt-x", stream=False, include_usage=False)


def test_request_fields_map_one_by_one() -> None:
    out = T.request(
        {
            "model": "alias",
            "max_tokens": 99,
            "system": [{"type": "text", "text": "S", "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAA"}},  # noqa: E501
                ]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "s"},
                    {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "is_error": True,
                     "content": [{"type": "text", "text": "boom"}]},
                ]},
            ],
            "stop_sequences": ["X"],
            "temperature": 0,
            "stream": True,
            "tools": [{"name": "f", "description": "d", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
            "metadata": {"user_id": "u"},
        },
        CALL,
    )  # fmt: skip
    assert out == {
        "model": "gpt-x",
        "max_tokens": 99,
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAA"}},
            ]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
            ]},
            {"role": "tool", "tool_call_id": "t1", "content": "Error: boom"},
        ],
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
        "stop": ["X"],
        "tools": [{"type": "function", "function": {
            "name": "f", "parameters": {"type": "object"}, "description": "d"}}],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "user": "u",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"top_k": 5}, "top_k"),
        ({"thinking": {"type": "enabled", "budget_tokens": 1024}}, "thinking"),
        ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "web_search"),
        ({"messages": [{"role": "user", "content": [{"type": "document"}]}]}, "'document'"),
        ({"tool_choice": {"type": "sometimes"}}, "sometimes"),
    ],
)
def test_what_has_no_counterpart_is_a_400_naming_it(extra: dict[str, object], named: str) -> None:
    payload = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    with pytest.raises(Untranslatable) as refused:
        T.request({**payload, **extra}, CALL)
    assert named in refused.value.message


def test_answer_and_error_come_back_in_anthropic_shapes() -> None:
    completion = {
        "id": "chatcmpl-1",
        "model": "gpt-x",
        "choices": [{"index": 0, "finish_reason": "length", "message": {
            "role": "assistant", "content": "part", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"q":2}'}}
            ]}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 8, "prompt_tokens_details": {"cached_tokens": 10}},  # noqa: E501
    }  # fmt: skip
    out = orjson.loads(T.response(orjson.dumps(completion), CALL))
    assert out == {
        "id": "msg_chatcmpl-1",
        "type": "message",
        "role": "assistant",
        "model": "gpt-x",
        "content": [
            {"type": "text", "text": "part"},
            {"type": "tool_use", "id": "c1", "name": "f", "input": {"q": 2}},
        ],
        "stop_reason": "max_tokens",
        "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 8,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 10},
    }  # fmt: skip
    error = orjson.loads(T.error(429, b'{"error":{"message":"slow","type":"rate_limit_exceeded"}}'))
    assert error == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "slow",
                  "details": {"error_code": "rate_limit_exceeded"}},
    }  # fmt: skip


def _chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {
        "id": "c",
        "model": "gpt-x",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


STREAM = b"".join(
    b"data: " + orjson.dumps(e) + b"\n\n"
    for e in [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"content": "Hi"}),
        _chunk({"content": " there"}),
        _chunk({"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                                "function": {"name": "f", "arguments": ""}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        _chunk({}, "tool_calls"),
        {"id": "c", "model": "gpt-x", "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 3}},  # noqa: E501
    ]
) + b"data: [DONE]\n\n"  # fmt: skip


def _parsed(out: bytes) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in out.strip().split(b"\n\n"):
        name, data = block.split(b"\n")
        assert name.startswith(b"event: ") and data.startswith(b"data: ")
        events.append((name[7:].decode(), orjson.loads(data[6:])))
    return events


@pytest.mark.parametrize("size", [1, 13, len(STREAM)])
def test_the_stream_becomes_anthropic_events_in_order(size: int) -> None:
    translator = T.stream(Call("gpt-x", True, include_usage=True))
    out = b"".join(translator.feed(STREAM[i : i + size]) for i in range(0, len(STREAM), size))
    out += translator.end()
    events = _parsed(out)
    assert all(name == event["type"] for name, event in events)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop",
    ]  # fmt: skip
    assert events[0][1]["message"]["id"] == "msg_c"  # type: ignore[index]
    assert events[5][1]["content_block"] == {
        "type": "tool_use",
        "id": "c1",
        "name": "f",
        "input": {},
    }
    assert events[9][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert events[9][1]["usage"]["input_tokens"] == 11  # type: ignore[index]
    assert events[9][1]["usage"]["output_tokens"] == 3  # type: ignore[index]


def test_a_stream_cut_short_still_closes_and_an_error_is_anthropics_error_event() -> None:
    translator = T.stream(Call("gpt-x", True, include_usage=True))
    partial = translator.feed(
        b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}\n\n'
    )
    names = [name for name, _ in _parsed(partial + translator.end())]
    assert names[-2:] == ["message_delta", "message_stop"] and "content_block_stop" in names
    broken = T.stream(Call("gpt-x", True, include_usage=True))
    out = broken.feed(b'data: {"error":{"message":"down","type":"server_error"}}\n\n')
    assert _parsed(out) == [
        ("error", {"type": "error", "error": {"type": "api_error", "message": "down"}})
    ]
    assert broken.end() == b""
