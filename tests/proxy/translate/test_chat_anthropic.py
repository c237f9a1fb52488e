"""chat -> anthropic: each field of the request and answer, and the stream event by event."""

from __future__ import annotations

import orjson
import pytest

from proxy.translate import Call, Untranslatable
from proxy.translate.chat_anthropic import TRANSLATOR as T

CALL = Call(model="claude-x", stream=False, include_usage=False, default_max_tokens=321)


def test_request_fields_map_one_by_one() -> None:
    out = T.request(
        {
            "model": "alias",
            "messages": [
                {"role": "system", "content": "S1"},
                {"role": "developer", "content": [{"type": "text", "text": "S2"}]},
                {"role": "user", "content": "hi"},
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/i.png"}}]},
                {"role": "assistant", "content": "calling", "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}  # noqa: E501
                ]},
                {"role": "tool", "tool_call_id": "c1", "content": "r1"},
            ],
            "temperature": 0.5,
            "top_p": 0.9,
            "stop": "END",
            "user": "u-1",
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],  # noqa: E501
            "tool_choice": {"type": "function", "function": {"name": "f"}},
            "parallel_tool_calls": False,
            "seed": None,
        },
        CALL,
    )  # fmt: skip
    assert out == {
        "model": "claude-x",
        "system": "S1\n\nS2",
        "max_tokens": 321,
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "hi"},
                {"type": "image", "source": {"type": "url", "url": "https://x/i.png"}},
            ]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "calling"},
                {"type": "tool_use", "id": "c1", "name": "f", "input": {"a": 1}},
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1", "content": "r1"}]},  # noqa: E501
        ],
        "temperature": 0.5,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "f", "disable_parallel_tool_use": True},
        "metadata": {"user_id": "u-1"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"n": 2}, "'n'"),
        ({"logprobs": True}, "'logprobs'"),
        ({"presence_penalty": 0.5}, "'presence_penalty'"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}, "'input_audio'"),
        ({"messages": [{"role": "function", "content": "x"}]}, "'function'"),
        ({"messages": [{"role": "system", "content": "only"}]}, "only system"),
    ],
)
def test_what_has_no_counterpart_is_a_400_naming_it(extra: dict[str, object], named: str) -> None:
    payload = {"model": "m", "messages": [{"role": "user", "content": "x"}], **extra}
    with pytest.raises(Untranslatable) as refused:
        T.request(payload, CALL)
    assert refused.value.status == 400 and named in refused.value.message


def test_answer_and_error_come_back_in_openai_shapes() -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "model": "claude-x",
        "content": [
            {"type": "text", "text": "a"},
            {"type": "tool_use", "id": "t1", "name": "f", "input": {"k": "v"}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 4, "output_tokens": 2, "cache_read_input_tokens": 6},
    }
    out = orjson.loads(T.response(orjson.dumps(message), CALL))
    assert out["object"] == "chat.completion" and out["id"] == "msg_1"
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "a"
    assert choice["message"]["tool_calls"] == [
        {"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"k":"v"}'}}
    ]
    assert out["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 6},
    }
    error = orjson.loads(
        T.error(529, b'{"type":"error","error":{"type":"overloaded_error","message":"busy"}}')
    )
    assert error == {"error": {"type": "overloaded_error", "message": "busy", "code": 529}}
    assert orjson.loads(T.error(502, b"<html>"))["error"]["message"] == "<html>"


def _events(*events: tuple[str, dict[str, object]]) -> bytes:
    return b"".join(
        b"event: " + n.encode() + b"\r\ndata: " + orjson.dumps(e) + b"\r\n\r\n" for n, e in events
    )


STREAM = _events(
    ("message_start", {"type": "message_start", "message": {"id": "msg_s", "model": "claude-x",
        "usage": {"input_tokens": 5, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
        "content_block": {"type": "text", "text": ""}}),
    ("ping", {"type": "ping"}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": "Hel"}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": "lo"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("content_block_start", {"type": "content_block_start", "index": 1,
        "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"a"'}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": ": 1}"}}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"},
        "usage": {"output_tokens": 7}}),
    ("message_stop", {"type": "message_stop"}),
)  # fmt: skip


@pytest.mark.parametrize("size", [1, 7, 64, len(STREAM)])
def test_the_stream_becomes_chat_chunks_whatever_the_chunking(size: int) -> None:
    translator = T.stream(Call("claude-x", True, include_usage=True))
    out = b"".join(translator.feed(STREAM[i : i + size]) for i in range(0, len(STREAM), size))
    out += translator.end()
    assert out.endswith(b"data: [DONE]\n\n")
    chunks = [orjson.loads(line[6:]) for line in out.split(b"\n\n") if line.startswith(b"data: {")]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "msg_s" for c in chunks)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert "".join(d.get("content", "") for d in deltas) == "Hello"
    calls = [tc for d in deltas for tc in d.get("tool_calls", [])]
    assert calls[0] == {"index": 0, "id": "t1", "type": "function",
                        "function": {"name": "f", "arguments": ""}}  # fmt: skip
    assert "".join(c["function"]["arguments"] for c in calls) == '{"a": 1}'
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 12


def test_an_error_event_mid_stream_becomes_an_openai_error_then_done() -> None:
    translator = T.stream(Call("m", True, include_usage=False))
    out = translator.feed(
        _events(("error", {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}))
    )
    assert out == (
        b'data: {"error":{"type":"overloaded_error","message":"x","code":500}}\n\ndata: [DONE]\n\n'
    )
    assert translator.end() == b""
