"""cache plugin: keys, bypass rules, HTTP semantics, bounds, TTL and coalescing, through the
real pipeline (Harness) with a fake provider that counts its calls."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from plugins._cache.entry import sse_events
from plugins.cache import Cache
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeReply, FakeUpstream, Harness, Result, TestIdentity
from proxy.upstream.client import UpstreamRequest

# identity from X-User (key id "key-<user>"), as an auth plugin would set it
WHO = (TestIdentity, {"subject_header": "x-user", "key_id_from_subject": True})
CHAT = "/v1/chat/completions"


def chat(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": content}],
        "temperature": 0,
        **extra,
    }


class Counting:
    """A provider that numbers its answers, so a stored copy is told from a fresh one."""

    def __init__(
        self, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None, sse: bool = False
    ) -> None:
        self.calls = 0
        self.status = status
        self.headers = headers or []
        self.sse = sse

    def __call__(self, request: UpstreamRequest, body: bytes) -> FakeReply:
        self.calls += 1
        if self.sse:
            return FakeReply.sse(
                [{"choices": [{"delta": {"content": f"n{self.calls}-{i}"}}]} for i in range(3)]
            )
        reply = FakeReply.json({"answer": self.calls, "x": "é"}, self.status)
        reply.headers = [*reply.headers, (b"set-cookie", b"s=1"), *self.headers]
        return reply


def harness(
    options: dict[str, Any] | None = None, reply: Any = None, clock: Any = None
) -> tuple[Harness, Counting]:
    counting = reply if isinstance(reply, Counting) else Counting()
    services = Services(
        store=MemoryStore(), metrics=Metrics(), **({"clock": clock} if clock else {})
    )
    h = Harness([WHO, (Cache, options or {})], FakeUpstream(counting), services=services)
    return h, counting


async def post(
    h: Harness, body: dict[str, Any], user: str | None = "alice", path: str = CHAT, **headers: str
) -> Result:
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    if user:
        hdrs["x-user"] = user
    return await h.request("POST", path, json=body, headers=hdrs)


def metric(h: Harness, name: str, **labels: str) -> float:
    value = h.metrics.registry.get_sample_value(name, {"route": "route0", **labels})
    return value or 0.0


async def test_second_identical_request_is_a_byte_identical_hit() -> None:
    h, provider = harness()
    first = await post(h, chat())
    second = await post(h, chat())
    assert provider.calls == 1
    assert first.header("x-cache") == "MISS" and second.header("x-cache") == "HIT"
    assert second.body == first.body and second.status == 200
    assert second.header("age") == "0"
    assert second.header("x-request-id") != first.header("x-request-id")
    assert second.header("set-cookie") is None  # one caller's cookie is never replayed
    assert metric(h, "sluicegate_cache_lookups_total", result="hit") == 1
    assert metric(h, "sluicegate_cache_lookups_total", result="miss") == 1
    assert metric(h, "sluicegate_cache_bytes_saved_total") == len(first.body)


async def test_sse_hit_is_replayed_as_a_stream_byte_for_byte() -> None:
    h, provider = harness(reply=Counting(sse=True))
    first = await post(h, chat(stream=True))
    second = await post(h, chat(stream=True))
    assert provider.calls == 1
    assert second.header("x-cache") == "HIT"
    assert (second.header("content-type") or "").startswith("text/event-stream")
    assert second.body == first.body and b"n1-2" in second.body
    assert len(second.chunks) == len(sse_events(first.body)) == 4  # 3 deltas + [DONE]


async def test_stream_and_non_stream_requests_do_not_share_an_entry() -> None:
    h, provider = harness()
    await post(h, chat())
    await post(h, chat(stream=True))
    assert provider.calls == 2


async def test_sampling_requests_bypass_unless_the_client_opts_in() -> None:
    h, provider = harness()
    body = chat()
    del body["temperature"]
    for _ in range(2):
        result = await post(h, body)
        assert result.header("x-cache") == "BYPASS"
    assert provider.calls == 2
    warm = await post(h, chat(temperature=0.7), X_Cache_Allow="1")
    hit = await post(h, chat(temperature=0.7), X_Cache_Allow="1")
    assert (warm.header("x-cache"), hit.header("x-cache")) == ("MISS", "HIT")
    assert provider.calls == 3
    assert metric(h, "sluicegate_cache_bypasses_total", reason="nondeterministic") == 2


async def test_embeddings_are_cached_without_a_temperature() -> None:
    h, provider = harness()
    body = {"model": "e", "input": "text"}
    await post(h, body, path="/v1/embeddings")
    hit = await post(h, body, path="/v1/embeddings")
    assert hit.header("x-cache") == "HIT" and provider.calls == 1


async def test_deterministic_only_false_caches_sampling_requests() -> None:
    h, provider = harness({"deterministic_only": False})
    await post(h, chat(temperature=1))
    assert (await post(h, chat(temperature=1))).header("x-cache") == "HIT"
    assert provider.calls == 1


async def test_client_no_store_neither_reads_nor_writes() -> None:
    h, provider = harness()
    await post(h, chat(), Cache_Control="no-store")
    after = await post(h, chat())
    assert after.header("x-cache") == "MISS"  # the no-store response was not kept
    skipped = await post(h, chat(), Cache_Control="no-store")
    assert skipped.header("x-cache") == "BYPASS" and skipped.json()["answer"] == 3
    assert provider.calls == 3


async def test_client_no_cache_skips_the_copy_but_refreshes_it() -> None:
    h, provider = harness()
    await post(h, chat())
    refreshed = await post(h, chat(), Cache_Control="no-cache")
    assert refreshed.header("x-cache") == "BYPASS" and refreshed.json()["answer"] == 2
    hit = await post(h, chat())
    assert hit.header("x-cache") == "HIT" and hit.json()["answer"] == 2
    assert provider.calls == 2


@pytest.mark.parametrize("status", [400, 404, 500, 503])
async def test_errors_are_never_cached(status: int) -> None:
    h, provider = harness(reply=Counting(status=status))
    for _ in range(3):
        result = await post(h, chat())
        assert result.status == status and result.header("x-cache") == "MISS"
    assert provider.calls == 3


async def test_provider_no_store_is_respected() -> None:
    h, provider = harness(reply=Counting(headers=[(b"cache-control", b"no-store")]))
    await post(h, chat())
    await post(h, chat())
    assert provider.calls == 2
    assert metric(h, "sluicegate_cache_stores_total", outcome="not_cacheable") == 2


async def test_cache_is_per_identity_by_default_and_anonymous_bypasses() -> None:
    h, provider = harness()
    await post(h, chat(), user="alice")
    bob = await post(h, chat(), user="bob")
    assert bob.header("x-cache") == "MISS"
    anon = await post(h, chat(), user=None)
    assert anon.header("x-cache") == "BYPASS"
    assert provider.calls == 3
    assert metric(h, "sluicegate_cache_bypasses_total", reason="anonymous") == 1


async def test_shared_cache_serves_every_caller() -> None:
    h, provider = harness({"shared": True})
    await post(h, chat(), user="alice")
    assert (await post(h, chat(), user="bob")).header("x-cache") == "HIT"
    assert (await post(h, chat(), user=None)).header("x-cache") == "HIT"
    assert provider.calls == 1


async def test_key_ignores_field_order_and_user_but_not_output_parameters() -> None:
    h, provider = harness()
    await post(
        h,
        {
            "temperature": 0,
            "messages": [{"content": "hi", "role": "user"}],
            "model": "m",
            "user": "u1",
        },
    )
    assert (await post(h, chat(user="u2"))).header("x-cache") == "HIT"
    assert (await post(h, chat(seed=7))).header("x-cache") == "MISS"
    assert (await post(h, chat(model="other"))).header("x-cache") == "MISS"
    assert (await post(h, chat("bye"))).header("x-cache") == "MISS"
    assert provider.calls == 4


async def test_key_fields_limit_what_counts() -> None:
    h, provider = harness({"key_fields": ["model", "messages"]})
    await post(h, chat(seed=1))
    assert (await post(h, chat(seed=2))).header("x-cache") == "HIT"
    assert provider.calls == 1


async def test_ttl_expiry_and_age_on_an_injected_clock() -> None:
    now = [1000.0]
    h, provider = harness({"ttl": "60s"}, clock=lambda: now[0])
    await post(h, chat())
    now[0] += 59
    hit = await post(h, chat())
    assert hit.header("x-cache") == "HIT" and hit.header("age") == "59"
    now[0] += 2
    assert (await post(h, chat())).header("x-cache") == "MISS"
    assert provider.calls == 2


async def test_memory_backend_is_byte_bounded_lru() -> None:
    h, provider = harness({"max_bytes": 1000, "max_entry_bytes": 500})  # ~360 B an entry
    for word in ("a", "b", "c", "d"):
        await post(h, chat(word))
    plugin = h.chain.plugins[1]
    assert isinstance(plugin, Cache)
    info = plugin.describe()
    assert info["bytes"] <= 1000 and (info["entries"], info["evictions"]) == (2, 2)
    assert (await post(h, chat("c"))).header("x-cache") == "HIT"
    assert (await post(h, chat("a"))).header("x-cache") == "MISS"  # the oldest went first
    assert provider.calls == 5


async def test_responses_over_max_entry_bytes_are_not_stored() -> None:
    big = FakeReply.json({"blob": "x" * 5000})
    h = Harness([WHO, (Cache, {"max_entry_bytes": 4000})], FakeUpstream(big))
    await post(h, chat())
    assert (await post(h, chat())).header("x-cache") == "MISS"
    assert len(h.upstream.requests) == 2
    assert metric(h, "sluicegate_cache_stores_total", outcome="too_large") == 2


async def test_fifty_concurrent_identical_misses_make_one_upstream_call() -> None:
    gate = asyncio.Event()
    calls = 0

    async def slow(request: UpstreamRequest, body: bytes) -> FakeReply:
        nonlocal calls
        calls += 1
        await gate.wait()
        return FakeReply.json({"answer": calls})

    h = Harness([WHO, (Cache, {})], FakeUpstream(slow))
    tasks = [asyncio.create_task(post(h, chat())) for _ in range(50)]
    while calls == 0:
        await asyncio.sleep(0)
    for _ in range(20):  # let every follower reach its wait before the leader answers
        await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert calls == 1
    assert {r.body for r in results} == {results[0].body}
    assert sorted(r.header("x-cache") or "" for r in results) == ["HIT"] * 49 + ["MISS"]


async def test_followers_go_upstream_themselves_when_the_leader_fails() -> None:
    gate = asyncio.Event()
    calls = 0

    async def first_fails(request: UpstreamRequest, body: bytes) -> FakeReply:
        nonlocal calls
        calls += 1
        if calls == 1:
            await gate.wait()
            return FakeReply.json({"error": "boom"}, 500)
        return FakeReply.json({"answer": calls})

    h = Harness([WHO, (Cache, {})], FakeUpstream(first_fails))
    tasks = [asyncio.create_task(post(h, chat())) for _ in range(5)]
    while calls == 0:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    gate.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert sorted(r.status for r in results) == [200, 200, 200, 200, 500]
    assert calls == 2  # one follower led the second round; the other three got its copy
    assert sorted(r.header("x-cache") or "" for r in results) == ["HIT"] * 3 + ["MISS"] * 2


async def test_a_provider_that_keeps_failing_does_not_queue_followers_forever() -> None:
    gate = asyncio.Event()
    calls = 0

    async def failing(request: UpstreamRequest, body: bytes) -> FakeReply:
        nonlocal calls
        calls += 1
        await gate.wait()
        return FakeReply.json({"error": "bad"}, 400)

    h = Harness([WHO, (Cache, {})], FakeUpstream(failing))
    tasks = [asyncio.create_task(post(h, chat())) for _ in range(6)]
    while calls == 0:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    assert calls == 1  # the followers wait for the leader
    gate.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert [r.status for r in results] == [400] * 6
    assert calls == 6  # leader, second-round leader, then the other four on their own
