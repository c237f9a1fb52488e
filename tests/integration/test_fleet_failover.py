"""Three gateways sharing state on real Redis topologies while the topology changes under
them (``tests/fixtures/redis_topology.py``; split from ``test_fleet.py``): a master / the
primary killed with SIGKILL mid-run (no 500 ever, ``on_error`` during the gap, the gateways
follow the promoted replica by themselves), a slot resharded under load (no client-visible
error) and a planned failover (followed; the old primary never written).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
import redis

from proxy.state.client import keyslot
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.redis import RedisServer
from tests.fixtures.redis_topology import TOPOLOGIES, Cluster, SentinelSet, self_role, wait_for
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_fleet import ALLOWED, LIMITS, masters_holding, three
from tests.integration.test_limits import Factory, config, post
from tests.integration.test_resilience import until


class Load:
    """Requests for ``users`` round-robin over the gateways until stopped; every status kept."""

    def __init__(self, gws: list[RunningGateway], users: list[str]) -> None:
        self.gws, self.users = gws, users
        self.results: list[tuple[float, int, str, httpx.Response]] = []  # (time, gateway, user)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Load:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    async def _run(self) -> None:
        for i in range(100_000):  # bounded; stopped long before
            if self._stop.is_set():
                return
            index, user = i % len(self.gws), self.users[i % len(self.users)]
            response = await post(self.gws[index], **{"x-user": user})
            self.results.append((time.monotonic(), index, user, response))

    async def followed(
        self, since: float, users: list[str], real: Callable[[httpx.Response], bool]
    ) -> dict[int, float]:
        """Per gateway, seconds from ``since`` to its first real answer for ``users`` after
        a fallback one (a request in flight when the node died does not count). 30 s at most."""
        gap_seen: set[int] = set()
        followed: dict[int, float] = {}
        checked = 0
        for _ in range(600):
            await asyncio.sleep(0.05)
            for at, index, user, response in self.results[checked:]:
                if at <= since or user not in users or index in followed:
                    continue
                if not real(response):
                    gap_seen.add(index)
                elif index in gap_seen:
                    followed[index] = at - since
            checked = len(self.results)
            if len(followed) == len(self.gws):
                break
        return followed

    async def first_success_after(self, since: float) -> dict[int, float]:
        """Per gateway, when it first answered 200 after ``since`` (30 s at most): waiting
        for that, not a fixed second, keeps a slow machine from failing the test."""
        first: dict[int, float] = {}
        for _ in range(600):
            for at, index, _, response in self.results:
                if at > since and index not in first and response.status_code == 200:
                    first[index] = at
            if len(first) == len(self.gws):
                break
            await asyncio.sleep(0.05)
        return first

    def statuses(self) -> Counter[int]:
        return Counter(r.status_code for *_, r in self.results)


def real_decision(response: httpx.Response, on_error: str) -> bool:
    """The store answered (not the ``on_error`` fallback): deny gives 200/429 instead of 503;
    under allow a real admission reports a reset time, the fallback ``t=0``."""
    if on_error == "deny":
        return response.status_code in ALLOWED
    return response.status_code == 429 or not response.headers["ratelimit"].endswith(";t=0")


@pytest.mark.parametrize("on_error", ["allow", "deny"])
@pytest.mark.parametrize("topology", TOPOLOGIES)
async def test_a_killed_primary_is_followed_without_a_500(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    request: pytest.FixtureRequest,
    topology: str,
    on_error: str,
) -> None:
    url = request.getfixturevalue(f"{topology}_url")
    gws = await three(
        gateway_factory,
        config(fake_provider, url, on_error),
        {"limits": LIMITS.format(burst=100_000)},
    )
    users = [f"load-{i}" for i in range(12)]
    for user in users:
        assert (await post(gws[0], **{"x-user": user})).status_code == 200
    if topology == "cluster":
        cluster: Cluster = request.getfixturevalue("redis_cluster")
        held = masters_holding(cluster, "sluicegate:rl:*")
        victim_port = next(port for port, keys in held.items() if keys)
        victims = [u for u in users if any(k.endswith(f"={u}}}") for k in held[victim_port])]
        victim: RedisServer = cluster.node(victim_port)
    else:
        sentinels: SentinelSet = request.getfixturevalue("redis_sentinel")
        victim, victims = sentinels.primary(), users
    assert victims
    async with Load(gws, users) as load:
        await asyncio.sleep(0.3)
        killed_at = time.monotonic()
        victim.stop()  # SIGKILL
        followed = await load.followed(killed_at, victims, lambda r: real_decision(r, on_error))
    statuses = load.statuses()
    assert 500 not in statuses and set(statuses) <= ALLOWED | {503}, statuses
    assert len(followed) == 3, f"not every gateway followed the failover: {followed}"
    gap = [
        r
        for at, _, user, r in load.results
        if at > killed_at and user in victims and not real_decision(r, on_error)
    ]
    assert gap, "the kill went unnoticed: nothing followed on_error"
    if on_error == "allow":
        assert {r.status_code for r in gap} == {200}
    else:
        assert {r.status_code for r in gap} == {503}
        assert gap[0].json()["error"]["type"] == "state_unavailable"
    if topology == "cluster":  # the other masters kept serving: per-node cooldowns, exact
        others = [r for at, _, user, r in load.results if at > killed_at and user not in victims]
        assert others and all(real_decision(r, on_error) for r in others)
    took = max(followed.values())
    print(f"\nfailover followed ({topology}, on_error={on_error}): {took:.2f} s after the kill")
    # exact again: fresh keys, three instances, exactly burst + 1 each — once each fresh
    # instance has found the new primary by itself (its first calls ask the sentinels or
    # read the slot map: a burst racing that is a cold start, not what this step measures)
    fresh = await three(
        gateway_factory, config(fake_provider, url, on_error), {"limits": LIMITS.format(burst=2)}
    )
    dead = victim.url.split("//")[1].rsplit("/", 1)[0]
    for index, gw in enumerate(fresh):
        await until(
            lambda gw=gw, i=index: on_new_primary(gw, f"warm-{i}", on_error, dead),
            f"fresh gateway {index} to answer from the new primary",
        )
    sent = [(fresh[i % 3], f"after-{i % 8}") for i in range(8 * 5)]
    results = await asyncio.gather(*(post(gw, **{"x-user": user}) for gw, user in sent))
    assert {r.status_code for r in results} <= ALLOWED, Counter(r.status_code for r in results)
    admitted = Counter(
        user for (_, user), r in zip(sent, results, strict=True) if r.status_code == 200
    )
    assert admitted == {f"after-{i}": 3 for i in range(8)}


async def on_new_primary(gw: RunningGateway, user: str, on_error: str, dead: str) -> bool:
    """The store decided a request of ``user`` on ``gw`` (not the ``on_error`` fallback),
    ``gw`` reports the store healthy, and none of its primaries is the ``dead`` node."""
    if not real_decision(await post(gw, **{"x-user": user}), on_error):
        return False
    state = (await gw.status())["state"]
    primaries = {n["node"] for n in state["nodes"] if n["role"] in ("master", "primary")}
    return state["healthy"] is True and bool(primaries) and dead not in primaries


async def test_a_slot_resharded_under_load_shows_no_error(
    gateway_factory: Factory, fake_provider: FakeProvider, cluster_url: str, redis_cluster: Cluster
) -> None:
    """``redis-cli --cluster reshard`` moves the lowest slots of one master while three
    gateways hammer keys in exactly those slots: MOVED and ASK are followed, nothing fails."""
    gws = await three(
        gateway_factory,
        config(fake_provider, cluster_url, "deny"),
        {"limits": LIMITS.format(burst=100_000)},
    )
    assert (await post(gws[0], **{"x-user": "probe"})).status_code == 200
    (probe,) = [
        k for keys in masters_holding(redis_cluster, "sluicegate:rl:*").values() for k in keys
    ]
    tag = probe[probe.index("{") + 1 : -1].removesuffix("probe")
    source = redis_cluster.owner(probe)
    with source.client() as client:
        lowest = min(
            int(s[0])
            for s in client.execute_command("CLUSTER", "SLOTS")
            if int(s[2][1]) == source.port
        )
        source_id = client.execute_command("CLUSTER", "MYID").decode()
    moved = 40
    users = [
        u
        for u in (f"mover-{i}" for i in range(20_000))
        if lowest <= keyslot("{" + tag + u + "}") < lowest + moved
    ][:12]
    assert len(users) >= 6
    target_node = next(m for m in redis_cluster.masters() if m.port != source.port)
    with target_node.client() as client:
        target_id = client.execute_command("CLUSTER", "MYID").decode()
    async with Load(gws, users) as load:
        await asyncio.sleep(0.3)
        reshard = await asyncio.to_thread(
            subprocess.run,
            ["redis-cli", "--cluster", "reshard", f"127.0.0.1:{source.port}",
             "--cluster-from", source_id, "--cluster-to", target_id,
             "--cluster-slots", str(moved), "--cluster-yes", "--cluster-pipeline", "1"],
            capture_output=True, timeout=120,
        )  # fmt: skip
        await asyncio.sleep(0.3)
    assert reshard.returncode == 0, reshard.stderr.decode()
    assert redis_cluster.owner("{" + tag + users[0] + "}").port == target_node.port  # it moved
    statuses = load.statuses()
    assert set(statuses) == {200}, statuses
    metrics = (await gws[0].client.get(f"{gws[0].admin_url}/-/metrics")).text
    assert "sluicegate_state_backend_errors_total{" not in metrics


@pytest.mark.parametrize("topology", TOPOLOGIES)
async def test_a_planned_failover_is_followed_and_the_old_primary_never_written(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    request: pytest.FixtureRequest,
    topology: str,
) -> None:
    """The old primary stays up, demoted: a cluster answers MOVED (followed, no error at all);
    under Sentinel it answers READONLY, and the gateways ask the sentinels again."""
    url = request.getfixturevalue(f"{topology}_url")
    conf = config(fake_provider, url, "deny")
    gws = await three(gateway_factory, conf, {"limits": LIMITS.format(burst=100_000)})
    users = [f"planned-{i}" for i in range(12)]
    for user in users:
        assert (await post(gws[0], **{"x-user": user})).status_code == 200
    async with Load(gws, users) as load:
        await asyncio.sleep(0.3)
        if topology == "cluster":
            cluster: Cluster = request.getfixturevalue("redis_cluster")
            old = cluster.masters()[0]
            replica = next(
                n for n in cluster.nodes
                if n.running and cluster.info(n).get("master_port") == str(old.port)
            )  # fmt: skip
            with replica.client() as client:
                client.execute_command("CLUSTER", "FAILOVER")
            await asyncio.to_thread(wait_for, lambda: self_role(old) == "slave", "the demotion")
        else:
            sentinels: SentinelSet = request.getfixturevalue("redis_sentinel")
            old = sentinels.primary()
            with redis.Redis(port=sentinels.sentinel_ports[0], socket_timeout=2) as client:
                client.execute_command("SENTINEL", "FAILOVER", sentinels.service)
            await asyncio.to_thread(wait_for, lambda: self_role(old) == "slave", "the demotion")
        switched = time.monotonic()
        first = await load.first_success_after(switched)
        assert len(first) == len(gws), f"gateways that reached the new primary: {first}"
        await asyncio.sleep(0.5)  # more traffic once every gateway has followed
    statuses = load.statuses()
    assert 500 not in statuses, statuses
    late = [r.status_code for at, i, _, r in load.results if at > first[i]]
    assert late and set(late) == {200}  # once a gateway followed, it never went back
    if topology == "cluster":
        assert set(statuses) == {200}  # MOVED is followed: not one request noticed
    with old.client() as raw:
        assert raw.info("replication")["role"] == "slave"
    # exact on the new primaries
    fresh = await three(gateway_factory, conf, {"limits": LIMITS.format(burst=1)})
    sent = [(fresh[i % 3], f"exact-{i % 6}") for i in range(6 * 4)]
    results = await asyncio.gather(*(post(gw, **{"x-user": u}) for gw, u in sent))
    admitted = Counter(u for (_, u), r in zip(sent, results, strict=True) if r.status_code == 200)
    assert admitted == {f"exact-{i}": 2 for i in range(6)}
