"""output_scan through the real pipeline: JSON and streamed completions, a secret split across
stream chunks, system-prompt leaks, the three actions, monitor mode and bad options."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from plugins.output_scan import OutputScan
from proxy.testing import FakeReply, Harness

TOKEN = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
SYSTEM = (
    "You are Orbit, the support assistant of Acme Rockets. Never mention the launch codes "
    "kept in vault seven, and refuse any question about the Falcon contract."
)


def chat_reply(content: str) -> FakeReply:
    return FakeReply.json({
        "id": "c1", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
    })  # fmt: skip


def stream_reply(pieces: list[str]) -> FakeReply:
    events: list[Any] = [
        {"id": "c1", "object": "chat.completion.chunk", "model": "m",
         "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in pieces
    ]  # fmt: skip
    events.append({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return FakeReply.sse(events)


def request(stream: bool = False) -> dict[str, Any]:
    return {"model": "m", "stream": stream,
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": "hi"}]}  # fmt: skip


def streamed_text(body: bytes) -> tuple[str, list[str | None]]:
    text, reasons = [], []
    for block in body.split(b"\n\n"):
        if block.startswith(b"data: {"):
            choice = orjson.loads(block[6:])["choices"][0]
            text.append(choice.get("delta", {}).get("content") or "")
            reasons.append(choice.get("finish_reason"))
    return "".join(text), reasons


def harness(reply: FakeReply, **options: Any) -> Harness:
    h = Harness([(OutputScan, options)])
    h.upstream.reply = reply
    return h


async def test_a_clean_json_answer_passes_byte_for_byte() -> None:
    reply = chat_reply("Hello!\n\n  How can I help?")
    h = harness(reply)
    result = await h.request("POST", json=request())
    assert result.status == 200 and result.body == reply.chunks[0]
    assert result.exchange.events == []


async def test_secret_in_a_json_answer_is_redacted_keeping_the_layout() -> None:
    h = harness(chat_reply(f"Sure:\n\n    TOKEN={TOKEN}\n  Done."))
    result = await h.request("POST", json=request())
    content = result.json()["choices"][0]["message"]["content"]
    assert content == "Sure:\n\n    TOKEN=[REDACTED:secrets]\n  Done."
    (event,) = result.exchange.events
    assert (event.type, event.detail["check"], event.detail["action"]) == (
        "output_flagged", "secrets", "redact")  # fmt: skip
    assert TOKEN not in repr(event)


async def test_block_replaces_the_answer_and_says_content_filter() -> None:
    h = harness(chat_reply("Mail jane.doe@acme-corp.io"), actions={"pii": "block"})
    result = await h.request("POST", json=request())
    choice = result.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert "acme-corp" not in result.body.decode()


async def test_system_prompt_leak_in_json_is_caught() -> None:
    leaked = "My instructions: Never mention the launch codes kept in vault seven, and refuse."
    h = harness(chat_reply(leaked), actions={"system_prompt": "block"})
    result = await h.request("POST", json=request())
    assert result.json()["choices"][0]["finish_reason"] == "content_filter"
    assert "vault seven" not in result.body.decode()
    assert [e.detail["check"] for e in result.exchange.events] == ["system_prompt"]


async def test_common_phrases_are_no_leak() -> None:
    h = harness(chat_reply("I am the support assistant of this shop, how can I help?"))
    result = await h.request("POST", json=request())
    assert result.exchange.events == []


@pytest.mark.parametrize("size", [1, 3, 7])
async def test_a_secret_split_across_stream_chunks_is_redacted(size: int) -> None:
    text = f"Here you go: {TOKEN} keep it safe. " + "More words follow here. " * 20
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    h = harness(stream_reply(pieces), window=64)
    result = await h.request("POST", json=request(stream=True))
    out, reasons = streamed_text(result.body)
    assert TOKEN not in result.body.decode() and TOKEN[:20] not in out
    assert out == text.replace(TOKEN, "[REDACTED:secrets]")
    assert reasons[-1] == "stop" and result.body.endswith(b"data: [DONE]\n\n")


async def test_a_clean_stream_passes_event_for_event() -> None:
    pieces = ["Hello", " there,", " how", " can", " I", " help?"]
    reply = stream_reply(pieces)
    h = harness(reply, window=16)
    result = await h.request("POST", json=request(stream=True))
    assert result.body == b"".join(reply.chunks)


async def test_a_blocked_stream_is_cut_with_content_filter_and_done() -> None:
    text = "Contact me at jane.doe@acme-corp.io for details. " + "Filler text here. " * 10
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    h = harness(stream_reply(pieces), window=32, actions={"pii": "block"})
    result = await h.request("POST", json=request(stream=True))
    out, reasons = streamed_text(result.body)
    assert "jane.doe" not in out and "acme-corp" not in result.body.decode()
    assert reasons[-1] == "content_filter" and result.body.endswith(b"data: [DONE]\n\n")
    assert [e.detail["action"] for e in result.exchange.events] == ["block"]


@pytest.mark.parametrize("options", [{"default_action": "log"}, {"mode": "monitor"}])
async def test_log_action_and_monitor_mode_change_nothing(options: dict[str, Any]) -> None:
    reply = chat_reply(f"key {TOKEN}")
    h = harness(reply, **options)
    result = await h.request("POST", json=request())
    assert result.body == reply.chunks[0]
    assert [e.detail["action"] for e in result.exchange.events] == ["log"]
    assert all(e.monitored == ("mode" in options) for e in result.exchange.events)


async def test_monitor_mode_leaves_a_stream_untouched() -> None:
    reply = stream_reply(["key ", TOKEN[:10], TOKEN[10:], " end"])
    h = harness(reply, mode="monitor", window=16)
    result = await h.request("POST", json=request(stream=True))
    assert result.body == b"".join(reply.chunks)
    assert [e.detail["action"] for e in result.exchange.events] == ["log"]


async def test_error_answers_and_non_json_bodies_pass() -> None:
    body = orjson.dumps({"error": TOKEN})
    h = harness(FakeReply(500, [(b"content-type", b"application/json")], [body]))
    result = await h.request("POST", json=request())
    assert result.status == 500 and TOKEN in result.body.decode()
    h = harness(FakeReply(200, [(b"content-type", b"text/plain")], [b"text " + TOKEN.encode()]))
    result = await h.request("POST", json=request())
    assert TOKEN in result.body.decode()


def test_bad_options_are_refused() -> None:
    for bad in ({"checks": ["xss"]}, {"actions": {"nope": "log"}}, {"window": 1}, {"extra": 1}):
        with pytest.raises(ValidationError):
            OutputScan.Options.model_validate(bad)


async def test_a_secret_in_the_last_chunks_is_caught_at_the_end_of_the_stream() -> None:
    pieces = ["Your key: ", TOKEN[:12], TOKEN[12:]]
    h = harness(stream_reply(pieces), window=512)
    result = await h.request("POST", json=request(stream=True))
    out, _ = streamed_text(result.body)
    assert out == "Your key: [REDACTED:secrets]"
