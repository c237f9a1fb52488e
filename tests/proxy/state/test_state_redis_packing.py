"""The redis store's GCRA call packed once per limiter and caller: the bytes it sends are
hiredis's for the whole command, the memo of packed callers is bounded across limiters, and
the reply becomes the decision the memory backend's arithmetic describes."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

import pytest

from proxy.config.types import Rate
from proxy.state.base import NEVER, GcraDecision
from proxy.state.client import RedisClient
from proxy.state.packing import Script
from proxy.state.redis import _PACKED_KEYS, RedisStore
from proxy.state.resp import Convert


class Recorder:
    """A ``RedisClient`` that keeps what ``gcra`` sends and answers nothing."""

    kind = "recorder"

    def __init__(self) -> None:
        self.sent: list[tuple[Script, str, bytes, Convert | None]] = []

    def evalsha(
        self, script: Script, key: str, command: bytes, convert: Convert | None = None
    ) -> Awaitable[Any]:
        self.sent.append((script, key, command, convert))
        return cast(Awaitable[Any], None)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def store(recorder: Recorder) -> RedisStore:
    return RedisStore(cast(RedisClient, recorder), "pfx:")


def test_the_command_is_the_whole_evalsha_as_hiredis_packs_it(
    store: RedisStore, recorder: Recorder
) -> None:
    rate = Rate(10, 1.0)
    keys = ["caller-a", "caller-a", "ключ-b"]
    for key in keys:
        store.gcra(key, rate, 4, 2)
    for (script, name, command, _), key in zip(recorder.sent, keys, strict=True):
        assert name == f"pfx:rl:{{{key}}}"
        assert command == script.command([name], [repr(rate.interval * 1e6), 4, 2])
    assert recorder.sent[0][2] is recorder.sent[1][2]  # packed once


def test_each_call_is_packed_for_its_own_limiter_whatever_came_last(
    store: RedisStore, recorder: Recorder
) -> None:
    """The last limiter's call is reused only for the same rate object, burst and cost:
    limiters taking turns, a burst or cost of their own on the same rate, and an equal rate
    built anew each send their own arguments; each decision reads its own limit."""
    rate = Rate(10, 1.0)
    calls = [(rate, 4, 1), (Rate(1, 60.0), 4, 1), (rate, 4, 1), (rate, 9, 1), (rate, 4, 3),
             (Rate(10, 1.0), 4, 1), (rate, 4, 1), (Rate(10, 2.0), 4, 1)]  # fmt: skip
    for each, burst, cost in calls:
        store.gcra("caller", each, burst, cost)
    for (script, name, command, convert), (each, burst, cost) in zip(
        recorder.sent, calls, strict=True
    ):
        assert command == script.command([name], [repr(each.interval * 1e6), burst, cost])
        assert convert is not None and convert([1, 0, b"0", b"0"]).limit == burst + 1


def test_an_empty_key_is_refused_every_time(store: RedisStore) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="non-empty"):
            store.gcra("", Rate(1, 1.0), 0)


def test_the_packed_callers_are_bounded_across_limiters(
    store: RedisStore, recorder: Recorder
) -> None:
    rates = [Rate(n, 1.0) for n in (1, 2, 3)]
    for i in range(_PACKED_KEYS + 10):
        store.gcra(f"k{i}", rates[i % 3], 0)
    kept = sum(len(call.commands) for call in store._gcra_calls.values())
    assert 0 < kept <= _PACKED_KEYS
    store.gcra("k0", rates[0], 0)  # packed again after the memo was cleared: the same bytes
    first = next(s for s in recorder.sent if s[1] == "pfx:rl:{k0}")
    assert recorder.sent[-1][2] == first[2]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ([1, 3, b"0", b"1500000"], GcraDecision(True, 5, 3, 0.0, 1.5)),
        ([0, 0, b"250000.5", b"4000000"], GcraDecision(False, 5, 0, 0.2500005, 4.0)),
        ([0, 2, b"-1", b"-3"], GcraDecision(False, 5, 2, NEVER, 0.0)),
    ],
    ids=["allowed", "refused", "never"],
)
def test_the_reply_becomes_the_decision(
    store: RedisStore, recorder: Recorder, reply: list[Any], expected: GcraDecision
) -> None:
    store.gcra("k", Rate(1, 1.0), 4)
    convert = recorder.sent[0][3]
    assert convert is not None
    decision = convert(reply)
    assert decision == expected and isinstance(decision, GcraDecision)
    assert decision.allowed is expected.allowed
