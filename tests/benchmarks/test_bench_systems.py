"""The benchmark systems start as the harness starts them: a system whose config does not
load, or whose requests are refused, would measure an error path instead of the chain."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from benchmarks.core_overhead import measure, system_environment
from benchmarks.payloads import BODIES
from benchmarks.systems import SYSTEMS
from proxy.config.loader import load_config

GATEWAYS = [s.name for s in SYSTEMS if "-c" in s.argv]


@pytest.mark.parametrize("name", GATEWAYS)
def test_every_gateway_system_config_loads(name: str) -> None:
    with system_environment(name, redis_url="redis://127.0.0.1:9/0") as (config, _):
        loaded = load_config(config)
    assert loaded.config.routes and loaded.policies, f"{name}: {config} has no route"


def test_full_chain_serves_the_bench_request_in_process(redis_url: str) -> None:
    """gateway-full (issue 15) with its signed token and a real redis answers 200 through
    every plugin; core_overhead refuses to time anything else."""
    body = orjson.dumps(BODIES["chat"])
    with system_environment("gateway-full", redis_url) as (config, headers):
        assert Path(config).name == "full.toml"
        assert any(name == b"authorization" for name, _ in headers)
        results = asyncio.run(measure(config, 20, 1, body, headers))
    assert len(results) == 1 and results[0] > 0


def test_in_process_benchmark_refuses_to_time_refusals(redis_url: str) -> None:
    body = orjson.dumps(BODIES["chat"])
    with system_environment("gateway-full", redis_url) as (config, _), pytest.raises(SystemExit):
        asyncio.run(measure(config, 5, 1, body, []))  # no token: 401
