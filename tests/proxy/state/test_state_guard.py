"""The on_error policy around a backend that fails on demand, and create_store validation."""

from __future__ import annotations

import gc
import math
import warnings

import pytest

from proxy.config.types import Rate
from proxy.errors import GatewayError
from proxy.state import (
    GuardedStore,
    Lease,
    MemoryStore,
    StateStore,
    StateUnavailable,
    create_store,
)
from proxy.state.guard import OnError
from proxy.testing import FakeClock


class FlakyStore(MemoryStore):
    """A memory store whose every call raises StateUnavailable while ``down`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0

    def __getattribute__(self, name: str) -> object:
        attr = super().__getattribute__(name)
        if (
            name.startswith("_")
            or not callable(attr)
            or name in ("coalesce", "size", "node_for", "topology")
        ):
            return attr

        async def maybe_fail(*args: object, **kwargs: object) -> object:
            self.calls += 1
            if self.down:
                raise StateUnavailable("redis: ConnectionError: refused")
            return await attr(*args, **kwargs)

        return maybe_fail


def guarded(on_error: OnError, clock: FakeClock) -> tuple[GuardedStore, FlakyStore, list[str]]:
    inner = FlakyStore()
    seen: list[str] = []
    return (
        GuardedStore(inner, on_error, lambda op, node: seen.append(op), cooldown=1.0, clock=clock),
        inner,
        seen,
    )


async def test_allow_gives_permissive_answers_and_counts(clock: FakeClock) -> None:
    store, inner, seen = guarded("allow", clock)
    assert isinstance(store, StateStore)
    inner.down = True
    decision = await store.gcra("k", Rate(1, 60), burst=4, cost=2)
    assert decision.allowed and decision.limit == 5 and decision.remaining == 3
    assert decision.retry_after == 0
    assert await store.reserve("b", 5, 1, ttl=60) == (True, 5)
    assert await store.adjust("b", -3, ttl=60) == 0
    assert await store.incr("n", 2, ttl=60) == 2
    assert await store.hit("h", window=60) == 0
    assert await store.get("kv") is None
    await store.set("kv", b"x", ttl=1)
    await store.delete("kv")
    assert await store.take("kv") is None
    await store.ban("ip", 60)
    assert await store.banned("ip") is None
    assert await store.bans() == {}
    assert await store.unban("ip") is False
    assert await store.wait_released("k", timeout=1) is True
    expected = ["gcra", "reserve", "adjust", "incr", "hit", "get", "set", "delete", "take", "ban",
                "banned", "bans", "unban", "wait_released"]  # fmt: skip
    assert seen == expected
    assert store.errors_total == len(expected)


async def test_deny_raises_a_503_gateway_error(clock: FakeClock) -> None:
    store, inner, seen = guarded("deny", clock)
    inner.down = True
    with pytest.raises(StateUnavailable) as caught:
        await store.gcra("k", Rate(1, 60), burst=0)
    error = caught.value
    assert isinstance(error, GatewayError)
    assert error.status == 503 and error.type == "state_unavailable"
    assert error.headers["Retry-After"] == "1"
    with pytest.raises(StateUnavailable):
        await store.banned("ip")
    assert seen == ["gcra", "banned"] and store.errors_total == 2


async def test_cooldown_skips_the_backend_then_probes_again(clock: FakeClock) -> None:
    store, inner, _ = guarded("allow", clock)
    inner.down = True
    await store.get("k")
    assert inner.calls == 1
    inner.down = False  # back, but we are still cooling down: no call reaches it
    assert await store.incr("n", 1, ttl=60) == 1
    assert inner.calls == 1 and store.errors_total == 2
    clock.advance(1.0)
    assert await store.incr("n", 1, ttl=60) == 1  # a real call: the counter starts at 1
    assert await store.incr("n", 1, ttl=60) == 2
    assert inner.calls == 3 and store.errors_total == 2


async def test_a_call_skipped_by_the_cooldown_is_never_started(clock: FakeClock) -> None:
    """The backend's coroutine is made before the cooldown is checked; a skipped one is
    closed unstarted, so no 'coroutine was never awaited' warning and no backend work."""
    store, inner, _ = guarded("allow", clock)
    inner.down = True
    await store.gcra("k", Rate(1, 1.0), 0)
    # Earlier tests' garbage is collected first, and only this test's kind of warning is
    # an error here: a socket another test left to the collector (a ResourceWarning when
    # freed) failed this test in a shuffled order (seed 12345), not the code it tests.
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "coroutine ... was never awaited"
        decision = await store.gcra("k", Rate(1, 1.0), 0)
        await store.get("k")
        gc.collect()
    assert decision.allowed and decision.limit == 1
    assert inner.calls == 1  # only the first call reached the backend


async def test_successful_ping_ends_cooldown(clock: FakeClock) -> None:
    store, inner, _ = guarded("deny", clock)
    inner.down = True
    with pytest.raises(StateUnavailable):
        await store.ping()  # ping reports the truth and is not counted as an absorbed error
    with pytest.raises(StateUnavailable):
        await store.get("k")
    inner.down = False
    await store.ping()
    assert await store.get("k") is None


async def test_coalesce_while_down_makes_everyone_a_leader(clock: FakeClock) -> None:
    store, inner, _ = guarded("allow", clock)
    inner.down = True
    leaders = []
    for _ in range(3):
        async with store.coalesce("k") as leader:
            leaders.append(leader)
    assert leaders == [True, True, True]
    await store.release(Lease("k", ""))  # the fallback lease is a no-op to release
    assert inner.calls == 1  # only the first lead reached the backend; release never did


async def test_deny_coalesce_propagates(clock: FakeClock) -> None:
    store, inner, _ = guarded("deny", clock)
    inner.down = True
    with pytest.raises(StateUnavailable):
        async with store.coalesce("k"):
            pytest.fail("the block must not run")


async def test_passes_through_when_healthy(clock: FakeClock) -> None:
    store, _, seen = guarded("deny", clock)
    assert (await store.gcra("k", Rate(1, 3600), burst=0)).allowed
    refused = await store.gcra("k", Rate(1, 3600), burst=0)
    assert not refused.allowed and math.isclose(refused.retry_after, 3600, rel_tol=1e-3)
    assert seen == [] and store.errors_total == 0


def test_bad_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="on_error"):
        GuardedStore(MemoryStore(), "maybe")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("backend", "url", "on_error", "message"),
    [
        ("memcached", None, "allow", "state.backend"),
        ("redis", None, "allow", "state.url"),
        ("memory", None, "ignore", "state.on_error"),
    ],
)
def test_create_store_rejects_bad_config(
    backend: str, url: str | None, on_error: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_store(backend, url, on_error, "sluicegate:")


def test_create_store_rejects_braces_in_prefix() -> None:
    with pytest.raises(ValueError, match="hash tags"):
        create_store("redis", "redis://127.0.0.1:1/0", "allow", "bad{prefix}:")


async def test_create_store_builds_each_backend(clock: FakeClock) -> None:
    memory = create_store("memory", None, "deny", "x:", clock)
    assert isinstance(memory, MemoryStore)
    await memory.ban("ip", 10)
    clock.advance(10)
    assert await memory.banned("ip") is None  # the injected clock drives expiry
    redis_store = create_store("redis", "redis://127.0.0.1:1/0", "deny", "x:")
    assert isinstance(redis_store, GuardedStore) and redis_store.on_error == "deny"
    await redis_store.close()  # built without connecting; closing an idle pool is fine
