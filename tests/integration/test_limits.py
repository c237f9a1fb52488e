"""Limits on real sockets and a real redis-server: exactness across instances, budgets with
pricing (streaming too), auto-bans shared by instances, and redis dying mid-test."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import Response

from plugins.rate_limit import RateLimit
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions
from proxy.state import StateUnavailable, create_store
from proxy.testing import Harness
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.redis import RedisServer
from tests.fixtures.upstreams import FakeProvider

Factory = Callable[..., Awaitable[RunningGateway]]
CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]}


def config(provider: FakeProvider, redis_url: str, on_error: str = "deny", server: str = "") -> str:
    """A gateway on the fake provider (priced: $0.001 per input, $0.002 per output token)."""
    return f"""
[server]
listen = ["@LISTEN@"]
admin_listen = "@ADMIN@"
{server}

[state]
backend = "redis"
url = "{redis_url}?socket_timeout=5&socket_connect_timeout=5"
on_error = "{on_error}"

[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "test"
pricing = {{ "fake-model" = {{ input = 1000.0, output = 2000.0 }} }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
retry = {{ attempts = 1 }}

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "limits"
upstream = "chat"
"""


async def post(gw: RunningGateway, json: Any = CHAT, **headers: str) -> httpx.Response:
    return await gw.client.post(f"{gw.url}/v1/chat/completions", json=json, headers=headers)


async def test_three_instances_on_one_redis_admit_exactly_the_allowance(
    redis_url: str,
) -> None:
    """300 concurrent requests for one key through three pipelines, three redis clients."""
    # a generous socket timeout: this test is about exactness, not a busy CI box's latency
    stores = [create_store("redis", redis_url, "deny", "exact:", timeout=5) for _ in range(3)]
    options = {"key": "header.x-user", "limit": "1/hour", "burst": 99}
    harnesses = [Harness([(RateLimit, options)], store=store) for store in stores]
    try:
        results = await asyncio.gather(
            *(
                harnesses[i % 3].request("POST", json=CHAT, headers={"x-user": "u1"})
                for i in range(300)
            )
        )
        statuses = [r.status for r in results]
        assert statuses.count(200) == 100
        assert statuses.count(429) == 200
        assert sum(len(h.upstream.requests) for h in harnesses) == 100
        refused = next(r for r in results if r.status == 429)
        assert refused.header("retry-after") == "3600"  # one 1/hour interval
        assert refused.header("ratelimit") == '"default";r=0;t=3600'
    finally:
        for store in stores:
            await store.close()


async def test_three_gateways_over_real_sockets_share_one_bucket(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
) -> None:
    policy = """
[[plugins]]
use = "rate_limit"
key = "header.x-user"
limit = "1/hour"
burst = 29
"""
    gws = [
        await gateway_factory(config(fake_provider, redis_url), {"limits": policy})
        for _ in range(3)
    ]
    results = await asyncio.gather(*(post(gws[i % 3], **{"x-user": "u2"}) for i in range(90)))
    statuses = [r.status_code for r in results]
    assert statuses.count(200) == 30
    assert statuses.count(429) == 60
    assert len(fake_provider.requests) == 30
    refused = next(r for r in results if r.status_code == 429)
    assert refused.json()["error"]["type"] == "rate_limited"
    assert refused.headers["ratelimit-policy"] == '"default";q=30;w=108000'
    assert refused.headers["retry-after"] == "3600"


async def test_budget_stops_a_key_at_its_limit_from_pricing_streaming_included(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
) -> None:
    # each call costs 10 x $0.001 + 5 x $0.002 = $0.02 by the provider's pricing; the tiny
    # estimate shows that admission follows the priced cost, not the estimate
    policy = """
[[plugins]]
use = "budget"
key = "header.x-user"
per_day = 0.09
estimate_cost_per_request = 0.001
"""
    gw = await gateway_factory(config(fake_provider, redis_url), {"limits": policy})
    statuses = []
    for i in range(6):
        body = {**CHAT, "stream": i % 2 == 1}
        response = await post(gw, body, **{"x-user": "spender"})
        await gw.settled()
        statuses.append(response.status_code)
        if body["stream"] and response.status_code == 200:
            assert "data: [DONE]" in response.text
            assert '"usage"' not in response.text  # the injected usage chunk was stripped
    assert statuses == [200, 200, 200, 200, 200, 402]
    refused = await post(gw, **{"x-user": "spender"})
    assert refused.status_code == 402
    assert refused.json()["error"]["type"] == "budget_exceeded"
    assert int(refused.headers["retry-after"]) > 0
    assert (await post(gw, **{"x-user": "someone-else"})).status_code == 200
    streamed = [r for r in fake_provider.requests if r.json().get("stream")]
    assert streamed and all(r.json()["stream_options"] == {"include_usage": True} for r in streamed)


class KeyGuesser(Plugin):
    """Stands in for api_key: a wrong X-Key is a 401 and an auth_failed event."""

    name = "key_guesser"
    Options = PluginOptions

    async def on_request(self, ex: Exchange) -> Response | None:
        if ex.request_headers.get("x-key") != "right":
            ex.record_event("auth_failed", self.name, "unknown key")
            raise PolicyError(401, "unauthorized", "invalid credentials")
        return None


async def test_a_brute_forcer_is_banned_on_every_instance_and_the_ban_expires(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
) -> None:
    policy = f"""
[[plugins]]
use = "ip_filter"
auto_ban = {{ after = 5, within = "1m", ban_for = "1s", on = ["auth_failed"] }}

[[plugins]]
use = "{__name__}:KeyGuesser"
"""
    server = 'trusted_proxies = ["127.0.0.1/32"]'
    conf = config(fake_provider, redis_url, server=server)
    gw1 = await gateway_factory(conf, {"limits": policy})
    gw2 = await gateway_factory(conf, {"limits": policy})
    attacker = {"x-forwarded-for": "203.0.113.66"}
    for _ in range(5):
        assert (await post(gw1, **attacker, **{"x-key": "guess"})).status_code == 401
    await gw1.settled()  # the ban is written by the complete phase, after the response
    good = {**attacker, "x-key": "right"}
    banned = await post(gw2, **good)
    assert banned.status_code == 403
    assert banned.json()["error"]["type"] == "ip_banned"
    assert (await post(gw1, **good)).status_code == 403
    neighbour = {"x-forwarded-for": "203.0.113.67", "x-key": "right"}
    assert (await post(gw2, **neighbour)).status_code == 200  # judged by its own address
    listed = (await gw2.client.get(f"{gw2.admin_url}/-/bans")).json()["bans"]
    assert [b["ip"] for b in listed] == ["203.0.113.66"]
    assert 0 < listed[0]["seconds_left"] <= 1
    back = await _until(lambda: post(gw1, **good), lambda r: r.status_code == 200)
    assert back.status_code == 200


async def test_admin_lift_applies_to_every_instance(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
) -> None:
    policy = f"""
[[plugins]]
use = "ip_filter"
auto_ban = {{ after = 2, within = "1m", ban_for = "1h", on = ["auth_failed"] }}

[[plugins]]
use = "{__name__}:KeyGuesser"
"""
    conf = config(fake_provider, redis_url)
    gw1 = await gateway_factory(conf, {"limits": policy})
    gw2 = await gateway_factory(conf, {"limits": policy})
    for _ in range(2):
        await post(gw1, **{"x-key": "guess"})
    await gw1.settled()
    assert (await post(gw2, **{"x-key": "right"})).status_code == 403
    lifted = await gw2.client.delete(f"{gw2.admin_url}/-/bans/127.0.0.1")
    assert lifted.json() == {"ip": "127.0.0.1", "lifted": True}
    assert (await post(gw1, **{"x-key": "right"})).status_code == 200


@pytest.mark.parametrize("on_error", ["allow", "deny"])
async def test_redis_killed_mid_test_then_limits_resume(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
    redis_server: RedisServer,
    on_error: str,
) -> None:
    policy = """
[[plugins]]
use = "rate_limit"
limit = "1/hour"
burst = 2
"""
    gw = await gateway_factory(config(fake_provider, redis_url, on_error), {"limits": policy})
    assert [(await post(gw)).status_code for _ in range(3)] == [200, 200, 200]
    redis_server.stop()
    try:
        during = [await post(gw) for _ in range(3)]
        if on_error == "allow":
            assert [r.status_code for r in during] == [200, 200, 200]  # unlimited, serving
        else:
            assert [r.status_code for r in during] == [503, 503, 503]
            assert during[0].json()["error"]["type"] == "state_unavailable"
            assert during[0].headers["retry-after"] == "1"
        metrics = (await gw.client.get(f"{gw.admin_url}/-/metrics")).text
        assert _metric(metrics, "sluicegate_state_backend_errors_total") >= 3
    finally:
        redis_server.start()
    await _healthy(gw)
    # the bucket died with redis: three fresh requests fit, the fourth is refused again
    assert [(await post(gw)).status_code for _ in range(4)] == [200, 200, 200, 429]


async def _healthy(gw: RunningGateway) -> None:
    """Until the store answers again (a successful ping also ends the on_error cooldown)."""
    for _ in range(200):
        try:
            await gw.gateway.runtime.store.ping()
            return
        except StateUnavailable:
            await asyncio.sleep(0.02)
    pytest.fail("redis did not come back")


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def _until(
    call: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
    attempts: int = 200,
) -> httpx.Response:
    """Repeat ``call`` until ``done`` (a condition, not a guess at timing); fail if never."""
    for _ in range(attempts):
        response = await call()
        if done(response):
            return response
        await asyncio.sleep(0.02)
    pytest.fail(f"condition never met; last status {response.status_code}: {response.text}")


async def test_per_key_limits_from_the_key_file_hold_across_two_gateways(
    gateway_factory: Factory, fake_provider: FakeProvider, redis_url: str, tmp_path: Path
) -> None:
    """A key's own ``rate`` replaces the policy's limit, exactly, on every instance."""
    roomy, plain = "sk-roomy-000000000000000001", "sk-plain-000000000000000002"
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps(
            [
                {"id": "roomy", "hash": hashlib.sha256(roomy.encode()).hexdigest(),
                 "limits": {"rate": "1/hour", "burst": 9}},
                {"id": "plain", "hash": hashlib.sha256(plain.encode()).hexdigest()},
            ]
        )
    )  # fmt: skip
    policy = f"""
[[plugins]]
use = "api_key"
keys_file = "{keys}"

[[plugins]]
use = "rate_limit"
key = "identity.key"
limit = "1/hour"
burst = 1
"""
    conf = config(fake_provider, redis_url)
    gateways = [await gateway_factory(conf, {"limits": policy}) for _ in range(2)]
    answers = await asyncio.gather(
        *(post(gateways[i % 2], **{"x-api-key": roomy}) for i in range(30))
    )
    codes = [a.status_code for a in answers]
    assert codes.count(200) == 10 and codes.count(429) == 20  # the key's burst 9 + 1
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["ratelimit-policy"] == '"key";q=10;w=36000'
    others = [(await post(gateways[i % 2], **{"x-api-key": plain})).status_code for i in range(3)]
    assert others == [200, 200, 429]  # the policy's burst 1 + 1 for keys without limits
