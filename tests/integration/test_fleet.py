"""Three gateways sharing state on real Redis topologies: a 3-master + 3-replica Cluster and a
1-primary / 2-replica / 3-sentinel set (``tests/fixtures/redis_topology.py``).

On each topology: exact rate limits for keys on every master, auto-bans imposed by one
instance and enforced by the others, a cache entry written by one instance served by
another, a breaker opened by one instance skipped by all. The failures (a primary killed, a
slot resharded, a planned failover) are in ``test_fleet_failover.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.fixtures.gateway import RunningGateway
from tests.fixtures.redis_topology import Cluster
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_limits import Factory, config, post
from tests.integration.test_resilience import POLICY, chat, target, until
from tests.integration.test_resilience_fleet import shared_config

LIMITS = (
    '[[plugins]]\nuse = "rate_limit"\nkey = "header.x-user"\nlimit = "1/hour"\nburst = {burst}\n'
)
ALLOWED = {200, 429}


async def three(
    gateway_factory: Factory, conf: str, policies: dict[str, str]
) -> list[RunningGateway]:
    return [await gateway_factory(conf, policies) for _ in range(3)]


def masters_holding(cluster: Cluster, pattern: str) -> dict[int, list[str]]:
    """Master port -> the keys matching ``pattern`` it holds."""
    found: dict[int, list[str]] = {}
    for master in cluster.masters():
        with master.client() as client:
            found[master.port] = [k.decode() for k in client.scan_iter(match=pattern, count=1000)]
    return found


async def test_rate_limit_is_exact_for_keys_on_every_master(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    fleet_url: str,
    request: pytest.FixtureRequest,
) -> None:
    gws = await three(
        gateway_factory, config(fake_provider, fleet_url), {"limits": LIMITS.format(burst=3)}
    )
    users = [f"user-{i}" for i in range(24)]
    sent = [(gws[i % 3], users[i % 24]) for i in range(24 * 6)]
    results = await asyncio.gather(*(post(gw, **{"x-user": user}) for gw, user in sent))
    assert {r.status_code for r in results} <= ALLOWED
    admitted = Counter(
        user for (_, user), r in zip(sent, results, strict=True) if r.status_code == 200
    )
    assert admitted == {user: 4 for user in users}  # burst 3 + 1, exactly, on every instance
    assert len(fake_provider.requests) == 24 * 4
    if "cluster" in request.fixturenames:
        held = masters_holding(request.getfixturevalue("redis_cluster"), "sluicegate:rl:*")
        assert len(held) == 3 and all(len(keys) >= 3 for keys in held.values()), held


async def test_an_auto_ban_from_one_instance_holds_on_the_others(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    fleet_url: str,
    request: pytest.FixtureRequest,
) -> None:
    policy = """
[[plugins]]
use = "ip_filter"
auto_ban = { after = 2, within = "1m", ban_for = "1h", on = ["auth_failed"] }

[[plugins]]
use = "tests.integration.test_limits:KeyGuesser"
"""
    conf = config(fake_provider, fleet_url, server='trusted_proxies = ["127.0.0.1/32"]')
    one, two, three_ = await three(gateway_factory, conf, {"limits": policy})
    attackers = [f"203.0.113.{i}" for i in range(1, 13)]
    for address in attackers:
        for _ in range(2):
            bad = await post(one, **{"x-forwarded-for": address, "x-key": "guess"})
            assert bad.status_code == 401
    await one.settled()
    for gw in (two, three_):
        for address in attackers:
            refused = await post(gw, **{"x-forwarded-for": address, "x-key": "right"})
            assert refused.status_code == 403 and refused.json()["error"]["type"] == "ip_banned"
    assert (
        await post(two, **{"x-forwarded-for": "198.51.100.1", "x-key": "right"})
    ).status_code == 200
    listed = (await three_.client.get(f"{three_.admin_url}/-/bans")).json()["bans"]
    assert sorted(b["ip"] for b in listed) == sorted(attackers)
    if "cluster" in request.fixturenames:
        held = masters_holding(request.getfixturevalue("redis_cluster"), "sluicegate:ban:*")
        assert all(keys for keys in held.values()), held  # ban checks land on every master


async def test_a_cached_answer_from_one_instance_is_a_hit_on_another(
    gateway_factory: Factory, fake_provider: FakeProvider, fleet_url: str
) -> None:
    policy = '[[plugins]]\nuse = "cache"\nshared = true\nttl = "2m"\n'
    gws = await three(gateway_factory, config(fake_provider, fleet_url), {"limits": policy})
    body = {
        "model": "fake-model",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0,
    }
    first = await post(gws[0], body)
    others = [await post(gw, body) for gw in gws[1:]]
    assert first.headers["x-cache"] == "MISS"
    assert [r.headers["x-cache"] for r in others] == ["HIT", "HIT"]
    assert all(r.content == first.content for r in others)
    assert sum(1 for r in fake_provider.requests if r.path.endswith("/chat/completions")) == 1


async def test_a_breaker_opened_by_one_instance_is_open_on_all(
    gateway_factory: Factory, fake_provider_factory: Any, fleet_url: str
) -> None:
    fakes = {n: await fake_provider_factory(name=n) for n in ("a", "b")}
    gws = await three(gateway_factory, shared_config(fakes, fleet_url), POLICY)
    fakes["a"].mode = "500"
    for _ in range(2):
        assert (await chat(gws[0].client, gws[0].url)).json()["x_served_by"] == "b"
    for gw in gws[1:]:

        async def open_here(gw: RunningGateway = gw) -> bool:
            return (await target(gw, "a"))["breaker"]["state"] == "open"

        await until(open_here, "the breaker to open on every instance")
    seen = len(fakes["a"].requests)
    for gw in gws[1:]:
        assert (await chat(gw.client, gw.url)).json()["x_served_by"] == "b"
    assert len(fakes["a"].requests) == seen  # nobody else paid for a failed attempt
