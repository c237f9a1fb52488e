"""Shared helpers for the state unit tests: a hand-driven clock and a memory store on it."""

from __future__ import annotations

import pytest

from proxy.state import MemoryStore
from proxy.testing import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> MemoryStore:
    return MemoryStore(clock=clock)
