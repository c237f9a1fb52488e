"""Fixtures for the state contract suite: a ``harness`` per backend (memory, real redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from proxy.state import MemoryStore, create_store
from tests.integration.state.state_harness import Harness
from tests.unit.state.state_clock import FakeClock


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "memory":
        clock = FakeClock()
        yield Harness("memory", MemoryStore(clock=clock), clock)
        return
    url = request.getfixturevalue("redis_url")
    store = create_store("redis", url, "deny", "sgtest:")
    try:
        yield Harness("redis", store, None)
    finally:
        await store.close()
