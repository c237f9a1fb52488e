"""UsageMeter on the APIs beyond chat: Anthropic's split usage (message_start + cumulative
message_delta, cache tokens), the Responses API's response.completed, audio seconds, images
and speech priced per unit — and hostile counts that must not poison any of it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from proxy.testing import make_exchange
from proxy.usage import UsageMeter, read_tokens


def named(name: str, payload: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: ".encode() + orjson.dumps(payload) + b"\n\n"


ANTHROPIC = named(
    "message_start",
    {"type": "message_start", "message": {"model": "claude-x", "usage": {
        "input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 30,
        "cache_creation_input_tokens": 5}}},
) + named(
    "content_block_delta",
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
) + named(
    "message_delta",
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
     "usage": {"output_tokens": 42, "input_tokens": None}},
)  # fmt: skip
RESPONSES = named(
    "response.created", {"type": "response.created", "response": {"model": "o-x", "usage": None}}
) + named(
    "response.completed",
    {"type": "response.completed", "response": {"model": "o-x", "usage": {
        "input_tokens": 9, "output_tokens": 4, "input_tokens_details": {"cached_tokens": 2}}}},
)  # fmt: skip


@pytest.mark.parametrize("size", [1, 9, 100_000])
@pytest.mark.parametrize(
    ("stream", "expected"),
    [(ANTHROPIC, (45, 42, 30, 5, "claude-x")), (RESPONSES, (9, 4, 2, 0, "o-x"))],
)
def test_streams_of_messages_and_responses_are_metered(
    stream: bytes, expected: tuple[int, int, int, int, str], size: int
) -> None:
    ex = make_exchange(json={"model": "alias"})
    meter = UsageMeter(ex, True, False)
    passed = b"".join(meter.feed(stream[i : i + size]) for i in range(0, len(stream), size))
    meter.finish()
    assert passed == stream  # nothing stripped on these APIs
    usage = ex.usage
    got = (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens)
    assert (*got, usage.cache_write_tokens, usage.response_model) == expected
    assert usage.reported


@pytest.mark.parametrize(
    ("usage", "tokens"),
    [
        ({"prompt_tokens": 7, "completion_tokens": 3,
          "prompt_tokens_details": {"cached_tokens": 4}}, (7, 3, 4, 0)),
        ({"input_tokens": 5, "output_tokens": 2}, (5, 2, 0, 0)),
        ({"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": 8}, (13, 2, 8, 0)),
        ({"input_tokens": "5", "output_tokens": -2, "cache_read_input_tokens": True}, (0, 0, 0, 0)),
        ({"input_tokens": 1e300, "output_tokens": float("nan")}, (10**12, 0, 0, 0)),
    ],
)  # fmt: skip
def test_read_tokens_counts_every_prompt_token_and_refuses_junk(
    usage: dict[str, Any], tokens: tuple[int, int, int, int]
) -> None:
    assert read_tokens(usage) == tokens


def test_audio_seconds_images_and_speech_characters_are_units() -> None:
    ex = make_exchange(json={"model": "stt"})
    meter = UsageMeter(ex, False, False)
    meter.feed(orjson.dumps({"text": "x", "usage": {"type": "duration", "seconds": 3}}))
    meter.finish()
    assert (ex.usage.units, ex.usage.unit, ex.usage.reported) == (3.0, "seconds", True)

    ex = make_exchange(json={"model": "img"})
    meter = UsageMeter(ex, False, False, units=(0.0, "images"))
    meter.feed(orjson.dumps({"data": [{"url": "a"}, {"url": "b"}, {"url": "c"}]}))
    meter.finish()
    assert (ex.usage.units, ex.usage.unit, ex.usage.input_tokens) == (3.0, "images", 0)

    ex = make_exchange(json={"model": "tts"})
    meter = UsageMeter(ex, False, False, binary=True, units=(11.0, "characters"))
    assert meter.feed(b"\xff\xfb audio") == b"\xff\xfb audio"
    meter.finish()
    assert (ex.usage.units, ex.usage.unit) == (11.0, "characters")
