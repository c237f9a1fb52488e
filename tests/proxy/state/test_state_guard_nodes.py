"""The on_error cooldown is per node: one dead master must not lift the limits of keys on the
healthy ones. The operator hears of each outage once, and of the recovery once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from proxy.config.types import Rate
from proxy.state import GuardedStore, MemoryStore, StateUnavailable
from proxy.testing import FakeClock


class TwoNodes(MemoryStore):
    """A memory store that pretends keys starting with "a" live on node a, the rest on b,
    and fails the calls of whichever nodes are in ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down: set[str] = set()
        self.masters = ["a", "b"]
        self.mapped = True  # False: the slot map is not known yet, no key has a node

    def node_for(self, key: str) -> str:
        if not self.mapped:
            return "*"
        return "a" if key.startswith("a") else "b"

    def topology(self) -> dict[str, Any]:
        return {"kind": "cluster", "nodes": [{"node": n, "role": "master"} for n in self.masters]}

    async def gcra(self, key: str, rate: Rate, burst: int, cost: int = 1) -> Any:
        node = self.node_for(key)
        if node in self.down:
            raise StateUnavailable(f"redis {node}: ConnectionError: refused", node)
        return await super().gcra(key, rate, burst, cost)


def make(
    clock: FakeClock, on_error: str = "deny"
) -> tuple[GuardedStore, TwoNodes, list[tuple[str, str]]]:
    inner = TwoNodes()
    seen: list[tuple[str, str]] = []
    store = GuardedStore(
        inner,
        on_error,
        lambda op, node: seen.append((op, node)),
        cooldown=1.0,
        clock=clock,
    )
    return store, inner, seen


async def test_a_dead_node_does_not_lift_the_limits_of_keys_elsewhere(clock: FakeClock) -> None:
    store, inner, seen = make(clock)
    rate = Rate(1, 3600)
    inner.down = {"a"}
    with pytest.raises(StateUnavailable):
        await store.gcra("a-key", rate, 2)
    # node a cools down; node b keeps its exact limit meanwhile
    assert [(await store.gcra("b-key", rate, 2)).allowed for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    with pytest.raises(StateUnavailable, match="cooling down"):
        await store.gcra("a-other", rate, 2)
    assert seen == [("gcra", "a"), ("gcra", "a")]
    topology = store.topology()
    assert topology["healthy"] is False
    assert [(n["node"], n["healthy"]) for n in topology["nodes"]] == [("a", False), ("b", True)]


async def test_one_warning_when_a_node_goes_and_one_when_it_is_back(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store, inner, _ = make(clock, "allow")
    rate = Rate(100, 1)
    caplog.set_level(logging.WARNING, logger="sluicegate.state")
    inner.down = {"a"}
    for _ in range(5):
        await store.gcra("a-key", rate, 0)
        clock.advance(1.5)  # past each cooldown: every call reaches the dead node
    inner.down = set()
    await store.gcra("a-key", rate, 0)
    await store.gcra("a-key", rate, 0)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "node a is unavailable" in messages[0] and "allow" in messages[0]
    assert "node a answers again after 7.5 s (5 failed calls)" in messages[1]
    assert store.topology()["healthy"] is True
    # a flap within 30 s of the last warning stays quiet; a later one is told again
    inner.down = {"a"}
    await store.gcra("a-key", rate, 0)
    inner.down = set()
    clock.advance(1.5)
    await store.gcra("a-key", rate, 0)
    assert len(caplog.records) == 2
    clock.advance(30)
    inner.down = {"a"}
    await store.gcra("a-key", rate, 0)
    assert len(caplog.records) == 3


async def test_a_replaced_node_ends_its_outage(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store, inner, _ = make(clock, "allow")
    caplog.set_level(logging.WARNING, logger="sluicegate.state")
    inner.down = {"a"}
    await store.gcra("a-key", Rate(1, 1), 0)
    inner.masters = ["a2", "b"]  # a replica took over node a's keys
    clock.advance(2)
    await store.gcra("b-key", Rate(1, 1), 0)
    assert store.topology()["healthy"] is True
    assert "node a was replaced" in caplog.records[-1].getMessage()


async def test_an_outage_of_no_particular_node_ends_with_any_answer(clock: FakeClock) -> None:
    """No seed answered before any slot map was known (node ``*``): the first call that
    works again ends that outage, whichever node answers it."""
    store, inner, seen = make(clock, "allow")
    inner.mapped = False
    inner.down = {"*"}
    await store.gcra("b-key", Rate(1, 1), 0)
    assert seen == [("gcra", "*")] and store.topology()["healthy"] is False
    inner.mapped, inner.down = True, set()
    clock.advance(2)
    assert (await store.gcra("a-key", Rate(1, 1), 0)).allowed
    assert store.topology()["healthy"] is True
