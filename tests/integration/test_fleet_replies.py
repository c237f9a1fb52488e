"""No redis reply becomes a 500: a gateway on a scripted cluster node that answers ``MOVED``,
``ASK``, ``CLUSTERDOWN`` or ``READONLY`` — replies a real cluster gives only inside a race.

``MOVED`` and ``ASK`` point at a real redis-server, so following them is proved by exact
limits; ``CLUSTERDOWN`` and ``READONLY`` follow ``on_error``. The operator sees it all: the
failures in the metric with their node, one WARN when the node goes and one when it is back.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from tests.fixtures.gateway import RunningGateway
from tests.fixtures.redis import RedisServer
from tests.fixtures.redis_topology import ScriptedRedis
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_limits import Factory, config, post

LIMIT = '[[plugins]]\nuse = "rate_limit"\nkey = "header.x-user"\nlimit = "1/hour"\nburst = 1\n'


@pytest.mark.parametrize("redirect", ["MOVED", "ASK"])
async def test_redirects_are_followed_never_surfaced(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
    redis_server: RedisServer,
    redirect: str,
) -> None:
    real = f"127.0.0.1:{redis_server.port}".encode()
    answer = lambda command: b"-%s 1234 %s\r\n" % (redirect.encode(), real)  # noqa: E731
    async with ScriptedRedis(answer) as fake:
        url = f"redis+cluster://127.0.0.1:{fake.port}"
        gw = await gateway_factory(config(fake_provider, url, "deny"), {"limits": LIMIT})
        statuses = [(await post(gw, **{"x-user": "u"})).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # counted exactly, on the node the redirect named
    assert any(c[0] == b"EVALSHA" for c in fake.commands)  # the scripted node was asked first
    metrics = (await gw.client.get(f"{gw.admin_url}/-/metrics")).text
    assert "sluicegate_state_backend_errors_total{" not in metrics


@pytest.mark.parametrize("on_error", ["allow", "deny"])
@pytest.mark.parametrize(
    "reply",
    [
        b"-CLUSTERDOWN The cluster is down\r\n",
        b"-READONLY You can't write against a read only replica.\r\n",
    ],
)
async def test_unavailable_replies_follow_on_error_and_are_seen(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    on_error: str,
    reply: bytes,
) -> None:
    state = {"reply": reply}
    async with ScriptedRedis(lambda command: state["reply"]) as fake:
        url = f"redis+cluster://127.0.0.1:{fake.port}"
        gw = await gateway_factory(config(fake_provider, url, on_error), {"limits": LIMIT})
        with caplog.at_level(logging.WARNING, logger="sluicegate.state"):
            during = [await post(gw, **{"x-user": "u"}) for _ in range(4)]
            status = await gw.status()
            node = f"127.0.0.1:{fake.port}"
            assert status["state"]["healthy"] is False
            assert (
                next(n for n in status["state"]["nodes"] if n["node"] == node)["healthy"] is False
            )
            state["reply"] = b"*4\r\n:1\r\n:1\r\n$1\r\n0\r\n$10\r\n3600000000\r\n"  # an admission
            after = await _until_served(gw)
    codes = [r.status_code for r in during]
    assert 500 not in codes
    assert codes == ([200] * 4 if on_error == "allow" else [503] * 4)
    if on_error == "deny":
        assert during[0].json()["error"]["type"] == "state_unavailable"
    assert after.headers["ratelimit"].endswith(";t=3600")  # the store's own answer again
    metrics = (await gw.client.get(f"{gw.admin_url}/-/metrics")).text
    series = f'sluicegate_state_backend_errors_total{{node="{node}",op="gcra"}} '
    counted = next(line for line in metrics.splitlines() if line.startswith(series))
    assert float(counted.removeprefix(series)) >= 4  # the 4 above, and those of the cooldown
    lines = [r.getMessage() for r in caplog.records if r.name == "sluicegate.state"]
    assert len(lines) == 2, lines  # one when it went, one when it came back
    assert "unavailable" in lines[0] and reply.split()[0][1:].decode() in lines[0]
    assert "answers again" in lines[1]


async def _until_served(gw: RunningGateway) -> httpx.Response:
    """Past the node's cooldown, the next request reaches it again (bounded)."""
    for _ in range(100):
        response = await post(gw, **{"x-user": "u"})
        if response.headers.get("ratelimit", "").endswith(";t=3600"):
            return response
        await asyncio.sleep(0.05)
    raise AssertionError("the store never answered again")


async def test_tryagain_is_retried_and_moved_on_a_one_node_url_is_an_outage(
    gateway_factory: Factory, fake_provider: FakeProvider, redis_server: RedisServer
) -> None:
    real = f"127.0.0.1:{redis_server.port}".encode()
    replies = [b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"]

    def answer(command: list[bytes]) -> bytes:
        return replies.pop() if replies else b"-MOVED 1234 %s\r\n" % real

    async with ScriptedRedis(answer) as fake:
        cluster = f"redis+cluster://127.0.0.1:{fake.port}"
        gw = await gateway_factory(config(fake_provider, cluster, "deny"), {"limits": LIMIT})
        assert (await post(gw, **{"x-user": "t"})).status_code == 200  # TRYAGAIN, then MOVED
        single = f"redis://127.0.0.1:{fake.port}/0"
        one = await gateway_factory(config(fake_provider, single, "deny"), {"limits": LIMIT})
        refused = await post(one, **{"x-user": "t"})
    assert refused.status_code == 503  # a cluster node behind a one-node URL: never a 500
    assert refused.json()["error"]["type"] == "state_unavailable"
