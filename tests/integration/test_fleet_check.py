"""What an operator asks of the store: ``sluicegate check --connect`` against real Redis
topologies (the topology it discovers on a Cluster, a Sentinel set and one node; the mistakes
it names: no node answering, a one-node URL that names a cluster node) and ``/-/ready`` while
the store is down. Split from ``test_fleet.py``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from proxy.cli import main
from tests.fixtures.gateway import write_config
from tests.fixtures.ports import free_port
from tests.fixtures.redis import RedisServer
from tests.fixtures.redis_topology import Cluster
from tests.fixtures.upstreams import FakeProvider
from tests.integration.test_fleet import LIMITS
from tests.integration.test_limits import Factory, config


async def test_check_connect_prints_the_discovered_topology(
    fleet_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tmp_path, f'[state]\nbackend = "redis"\nurl = "{fleet_url}"\n', {})
    path = str(tmp_path / "config.toml")
    assert await asyncio.to_thread(main, ["check", "-c", path]) == 0
    assert f"state: redis at {fleet_url}\n" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["check", "-c", path, "--connect"]) == 0
    out = capsys.readouterr().out
    if fleet_url.startswith("redis+cluster"):
        assert out.count(" master (") == 3 and out.count(" replica of ") == 3
    else:
        assert out.count(" primary") == 1 and out.count(" replica of ") == 2


async def test_check_connect_fails_when_no_node_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    write_config(tmp_path, f'[state]\nbackend = "redis"\nurl = "redis+cluster://{dead}"\n', {})
    assert (
        await asyncio.to_thread(main, ["check", "-c", str(tmp_path / "config.toml"), "--connect"])
        == 1
    )
    assert "state: cannot connect: redis cluster: no node answered" in capsys.readouterr().err


async def test_check_connect_refuses_a_one_node_url_that_names_a_cluster_node(
    redis_cluster: Cluster, cluster_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = redis_cluster.masters()[0]
    write_config(tmp_path, f'[state]\nbackend = "redis"\nurl = "{node.url}"\n', {})
    path = str(tmp_path / "config.toml")
    assert await asyncio.to_thread(main, ["check", "-c", path, "--connect"]) == 1
    assert (
        "is a Redis Cluster node: name the cluster with redis+cluster://" in capsys.readouterr().err
    )


async def test_check_connect_on_one_node(
    redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(tmp_path, f'[state]\nbackend = "redis"\nurl = "{redis_url}"\n', {})
    assert (
        await asyncio.to_thread(main, ["check", "-c", str(tmp_path / "config.toml"), "--connect"])
        == 0
    )
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    assert f"  127.0.0.1:{port} primary\n" in capsys.readouterr().out


@pytest.mark.parametrize("requires", [True, False])
async def test_ready_fails_while_the_store_is_down_only_when_configured(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_server: RedisServer,
    redis_url: str,
    requires: bool,
) -> None:
    server = f"ready_requires_state = {str(requires).lower()}"
    conf = config(fake_provider, redis_url, server=server)
    gw = await gateway_factory(conf, {"limits": LIMITS.format(burst=5)})
    assert (await gw.client.get(f"{gw.admin_url}/-/ready")).status_code == 200
    redis_server.stop()
    try:
        ready = await gw.client.get(f"{gw.admin_url}/-/ready")
        if requires:
            assert ready.status_code == 503
            assert ready.json()["reason"] == "state store unavailable"
        else:
            assert ready.status_code == 200
    finally:
        redis_server.start()
    assert (await gw.client.get(f"{gw.admin_url}/-/ready")).status_code == 200
