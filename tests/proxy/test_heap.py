"""settle_heap: the config is frozen out of the collector's sight, and the young generation
is large enough that requests in flight do not trigger it, yet cycles are still reclaimed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from proxy.server import YOUNG_GENERATION_THRESHOLD, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector can free it


def test_settle_heap_freezes_and_raises_only_the_young_threshold(restored_gc: None) -> None:
    _, middle, old = gc.get_threshold()
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, middle, old)


def test_cyclic_garbage_is_still_collected_without_an_explicit_collect(
    restored_gc: None,
) -> None:
    settle_heap()
    freed: list[int] = []
    for index in range(3 * YOUNG_GENERATION_THRESHOLD):
        weakref.finalize(Node(), freed.append, index)
    # No gc.collect() here: the automatic passes alone must have reclaimed most cycles.
    assert len(freed) > YOUNG_GENERATION_THRESHOLD
