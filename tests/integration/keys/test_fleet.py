"""Three gateway instances on one store, a SQLite file and then PostgreSQL: keys made or
revoked on one are honoured by all within a second; spend is exact after concurrent load,
streams included, and after one instance is stopped with SIGTERM in the middle of it; a
restart loses nothing."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.fixtures.gateway import GatewayProcess, RunningGateway
from tests.fixtures.postgres import PostgresCluster
from tests.integration.keys.helpers import ADMIN, POLICY, chat, config, until

Factory = Callable[..., Awaitable[RunningGateway]]
ProcessFactory = Callable[..., Awaitable[GatewayProcess]]
PRICE_IN, PRICE_OUT = 1000 / 1e6, 3000 / 1e6


async def _accepts(client: httpx.AsyncClient, url: str, key: str) -> bool:
    return (await chat(client, url, key)).status_code == 200


async def test_created_on_a_serves_on_b_and_c_and_revoked_on_b_is_refused_everywhere(
    gateway_factory: Factory, store_url: str
) -> None:
    text = config(store_url).replace('poll_interval = "100ms"', 'poll_interval = "250ms"')
    a, b, c = [await gateway_factory(text, POLICY) for _ in range(3)]
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        assert (
            await admin.post(f"{a.admin_url}/-/api/teams", json={"name": "ml"})
        ).status_code == 201
        made = await admin.post(f"{a.admin_url}/-/api/keys", json={"team": "ml"})
        key = made.json()
        assert await _accepts(a.client, a.url, key["key"])  # at once where it was made
        for gw in (b, c):  # 50 polls of 20 ms: within a second on a quiet machine
            await until(lambda gw=gw: _accepts(gw.client, gw.url, key["key"]), seconds=1.0)

        assert (await admin.delete(f"{b.admin_url}/-/api/keys/{key['id']}")).status_code == 200
        assert not await _accepts(b.client, b.url, key["key"])

        async def refused(gw: RunningGateway) -> bool:
            return (await chat(gw.client, gw.url, key["key"])).status_code == 401

        for gw in (a, c):
            await until(lambda gw=gw: refused(gw), seconds=1.0)
        audit = (await admin.get(f"{c.admin_url}/-/api/audit", params={"target": key["id"]})).json()
        assert [entry["action"] for entry in audit] == ["key.revoke", "key.create"]


def _usage_of(response: httpx.Response, stream: bool) -> tuple[int, int]:
    if not stream:
        usage = response.json()["usage"]
        return usage["prompt_tokens"], usage["completion_tokens"]
    for line in reversed(response.text.splitlines()):
        if line.startswith("data: {"):
            event = orjson.loads(line[6:])
            if event.get("usage"):
                return event["usage"]["prompt_tokens"], event["usage"]["completion_tokens"]
    raise AssertionError("stream carried no usage event")


Served = tuple[str, int, int]  # key, tokens in, tokens out


async def _one(client: httpx.AsyncClient, url: str, key: str, n: int) -> Served | str:
    """What the client was served, or why not (a string, so a failed run says why)."""
    stream = n % 3 == 0
    extra: dict[str, Any] = {"messages": [{"role": "user", "content": "word " * (1 + n % 7)}]}
    if stream:
        extra |= {"stream": True, "stream_options": {"include_usage": True}}
    try:
        response = await chat(client, url, key, **extra)
    except httpx.TransportError as exc:
        return f"#{n} {exc!r}"  # an instance that stopped accepting: never served, never billed
    if response.status_code != 200:
        return f"#{n} {url} {response.status_code} {response.text[:200]}"
    return key, *_usage_of(response, stream)


def _expected(
    served: list[Served | str],
    teams: dict[str, str],
    already: dict[str, list[float]],
) -> dict[str, list[float]]:
    """Per team: requests, tokens in and out, cost — of what clients were served, plus what
    the store held ``already``."""
    totals = {team: list(sums) for team, sums in already.items()}
    for item in served:
        if isinstance(item, str):
            continue
        key, tokens_in, tokens_out = item
        sums = totals.setdefault(teams[key], [0, 0, 0, 0.0])
        sums[0] += 1
        sums[1] += tokens_in
        sums[2] += tokens_out
        sums[3] += tokens_in * PRICE_IN + tokens_out * PRICE_OUT
    return totals


async def _spend(admin: httpx.AsyncClient, admin_url: str) -> dict[str, list[float]]:
    rows = (await admin.get(f"{admin_url}/-/api/spend", params={"group_by": "team"})).json()
    return {
        r["team"]: [r["requests"], r["input_tokens"], r["output_tokens"], r["cost_usd"]]
        for r in rows
    }


def _assert_same(got: dict[str, list[float]], want: dict[str, list[float]]) -> None:
    assert set(got) == set(want)
    for team, sums in want.items():
        assert got[team][:3] == sums[:3], team
        assert got[team][3] == pytest.approx(sums[3], abs=1e-6), team


async def _make_keys(admin: httpx.AsyncClient, admin_url: str) -> dict[str, str]:
    teams: dict[str, str] = {}
    for team in ("search", "ads"):
        assert (
            await admin.post(f"{admin_url}/-/api/teams", json={"name": team})
        ).status_code == 201
        for _ in range(2):
            made = await admin.post(f"{admin_url}/-/api/keys", json={"team": team})
            teams[made.json()["key"]] = team
    return teams


async def test_spend_is_exact_after_300_concurrent_requests_over_three_instances(
    gateway_factory: Factory, store_url: str
) -> None:
    gateways = [await gateway_factory(config(store_url), POLICY) for _ in range(3)]
    async with (
        httpx.AsyncClient(headers=ADMIN, timeout=60) as admin,
        httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=60)) as client,
    ):
        teams = await _make_keys(admin, gateways[0].admin_url)
        keys = list(teams)
        for gw in gateways:
            await until(lambda gw=gw: _accepts(client, gw.url, keys[-1]))
        for gw in gateways:
            await gw.settled()
            await gw.gateway.runtime.keys.ledger.flush()
        warmup = await _spend(admin, gateways[0].admin_url)  # the probes above, billed too
        served = await asyncio.gather(
            *(_one(client, gateways[n % 3].url, keys[n % 4], n) for n in range(300))
        )
        refused = [item for item in served if isinstance(item, str)]
        assert not refused, refused[:10]
        for gw in gateways:
            await gw.settled()
            await gw.gateway.runtime.keys.ledger.flush()
        want = _expected(list(served), teams, warmup)
        _assert_same(await _spend(admin, gateways[2].admin_url), want)
        by_key = (
            await admin.get(
                f"{gateways[1].admin_url}/-/api/spend",
                params={"group_by": "key,model", "period": "day"},
            )
        ).json()
        assert sum(r["requests"] for r in by_key) == sum(s[0] for s in want.values())
        assert {r["model"] for r in by_key} == {"chat-fast"}


async def test_sigterm_mid_load_loses_no_spend_and_a_restart_loses_nothing(
    gateway_process_factory: ProcessFactory, store_url: str, tmp_path: Path
) -> None:
    procs = [await gateway_process_factory(config(store_url), POLICY) for _ in range(3)]
    async with (
        httpx.AsyncClient(headers=ADMIN, timeout=60) as admin,
        httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=60)) as client,
    ):
        teams = await _make_keys(admin, procs[0].admin_url)
        keys = list(teams)
        for proc in procs:
            await until(lambda p=proc: _accepts(client, p.url, keys[-1]))
        before = await _until_flushed(admin, procs[0].admin_url, 3)

        async def load(n: int) -> Served | str:
            if n == 150:
                procs[1].signal(signal.SIGTERM)  # mid-load: in-flight requests drain
            return await _one(client, procs[n % 3].url, keys[n % 4], n)

        served = await asyncio.gather(*(load(n) for n in range(300)))
        assert await asyncio.to_thread(procs[1].process.wait, 30) == 0
        assert any(isinstance(item, str) for item in served)  # some met a closed instance
        want = _expected(list(served), teams, before)
        expected_requests = sum(s[0] for s in want.values())
        got = await _until_flushed(admin, procs[0].admin_url, expected_requests)
        _assert_same(got, want)

        # Every instance restarts: keys, teams and spend are all still there.
        for proc in procs:
            proc.stop()
        again = await gateway_process_factory(config(store_url), POLICY)

        async def serves_again() -> bool:
            try:
                return await _accepts(client, again.url, keys[0])
            except httpx.TransportError:  # the public listener a moment behind the admin one
                return False

        try:
            await until(serves_again, seconds=10.0)
        except AssertionError:
            raise AssertionError(f"restarted gateway never served:\n{again.logs()}") from None
        assert {t["name"] for t in (await admin.get(f"{again.admin_url}/-/api/teams")).json()} == {
            "search",
            "ads",
        }
        assert len((await admin.get(f"{again.admin_url}/-/api/keys")).json()) == 4
        after = await _spend(admin, again.admin_url)
        assert after["search"][0] + after["ads"][0] == expected_requests + 1


async def _until_flushed(
    admin: httpx.AsyncClient, admin_url: str, requests: float
) -> dict[str, list[float]]:
    """The spend once every instance's ledger has written its batch (each flushes every
    200 ms here; a stopped one flushed before it exited)."""
    for _ in range(100):
        got = await _spend(admin, admin_url)
        if sum(s[0] for s in got.values()) >= requests:
            return got
        await asyncio.sleep(0.1)
    raise AssertionError(f"spend never reached {requests} requests: {got}")


async def test_a_lost_store_keeps_the_last_keys_serving_and_the_api_answers_503(
    gateway_factory: Factory, postgres_cluster: PostgresCluster
) -> None:
    url = postgres_cluster.create_database()
    gw = await gateway_factory(config(url), POLICY)
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        key = (await admin.post(f"{gw.admin_url}/-/api/keys", json={})).json()
        await asyncio.to_thread(postgres_cluster.drop_database, url.rsplit("/", 1)[1])
        for _ in range(3):  # polls fail meanwhile; the directory stays as last read
            assert await _accepts(gw.client, gw.url, key["key"])
            await asyncio.sleep(0.1)
        answer = await admin.get(f"{gw.admin_url}/-/api/keys")
        assert answer.status_code == 503
        assert answer.json()["error"]["type"] == "store_unavailable"
