"""budget: USD reserved before forwarding (402 when it does not fit), settled from usage."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from plugins._limits import window_slot
from plugins.budget import Budget
from proxy.exchange import Usage
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, FakeReply, FakeUpstream, Harness, TestIdentity

T0 = 86_400.0 * 20_000 + 3600  # 01:00 UTC on some day


CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
ALICE = {"x-sub": "alice"}
THOUSANDS = FakeReply.json({"usage": {"prompt_tokens": 1000, "completion_tokens": 1000}})


def make(reply: FakeReply | None = None, **options: Any) -> tuple[Harness, MemoryStore, FakeClock]:
    clock = FakeClock(T0)
    store = MemoryStore(clock=clock)
    services = Services(store=store, metrics=Metrics(), clock=clock)
    h = Harness(
        [(TestIdentity, {}), (Budget, options)], FakeUpstream(reply or THOUSANDS), services=services
    )
    return h, store, clock


async def spent(
    store: MemoryStore, clock: FakeClock, who: str = "alice", window: Any = "day"
) -> float:
    suffix, _ = window_slot(window, clock.now)
    return await store.adjust(f"budget:budget:{suffix}:identity.subject={who}", 0, 60)


async def test_stops_a_caller_at_the_limit_with_402() -> None:
    # each call really costs 2,000 tokens x $0.01/1k = $0.02; $0.03 is reserved up front
    h, store, clock = make(
        per_day=0.10, estimate_cost_per_request=0.03, max_cost_per_1k_tokens=0.01
    )
    statuses = [(await h.request("POST", json=CHAT, headers=ALICE)).status for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 402]  # 0.08 spent; 0.08 + 0.03 > 0.10
    assert len(h.upstream.requests) == 4
    assert await spent(store, clock) == pytest.approx(0.08)
    refused = await h.request("POST", json=CHAT, headers=ALICE)
    assert refused.json()["error"]["type"] == "budget_exceeded"
    assert refused.header("retry-after") == str(23 * 3600)  # until the UTC day ends
    assert [e.type for e in refused.exchange.events] == ["budget_exceeded"]
    assert (await h.request("POST", json=CHAT, headers={"x-sub": "bob"})).status == 200


async def test_token_priced_estimate_uses_max_tokens() -> None:
    h, store, clock = make(per_day=1.0, max_cost_per_1k_tokens=1.0)
    # 3 input tokens + 997 output asked = 1,000 tokens = $1.00: fits exactly once
    big = {**CHAT, "max_tokens": 997}
    assert (await h.request("POST", json=big, headers=ALICE)).status == 200
    # the real cost (2,000 tokens = $2.00) is settled even beyond the limit: nothing more fits
    assert await spent(store, clock) == pytest.approx(2.0)
    assert (await h.request("POST", json={**CHAT, "max_tokens": 1}, headers=ALICE)).status == 402


async def test_month_window_and_tiers() -> None:
    h, store, clock = make(
        per_month=0.05,
        estimate_cost_per_request=0.01,
        max_cost_per_1k_tokens=0.01,
        tiers={"gold": {"per_day": 100.0}},
    )
    gold = {"x-sub": "g", "x-tier": "gold"}
    assert [(await h.request("POST", json=CHAT, headers=gold)).status for _ in range(5)] == [
        200
    ] * 5
    assert [(await h.request("POST", json=CHAT, headers=ALICE)).status for _ in range(3)] == [
        200,
        200,
        402,
    ]
    assert await spent(store, clock, window="month") == pytest.approx(0.04)


async def test_unreported_success_keeps_the_estimate_and_errors_are_refunded() -> None:
    h, store, clock = make(
        FakeReply.json({"ok": True}), per_day=1.0, estimate_cost_per_request=0.25
    )
    assert (await h.request("POST", json=CHAT, headers=ALICE)).status == 200
    assert await spent(store, clock) == pytest.approx(0.25)
    h.upstream.reply = FakeReply.json({"error": {"message": "x"}}, status=502)
    assert (await h.request("POST", json=CHAT, headers=ALICE)).status == 502
    assert await spent(store, clock) == pytest.approx(0.25)


async def test_zero_estimate_still_refuses_once_spent() -> None:
    h, store, clock = make(per_day=0.02, estimate_cost_per_request=0.0, max_cost_per_1k_tokens=None)
    plugin = h.chain.plugins[1]
    assert isinstance(plugin, Budget)
    assert plugin.actual_cost(Usage(10, 10, cost=0.03, reported=True)) == 0.03
    await store.adjust((await _key(clock)), 0.02, 60)  # already spent to the limit
    assert (await h.request("POST", json=CHAT, headers=ALICE)).status == 402


async def _key(clock: FakeClock) -> str:
    suffix, _ = window_slot("day", clock.now)
    return f"budget:budget:{suffix}:identity.subject=alice"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"per_day": 1.0}, "estimate_cost_per_request or max_cost_per_1k_tokens"),
        ({"estimate_cost_per_request": 0.1}, "needs per_day"),
        ({"per_day": -1, "estimate_cost_per_request": 0.1}, "greater than 0"),
        ({"per_week": 1, "estimate_cost_per_request": 0.1}, "Extra inputs"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Budget.Options.model_validate(options)
