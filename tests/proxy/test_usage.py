"""UsageMeter: the provider's ``model`` (``ex.usage.response_model``) next to its token counts,
from JSON bodies and SSE streams, split at awkward places, with and without the usage event
stripped; and text inside the completion can never pose as the model."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from proxy.exchange import Exchange
from proxy.testing import make_exchange
from proxy.usage import UsageMeter

USAGE = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def reply(model: Any = "gpt-4o-2024-08-06", **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
        "usage": USAGE,
        **extra,
    }
    if model is not None:
        payload["model"] = model
    return payload


def event(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def chunk_event(content: str, model: str | None = "gpt-4o-2024-08-06") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": content}}],
    }
    if model is not None:
        payload["model"] = model
    return payload


def usage_event(model: str | None = "gpt-4o-2024-08-06") -> dict[str, Any]:
    payload: dict[str, Any] = {"object": "chat.completion.chunk", "choices": [], "usage": USAGE}
    if model is not None:
        payload["model"] = model
    return payload


def meter_over(
    chunks: list[bytes], *, streaming: bool, strip: bool = False
) -> tuple[Exchange, bytes]:
    ex = make_exchange(json={"model": "gpt-4o", "messages": []})
    meter = UsageMeter(ex, streaming, strip)
    passed = b"".join(meter.feed(chunk) for chunk in chunks) + meter.flush()
    meter.finish()
    return ex, passed


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 7, 10_000])
def test_json_body_gives_the_providers_model_and_tokens(size: int) -> None:
    ex, passed = meter_over(split_every(orjson.dumps(reply()), size), streaming=False)
    assert ex.usage.response_model == "gpt-4o-2024-08-06"
    assert (ex.usage.input_tokens, ex.usage.output_tokens, ex.usage.reported) == (7, 3, True)
    assert passed == orjson.dumps(reply())


@pytest.mark.parametrize("model", [None, 42, "", {"name": "x"}, "m" * 300])
def test_a_missing_or_malformed_model_is_not_recorded(model: Any) -> None:
    ex, _ = meter_over([orjson.dumps(reply(model))], streaming=False)
    assert ex.usage.response_model is None
    assert ex.usage.reported  # the tokens are still read


def test_model_without_usage_is_still_recorded() -> None:
    payload = reply()
    del payload["usage"]
    ex, _ = meter_over([orjson.dumps(payload)], streaming=False)
    assert ex.usage.response_model == "gpt-4o-2024-08-06"
    assert not ex.usage.reported


def test_garbage_body_records_nothing() -> None:
    ex, passed = meter_over([b'{"model": "half'], streaming=False)
    assert ex.usage.response_model is None and not ex.usage.reported
    assert passed == b'{"model": "half'


def test_a_body_too_large_to_parse_still_names_its_model() -> None:
    # Over the 4 MiB parse cap only the tail is kept (usage), so the model is read from the
    # head before it is dropped.
    filler = "x" * (5 * 1024 * 1024)
    payload = {
        "model": "big-model",
        "choices": [{"index": 0, "message": {"content": filler}}],
        "usage": USAGE,
    }
    ex, _ = meter_over(split_every(orjson.dumps(payload), 64 * 1024), streaming=False)
    assert ex.usage.response_model == "big-model"
    assert (ex.usage.input_tokens, ex.usage.output_tokens) == (7, 3)


@pytest.mark.parametrize("strip", [False, True])
@pytest.mark.parametrize("size", [3, 50, 100_000])
def test_stream_gives_the_model_of_its_events(strip: bool, size: int) -> None:
    stream = (
        event(chunk_event("Hel"))
        + event(chunk_event("lo"))
        + event(usage_event())
        + b"data: [DONE]\n\n"
    )
    ex, passed = meter_over(split_every(stream, size), streaming=True, strip=strip)
    assert ex.usage.response_model == "gpt-4o-2024-08-06"
    assert (ex.usage.input_tokens, ex.usage.output_tokens) == (7, 3)
    assert (b'"usage"' in passed) is not strip  # the injected usage event is removed


def test_stream_model_from_the_usage_event_when_the_chunks_name_none() -> None:
    stream = event(chunk_event("a", model=None)) + event(usage_event("late-model"))
    ex, _ = meter_over([stream], streaming=True, strip=True)
    assert ex.usage.response_model == "late-model"


def test_completion_text_cannot_pose_as_the_model() -> None:
    # The quotes of a "model" inside content are escaped in JSON, so neither the regex over
    # the stream nor the parser takes it.
    trick = 'sure: {"model": "evil-model"}'
    stream = event(chunk_event(trick, model=None)) + event(usage_event(None))
    ex, passed = meter_over(split_every(stream, 5), streaming=True)
    assert b"evil-model" in passed
    assert ex.usage.response_model is None
    payload = reply(model="real-model")
    payload["choices"][0]["message"]["content"] = trick
    ex, _ = meter_over([orjson.dumps(payload)], streaming=False)
    assert ex.usage.response_model == "real-model"
