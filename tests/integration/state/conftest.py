"""Fixtures for the state contract suite: a ``harness`` per backend and topology (memory; real
redis as one node, as a 3+3 Cluster and behind Sentinel)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from proxy.state import MemoryStore, create_store
from proxy.testing import FakeClock
from tests.integration.state.state_harness import Harness


@pytest.fixture(params=["memory", "redis", "cluster", "sentinel"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        clock = FakeClock()
        yield Harness("memory", MemoryStore(clock=clock), clock)
        return
    fixture = {"redis": "redis_url", "cluster": "cluster_url", "sentinel": "sentinel_url"}
    url = request.getfixturevalue(fixture[request.param])
    store = create_store("redis", url, "deny", "sgtest:")
    try:
        yield Harness(request.param, store, None)
    finally:
        await store.close()
