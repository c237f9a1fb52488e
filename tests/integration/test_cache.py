"""The cache over real sockets: coalescing a burst into one provider call, byte-identical JSON
and SSE hits, and one redis-backed cache shared by two gateway instances."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.fixtures.redis import RedisServer
from tests.fixtures.upstreams import FakeProvider

CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}


def config(provider: FakeProvider, state: str = "") -> str:
    return f"""
{state}

[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "test"

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "cached"
upstream = "chat"
"""


POLICY = """
[[plugins]]
use = "request_id"

[[plugins]]
use = "cache"
shared = true
ttl = "2m"
"""


def chats(provider: FakeProvider) -> int:
    return sum(1 for r in provider.requests if r.path.endswith("/chat/completions"))


async def post(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{url}/v1/chat/completions", json=body)


async def test_fifty_concurrent_identical_streams_make_one_provider_call(
    gateway_factory, fake_provider
):
    fake_provider.gate = asyncio.Event()  # holds the first stream after its first event
    gw = await gateway_factory(config(fake_provider), {"cached": POLICY})
    body = {**CHAT, "stream": True}
    async with httpx.AsyncClient(timeout=30) as client:
        tasks = [asyncio.create_task(post(client, gw.url, body)) for _ in range(50)]
        for _ in range(500):
            if fake_provider.requests:
                break
            await asyncio.sleep(0.01)
        assert chats(fake_provider) == 1
        fake_provider.gate.set()
        responses = await asyncio.gather(*tasks)
    assert chats(fake_provider) == 1
    assert all(r.status_code == 200 for r in responses)
    bodies = {r.content for r in responses}
    assert len(bodies) == 1 and b"tok4" in next(iter(bodies))
    assert sorted(r.headers["x-cache"] for r in responses) == ["HIT"] * 49 + ["MISS"]
    assert all(r.headers["content-type"].startswith("text/event-stream") for r in responses)


async def test_json_hit_is_byte_identical_with_age_and_its_own_request_id(
    gateway_factory, fake_provider
):
    gw = await gateway_factory(config(fake_provider), {"cached": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        first = await post(client, gw.url, CHAT)
        second = await post(client, gw.url, CHAT)
        sampled = await post(client, gw.url, {**CHAT, "temperature": 0.8})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.content == first.content  # "created" included: a copy, not a new answer
    assert second.headers["age"].isdigit()
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert sampled.headers["x-cache"] == "BYPASS"
    assert chats(fake_provider) == 2


async def test_two_instances_share_one_redis_cache(
    gateway_factory, fake_provider, redis_url: str, redis_server: RedisServer
):
    state = f'[state]\nbackend = "redis"\nurl = "{redis_url}"\n'
    gw1 = await gateway_factory(config(fake_provider, state), {"cached": POLICY})
    gw2 = await gateway_factory(config(fake_provider, state), {"cached": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        first = await post(client, gw1.url, CHAT)
        second = await post(client, gw2.url, CHAT)
        stream1 = await post(client, gw2.url, {**CHAT, "stream": True})
        stream2 = await post(client, gw1.url, {**CHAT, "stream": True})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.content == first.content
    assert (stream1.headers["x-cache"], stream2.headers["x-cache"]) == ("MISS", "HIT")
    assert stream2.content == stream1.content
    assert chats(fake_provider) == 2
    redis = redis_server.client()
    try:
        keys = [k for k in redis.keys("*") if b"{cache:" in k and b":v:" not in k]
        assert len(keys) == 2
        for key in keys:  # the TTL is redis's: 2 minutes at most, and set
            assert 0 < redis.pttl(key) <= 120_000
    finally:
        redis.close()


async def test_provider_errors_are_not_cached_over_the_wire(gateway_factory, fake_provider):
    gw = await gateway_factory(config(fake_provider), {"cached": POLICY})
    fake_provider.mode = "500"
    async with httpx.AsyncClient(timeout=10) as client:
        failed = await post(client, gw.url, CHAT)
        fake_provider.mode = "ok"
        healthy = await post(client, gw.url, CHAT)
        again = await post(client, gw.url, CHAT)
    assert failed.status_code >= 500 and failed.headers["x-cache"] == "MISS"
    assert (healthy.status_code, healthy.headers["x-cache"]) == (200, "MISS")
    assert again.headers["x-cache"] == "HIT"


async def test_the_memory_cache_survives_a_reload_until_its_options_change(
    gateway_factory, fake_provider
):
    gw = await gateway_factory(config(fake_provider), {"cached": POLICY})
    async with httpx.AsyncClient(timeout=10) as client:
        first = await post(client, gw.url, CHAT)
        ok, message = await gw.reload()  # same files: a new runtime, new plugin instances
        assert ok, message
        again = await post(client, gw.url, CHAT)
        policy_file = gw.config_path.parent / "policies" / "cached.toml"
        policy_file.write_text(POLICY.replace('ttl = "2m"', 'ttl = "3m"'))
        ok, message = await gw.reload()
        assert ok, message
        edited = await post(client, gw.url, CHAT)
    assert [r.headers["x-cache"] for r in (first, again, edited)] == ["MISS", "HIT", "MISS"]
    assert again.content == first.content
    assert chats(fake_provider) == 2  # one call before the edit, one after
