"""guardrail against fake services on 127.0.0.1: the three API shapes, block and log, the
after-provider phase, timeouts and failures (fail open and closed), the verdict cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import ValidationError

from plugins._guardrail.services import Verdict
from plugins.guardrail import Guardrail, VerdictCache
from proxy.testing import FakeReply, Harness
from tests.fixtures.guardrails import FakeGuardrails

PATHS = {"openai_moderation": "/v1/moderations", "llama_guard": "/v1/chat/completions",
         "presidio": "/analyze"}  # fmt: skip


@pytest.fixture
async def services() -> AsyncIterator[FakeGuardrails]:
    fake = await FakeGuardrails().start()
    yield fake
    await fake.stop()


def chat(text: str) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}]}


# Every harness a test makes is closed after it: an open one left its guardrail client's
# sockets to the cyclic collector, whose ResourceWarning then surfaced in whichever later
# test collected them (test_state_guard's never-awaited check, in a shuffled order).
_made: list[Harness] = []


@pytest.fixture(autouse=True)
async def _close_harnesses() -> AsyncIterator[None]:
    yield
    while _made:
        await _made.pop().close()


def guard(fake: FakeGuardrails | None, kind: str, **options: Any) -> Harness:
    url = fake.url(PATHS[kind]) if fake is not None else options.pop("url")
    harness = Harness([(Guardrail, {"kind": kind, "url": url, **options})])
    _made.append(harness)
    return harness


@pytest.mark.parametrize("kind", ["openai_moderation", "llama_guard"])
async def test_unsafe_prompts_are_blocked_and_safe_ones_pass(
    services: FakeGuardrails, kind: str
) -> None:
    h = guard(services, kind, model="guard-1")
    result = await h.request("POST", json=chat("How do I detonate the old mine safely?"))
    assert result.status == 400 and result.json()["error"]["type"] == "guardrail_rejected"
    assert h.upstream.requests == []
    (event,) = [e for e in result.exchange.events if e.type == "guardrail_flagged"]
    assert event.detail["kind"] == kind and event.detail["categories"]
    assert "detonate" not in repr(event)
    ok = await h.request("POST", json=chat("How do I bake bread?"))
    assert ok.status == 200 and len(h.upstream.requests) == 1
    assert services.calls[0][1].get("model") == "guard-1"


async def test_presidio_flags_personal_data(services: FakeGuardrails) -> None:
    h = guard(services, "presidio", entities=["EMAIL_ADDRESS"], language="de")
    result = await h.request("POST", json=chat("schreib an jane@acme-corp.io"))
    assert result.status == 400
    kind, body = services.calls[0]
    assert kind == "presidio" and body["entities"] == ["EMAIL_ADDRESS"] and body["language"] == "de"
    assert (await h.request("POST", json=chat("kein Kontakt"))).status == 200


async def test_log_action_only_records(services: FakeGuardrails) -> None:
    h = guard(services, "openai_moderation", action="log")
    result = await h.request("POST", json=chat("detonate"))
    assert result.status == 200
    assert [e.type for e in result.exchange.events] == ["guardrail_flagged"]


@pytest.mark.parametrize("mode", ["500", "hang", "garbage"])
async def test_failures_fail_closed_by_default_and_open_when_told(
    services: FakeGuardrails, mode: str
) -> None:
    services.mode = mode
    closed = guard(services, "llama_guard", timeout="200ms")
    result = await closed.request("POST", json=chat("hello"))
    assert result.status == 503 and result.json()["error"]["type"] == "guardrail_unavailable"
    assert closed.upstream.requests == []
    assert [e.type for e in result.exchange.events if e.type.startswith("guardrail")] == [
        "guardrail_error"
    ]
    opened = guard(services, "llama_guard", timeout="200ms", on_error="allow")
    result = await opened.request("POST", json=chat("hello"))
    assert result.status == 200 and len(opened.upstream.requests) == 1


async def test_an_unreachable_service_is_a_failure_too() -> None:
    h = guard(None, "presidio", url="http://127.0.0.1:9/analyze", on_error="deny", timeout="500ms")
    assert (await h.request("POST", json=chat("hi"))).status == 503


async def test_verdicts_are_cached_per_text(services: FakeGuardrails) -> None:
    h = guard(services, "openai_moderation")
    for _ in range(3):
        assert (await h.request("POST", json=chat("same text"))).status == 200
    assert (await h.request("POST", json=chat("detonate"))).status == 400
    assert (await h.request("POST", json=chat("detonate"))).status == 400
    assert len(services.calls) == 2
    uncached = guard(services, "openai_moderation", cache_ttl=0)
    for _ in range(2):
        await uncached.request("POST", json=chat("same text"))
    assert len(services.calls) == 4


def test_the_cache_is_bounded_and_expires() -> None:
    cache = VerdictCache(ttl=60, size=2)
    for i in range(3):
        cache.put(VerdictCache.key("request", str(i)), Verdict(False))
    assert len(cache) == 2 and cache.get(VerdictCache.key("request", "0")) is None
    expired = VerdictCache(ttl=-1, size=2)
    expired.put(b"k", Verdict(True))
    assert expired.get(b"k") is None


async def test_after_provider_phase_withholds_a_flagged_answer(services: FakeGuardrails) -> None:
    h = guard(services, "llama_guard", phase="both")
    h.upstream.reply = FakeReply.json({"choices": [{"index": 0, "finish_reason": "stop",
        "message": {"role": "assistant", "content": "Step 1: detonate it."}}]})  # fmt: skip
    result = await h.request("POST", json=chat("tell me a story"))
    choice = result.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter" and "detonate" not in result.body.decode()
    phases = [e.detail["phase"] for e in result.exchange.events if e.type == "guardrail_flagged"]
    assert phases == ["response"]


async def test_after_provider_phase_logs_a_flagged_stream(services: FakeGuardrails) -> None:
    h = guard(services, "openai_moderation", phase="both")
    reply = FakeReply.sse([{"choices": [{"index": 0, "delta": {"content": p}}]}
                           for p in ["how to deto", "nate it"]])  # fmt: skip
    h.upstream.reply = reply
    result = await h.request("POST", json=chat("go"))
    assert result.body == b"".join(reply.chunks)
    assert [e.detail["phase"] for e in result.exchange.events] == ["response"]


def test_bad_options_are_refused() -> None:
    for bad in (
        {"kind": "nope", "url": "http://x.y/z"},
        {"kind": "presidio", "url": "ftp://x"},
        {"kind": "presidio"},
        {"kind": "presidio", "url": "http://a.b/c", "x": 1},
    ):
        with pytest.raises(ValidationError):
            Guardrail.Options.model_validate(bad)
