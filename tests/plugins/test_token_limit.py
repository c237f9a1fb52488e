"""token_limit: reserve an estimate before forwarding, settle the provider's usage after."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.responses import Response

from plugins._estimates import estimate_input_tokens
from plugins._limits import window_slot
from plugins.token_limit import TokenLimit
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, FakeReply, FakeUpstream, Harness, TestIdentity
from proxy.upstream.client import UpstreamRequest

T0 = 60_000.0 + 30  # half-way through a UTC minute


def chat(max_tokens: int = 50, stream: bool = False) -> dict[str, Any]:
    # 2 chars of text + 8 of framing -> 3 input tokens; +max_tokens -> the estimate
    body: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": max_tokens,
    }
    if stream:
        body["stream"] = True
    return body


def make(
    upstream: FakeUpstream | None = None,
    clock: FakeClock | None = None,
    tail: list[Any] | None = None,
    **options: Any,
) -> tuple[Harness, MemoryStore, FakeClock]:
    clock = clock or FakeClock(T0)
    store = MemoryStore(clock=clock)
    services = Services(store=store, metrics=Metrics(), clock=clock)
    plugins: list[Any] = [(TestIdentity, {}), (TokenLimit, options), *(tail or [])]
    return Harness(plugins, upstream, services=services), store, clock


async def used(store: MemoryStore, clock: FakeClock, who: str, window: Any = "minute") -> float:
    suffix, _ = window_slot(window, clock.now)
    return await store.adjust(f"token_limit:token_limit:{suffix}:identity.subject={who}", 0, 60)


ALICE = {"x-sub": "alice"}


async def test_reserves_before_forwarding_and_settles_real_usage() -> None:
    h, store, clock = make(per_minute=100)  # FakeUpstream reports 5 + 1 = 6 tokens
    statuses = [(await h.request("POST", json=chat(), headers=ALICE)).status for _ in range(9)]
    # each admitted request needs 53 reserved; real use is 6: admitted while used <= 47
    assert statuses == [200] * 8 + [429]
    assert len(h.upstream.requests) == 8
    assert await used(store, clock, "alice") == 48
    refused = await h.request("POST", json=chat(), headers=ALICE)
    assert refused.json()["error"]["type"] == "token_limit_exceeded"
    assert refused.header("retry-after") == "30"  # the minute ends in 30 s
    assert [e.type for e in refused.exchange.events] == ["token_limited"]
    clock.now += 30  # a new minute: a fresh counter
    assert (await h.request("POST", json=chat(), headers=ALICE)).status == 200


async def test_concurrent_requests_never_overshoot_the_reservation() -> None:
    gate = asyncio.Event()
    arrived = 0

    async def hold(request: UpstreamRequest, body: bytes) -> FakeReply:
        nonlocal arrived
        arrived += 1
        await gate.wait()
        return FakeReply.json({"usage": {"prompt_tokens": 3, "completion_tokens": 50}})

    h, store, clock = make(FakeUpstream(hold), per_minute=530)
    tasks = [asyncio.create_task(h.request("POST", json=chat(), headers=ALICE)) for _ in range(50)]
    for _ in range(10_000):  # until every request is either at the upstream or answered
        if arrived + sum(t.done() for t in tasks) == 50:
            break
        await asyncio.sleep(0)
    gate.set()
    statuses = [r.status for r in await asyncio.gather(*tasks)]
    assert statuses.count(200) == 10  # 10 x 53 = 530 exactly
    assert statuses.count(429) == 40
    assert await used(store, clock, "alice") == 530


async def test_streaming_usage_is_settled_from_the_final_chunk() -> None:
    events = [
        {"choices": [{"index": 0, "delta": {"content": "a"}}]},
        {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 11}},
    ]
    h, store, clock = make(FakeUpstream(FakeReply.sse(events)), per_minute=1000)
    result = await h.request("POST", json=chat(stream=True), headers=ALICE)
    assert result.status == 200
    assert h.upstream.requests[0].json()["stream_options"] == {"include_usage": True}
    assert b'"usage"' not in result.body  # the core strips the chunk the client did not ask for
    assert await used(store, clock, "alice") == 18


async def test_failed_upstream_gives_the_reservation_back() -> None:
    reply = FakeReply.json({"error": {"message": "boom"}}, status=500)
    h, store, clock = make(FakeUpstream(reply), per_minute=100)
    assert (await h.request("POST", json=chat(), headers=ALICE)).status == 500
    assert await used(store, clock, "alice") == 0


async def test_success_without_usage_keeps_the_estimate() -> None:
    h, store, clock = make(FakeUpstream(FakeReply.json({"ok": True})), per_minute=100)
    assert (await h.request("POST", json=chat(), headers=ALICE)).status == 200
    assert await used(store, clock, "alice") == 53


async def test_second_window_refusal_rolls_back_the_first() -> None:
    h, store, clock = make(per_minute=1000, per_day=60)
    assert (await h.request("POST", json=chat(), headers=ALICE)).status == 200  # day: 6
    refused = await h.request("POST", json=chat(), headers=ALICE)  # 6 + 53 <= 60 fits
    assert refused.status == 200
    third = await h.request("POST", json=chat(), headers=ALICE)
    assert third.status == 429
    assert "this day" in third.json()["error"]["message"]
    assert await used(store, clock, "alice", "minute") == 12  # the minute hold was returned
    assert await used(store, clock, "alice", "day") == 12


async def test_tiers_and_anonymous_fallback() -> None:
    h, store, clock = make(per_minute=60, tiers={"pro": {"per_minute": 10_000}})
    pro = {"x-sub": "p", "x-tier": "pro"}
    assert (await h.request("POST", json=chat(5000), headers=pro)).status == 200
    assert (await h.request("POST", json=chat(5000), headers={"x-sub": "f"})).status == 429
    # anonymous callers are counted per address
    assert (await h.request("POST", json=chat(), client_ip="10.1.1.1")).status == 200
    suffix, _ = window_slot("minute", clock.now)
    assert await store.adjust(f"token_limit:token_limit:{suffix}:ip=10.1.1.1", 0, 60) == 6


async def test_a_request_later_refused_by_another_plugin_is_refunded() -> None:
    class Refuser(Plugin):
        name = "refuser"
        Options = PluginOptions

        async def on_request(self, ex: Exchange) -> Response | None:
            from proxy.errors import PolicyError

            raise PolicyError(403, "forbidden", "no")

    h, store, clock = make(per_minute=100, tail=[(Refuser, {})])
    assert (await h.request("POST", json=chat(), headers=ALICE)).status == 403
    assert await used(store, clock, "alice") == 0


def test_estimates_cover_chat_completions_embeddings_and_raw_bodies() -> None:
    parts = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "x" * 40}, {"type": "image_url"}]}
        ]
    }
    assert estimate_input_tokens(parts, 0) == 12  # (40 + 8) / 4
    assert estimate_input_tokens({"input": ["abcd", "efgh"]}, 0) == 2
    assert estimate_input_tokens({"prompt": [[1, 2, 3]]}, 0) == 3
    assert estimate_input_tokens(None, 401) == 101


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs per_minute"),
        ({"per_minute": 0}, "greater than 0"),
        ({"per_day": 5, "key": "who"}, "unknown key source"),
        ({"per_day": 5, "tiers": {"x": {"per_week": 1}}}, "Extra inputs"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TokenLimit.Options.model_validate(options)
