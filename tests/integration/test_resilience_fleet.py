"""Fleet behaviour: breakers shared through a real redis-server, readiness, and the status page.

Two gateways run in-process on their own ports with one redis between them; only redis
carries the news that a provider is down.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_resilience import FAST, POLICY, Factory, chat, config, target, until


def shared_config(fakes: dict[str, Any], redis_url: str, *, shared: bool = True) -> str:
    breaker = (
        f'breaker = {{ failures = 2, open_for = "60s", shared = {str(shared).lower()}, '
        'sync_interval = "20ms" }\n'
    )
    text = config(fakes, FAST + 'balance = "failover"\n' + breaker)
    return text.replace(
        "[providers.", f'[state]\nbackend = "redis"\nurl = "{redis_url}"\n\n[providers.', 1
    )


async def test_a_breaker_opened_by_one_gateway_opens_on_the_other_through_redis(
    gateway_factory: Any, fake_provider_factory: Factory, redis_url: str
) -> None:
    fakes = {n: await fake_provider_factory(name=n) for n in ("a", "b")}
    one = await gateway_factory(shared_config(fakes, redis_url), POLICY)
    two = await gateway_factory(shared_config(fakes, redis_url), POLICY)
    fakes["a"].mode = "500"
    for _ in range(2):
        assert (await chat(one.client, one.url)).json()["x_served_by"] == "b"
    assert (await target(one, "a"))["breaker"]["state"] == "open"
    seen = len(fakes["a"].requests)

    async def open_on_two() -> bool:
        return (await target(two, "a"))["breaker"]["state"] == "open"

    await until(open_on_two, "gateway two to adopt the open breaker")
    # Gateway two never sent a failing request, yet it skips a straight away.
    for _ in range(5):
        assert (await chat(two.client, two.url)).json()["x_served_by"] == "b"
    assert len(fakes["a"].requests) == seen
    remaining = (await target(two, "a"))["breaker"]["open_for_remaining"]
    assert 40 < remaining <= 72


async def test_without_shared_the_other_gateway_learns_on_its_own(
    gateway_factory: Any, fake_provider_factory: Factory, redis_url: str
) -> None:
    fakes = {n: await fake_provider_factory(name=n) for n in ("a", "b")}
    one = await gateway_factory(shared_config(fakes, redis_url, shared=False), POLICY)
    two = await gateway_factory(shared_config(fakes, redis_url, shared=False), POLICY)
    fakes["a"].mode = "500"
    for _ in range(2):
        await chat(one.client, one.url)
    assert (await target(one, "a"))["breaker"]["state"] == "open"
    # Its first request pays for a failed attempt on a: nothing was shared.
    before = len(fakes["a"].requests)
    assert (await chat(two.client, two.url)).json()["x_served_by"] == "b"
    assert len(fakes["a"].requests) == before + 1
    assert (await target(two, "a"))["breaker"]["state"] == "closed"


@pytest.mark.parametrize("requires", [True, False])
async def test_ready_fails_only_when_configured_and_no_target_is_available(
    gateway_factory: Any, fake_provider_factory: Factory, requires: bool
) -> None:
    fake = await fake_provider_factory(name="a")
    server = f"ready_requires_targets = {str(requires).lower()}"
    upstream = FAST + 'retry = { attempts = 1 }\nbreaker = { failures = 1, open_for = "60s" }\n'
    upstream = upstream.replace(
        'retry = { attempts = 3, backoff = "1ms", max_backoff = "5ms", budget = 0.2 }\n', ""
    )
    gw = await gateway_factory(config({"a": fake}, upstream, server=server), POLICY)
    ready = await gw.client.get(f"{gw.admin_url}/-/ready")
    assert ready.status_code == 200
    fake.mode = "500"
    assert (await chat(gw.client, gw.url)).status_code == 500
    ready = await gw.client.get(f"{gw.admin_url}/-/ready")
    if requires:
        assert ready.status_code == 503
        assert ready.json()["upstreams"] == ["chat"]
    else:
        assert ready.status_code == 200


async def test_status_shows_health_breaker_in_flight_latency_and_error_rate(
    gateway_factory: Any, fake_provider_factory: Factory
) -> None:
    fakes = {n: await fake_provider_factory(name=n) for n in ("a", "b")}
    fakes["a"].mode = "500"
    upstream = FAST + 'balance = "round_robin"\nbreaker = { failures = 100, min_requests = 100 }\n'
    gw = await gateway_factory(config(fakes, upstream), POLICY)
    for _ in range(10):
        assert (await chat(gw.client, gw.url)).status_code == 200
    a, b = await target(gw, "a"), await target(gw, "b")
    assert a["healthy"] is True and a["available"] is True
    assert a["breaker"]["state"] == "closed"
    assert a["breaker"]["consecutive_failures"] >= 1
    assert a["error_rate"] == 1.0 and b["error_rate"] == 0.0
    assert a["requests_in_window"] >= 5 and b["requests_in_window"] == 10
    assert b["in_flight"] == 0 and a["in_flight"] == 0
    assert b["ttfb_ewma_ms"] is not None and b["ttfb_ewma_ms"] > 0
    assert a["quota"]["requests_last_minute"] == len(fakes["a"].requests)
    assert "sk-a" not in str(await gw.status())  # no secrets on the status page
