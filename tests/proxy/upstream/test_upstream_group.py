"""UpstreamGroup orchestration: retries, failover, quotas, breakers, budget, metrics, sharing.

Targets are scripted in-process ``FakeUpstream`` clients (no sockets); the group, balancers,
breakers, quotas and leases are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from typing import Any

import orjson
import pytest

from proxy.config.upstreams import ProviderConfig, TargetConfig, UpstreamConfig
from proxy.errors import GatewayError
from proxy.observe.metrics import Metrics
from proxy.state import MemoryStore
from proxy.testing import FakeReply, FakeUpstream, make_exchange
from proxy.upstream.client import (
    UpstreamBusy,
    UpstreamConnectError,
    UpstreamRequest,
    UpstreamTimeout,
)
from proxy.upstream.group import UpstreamGroup
from proxy.upstream.lease import Lease
from proxy.upstream.outbound import Outbound
from proxy.upstream.provider import Provider
from proxy.upstream.target import Target

CHAT = {"model": "chat", "messages": [{"role": "user", "content": "hi"}]}
OK = FakeReply.json({"choices": [{"message": {"content": "ok"}}]})

Script = Callable[[UpstreamRequest, bytes], FakeReply]


def always(reply: FakeReply) -> Script:
    return lambda request, body: reply


def refuse(request: UpstreamRequest, body: bytes) -> FakeReply:
    raise UpstreamConnectError("refused")


def hang(request: UpstreamRequest, body: bytes) -> FakeReply:
    raise UpstreamTimeout("no answer", "first_byte")


def busy(request: UpstreamRequest, body: bytes) -> FakeReply:
    raise UpstreamBusy("all connections busy", retry_after=5.0)


def status(code: int, retry_after: str | None = None) -> Script:
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    return always(FakeReply(code, headers, [b'{"error": {"message": "x"}}']))


def make_group(
    scripts: dict[str, Script],
    provider_settings: dict[str, dict[str, Any]] | None = None,
    *,
    metrics: Metrics | None = None,
    store: MemoryStore | None = None,
    name: str = "chat",
    **upstream: Any,
) -> tuple[UpstreamGroup, dict[str, FakeUpstream]]:
    clients = {n: FakeUpstream(script) for n, script in scripts.items()}
    providers = {
        n: Provider(
            n,
            ProviderConfig(
                type="openai",
                base_url=f"http://{n}.invalid/v1",
                api_key="sk-test",
                models={"chat": f"{n}-model"},
                **(provider_settings or {}).get(n, {}),
            ),
            client,
        )
        for n, client in clients.items()
    }
    settings: dict[str, Any] = {
        "balance": "failover",
        "retry": {"attempts": 3, "backoff": 0, "max_backoff": 0.05},
        **upstream,
    }
    config = UpstreamConfig(targets=[TargetConfig(provider=n) for n in scripts], **settings)
    group = UpstreamGroup(name, config, providers, metrics=metrics, store=store)
    return group, clients


def outbound(payload: dict[str, Any] | None = None) -> Outbound:
    payload = payload or CHAT
    return Outbound(
        "POST",
        "/v1/chat/completions",
        b"",
        [("content-type", "application/json")],
        orjson.dumps(payload),
        payload,
        payload.get("model"),
    )


async def send(group: UpstreamGroup, payload: dict[str, Any] | None = None) -> Lease:
    return await group.open(make_exchange(json=payload or CHAT), outbound(payload))


def by_name(group: UpstreamGroup, name: str) -> Target:
    return next(t for t in group.targets if t.provider_name == name)


async def test_a_failed_target_is_failed_over_with_the_next_targets_model_mapping() -> None:
    group, clients = make_group({"a": refuse, "b": always(OK)})
    lease = await send(group)
    assert lease.target.provider_name == "b"
    assert lease.response.status == 200
    assert orjson.loads(clients["b"].requests[0].body)["model"] == "b-model"
    assert clients["b"].requests[0].headers["authorization"] == "Bearer sk-test"
    await lease.close(True)
    assert by_name(group, "a").breaker.snapshot()["consecutive_failures"] == 1


async def test_a_client_error_is_passed_through_without_a_retry() -> None:
    group, clients = make_group({"a": status(400), "b": always(OK)})
    lease = await send(group)
    assert lease.response.status == 400
    assert clients["b"].requests == []
    await lease.close(True)
    assert by_name(group, "a").breaker.state == "closed"


async def test_an_error_inside_a_200_stream_is_retried_elsewhere() -> None:
    broken = FakeReply.sse([{"error": {"message": "overloaded"}}])
    fine = FakeReply.sse([{"choices": [{"delta": {"content": "hi"}}]}])
    group, _clients = make_group({"a": always(broken), "b": always(fine)})
    lease = await send(group)
    assert lease.target.provider_name == "b"
    body = b"".join([c async for c in lease.response.chunks()])
    assert b'"hi"' in body and b"overloaded" not in body
    await lease.close(True)
    assert by_name(group, "a").stats.error_rate() == 1.0


async def test_a_429_blocks_the_target_even_without_rpm_or_tpm() -> None:
    group, clients = make_group({"a": status(429, "30"), "b": always(OK)})
    lease = await send(group)
    assert lease.target.provider_name == "b"
    await lease.close(True)
    a = by_name(group, "a")
    assert a.quota is not None and a.quota.exhausted()
    assert a.breaker.state == "closed"  # busy is not broken
    # The next request does not even try a: it is skipped until Retry-After runs out.
    lease = await send(group)
    await lease.close(True)
    assert len(clients["a"].requests) == 1
    assert len(clients["b"].requests) == 2


async def test_a_long_retry_after_on_the_only_target_is_answered_not_waited_for() -> None:
    group, clients = make_group({"a": status(429, "30")})
    lease = await send(group)
    assert lease.response.status == 429  # the provider's own answer, at once
    assert len(clients["a"].requests) == 1
    await lease.close(True)
    # And while it is blocked, the next caller gets a 503 naming when to come back.
    with pytest.raises(GatewayError) as caught:
        await send(group)
    assert caught.value.status == 503
    assert 29 <= int(caught.value.headers["Retry-After"]) <= 30


async def test_a_short_retry_after_on_the_only_target_is_waited_out_then_retried() -> None:
    answers = iter([status(429, "0.01"), always(OK)])

    def script(request: UpstreamRequest, body: bytes) -> FakeReply:
        return next(answers)(request, body)

    group, clients = make_group({"a": script})
    lease = await send(group)
    assert lease.response.status == 200
    assert len(clients["a"].requests) == 2
    await lease.close(True)


async def test_when_every_target_is_down_the_error_is_the_last_failure() -> None:
    group, clients = make_group({"a": refuse, "b": hang})
    with pytest.raises(GatewayError) as caught:
        await send(group)
    # a, then b, then a again (only tried targets are left): the last failure is a's.
    assert caught.value.status == 502
    assert (len(clients["a"].requests), len(clients["b"].requests)) == (2, 1)


class IgnoresAvailability:
    """A balancer that picks the first non-excluded candidate, available or not: stands in
    for the race where a half-open breaker's probe slots fill between pick and permit."""

    name = "stub"
    needs_cost = False

    def pick(
        self,
        candidates: Sequence[Target],
        cost_of: Any = None,
        exclude: Collection[Target] = (),
    ) -> Target | None:
        fresh = [t for t in candidates if t not in exclude]
        return fresh[0] if fresh else None


async def test_a_target_with_busy_probe_slots_is_skipped_not_answered_with_503() -> None:
    group, clients = make_group({"a": always(OK), "b": always(OK)})
    group.balancer = IgnoresAvailability()
    a = by_name(group, "a")
    a.breaker.force_open(60)
    a.breaker.force_half_open()
    held = [a.breaker.allow() for _ in range(a.breaker.half_open)]
    assert all(held) and a.breaker.allow() is None
    lease = await send(group)
    assert lease.target.provider_name == "b"
    assert clients["a"].requests == []
    await lease.close(True)


async def test_all_targets_refusing_permits_gives_503_with_the_soonest_reopening() -> None:
    group, _clients = make_group({"a": always(OK), "b": always(OK)})
    by_name(group, "a").breaker.force_open(12)
    by_name(group, "b").breaker.force_open(40)
    with pytest.raises(GatewayError) as caught:
        await send(group)
    assert caught.value.status == 503
    assert caught.value.type == "no_available_target"
    assert caught.value.headers["Retry-After"] in {"11", "12"}


async def test_tokens_used_count_toward_tpm_and_a_spent_provider_is_skipped() -> None:
    group, _clients = make_group({"a": always(OK), "b": always(OK)}, {"a": {"tpm": 100}})
    ex = make_exchange(json=CHAT)
    lease = await group.open(ex, outbound())
    assert lease.target.provider_name == "a"
    ex.usage.input_tokens, ex.usage.output_tokens, ex.usage.reported = 60, 40, True
    await lease.close(True)
    a = by_name(group, "a")
    assert a.quota is not None
    assert a.quota.snapshot()["tokens_last_minute"] == 100
    lease = await send(group)
    assert lease.target.provider_name == "b"
    await lease.close(True)


async def test_the_retry_budget_caps_attempts_while_everything_is_down() -> None:
    group, clients = make_group(
        {"a": refuse, "b": refuse, "c": refuse},
        retry={"attempts": 3, "backoff": 0, "max_backoff": 0, "budget": 0.2},
        breaker={"failures": 1000, "min_requests": 1000},
    )
    requests = 200
    for _ in range(requests):
        with pytest.raises(GatewayError):
            await send(group)
    attempts = sum(len(c.requests) for c in clients.values())
    floor = group.budget.floor
    assert attempts <= requests * 1.2 + floor
    assert attempts < requests * 3  # without a budget it would be 600


async def test_the_breaker_opens_and_traffic_moves_without_paying_for_failures() -> None:
    group, clients = make_group(
        {"a": status(500), "b": always(OK)},
        breaker={"failures": 3, "open_for": 60},
    )
    for _ in range(10):
        lease = await send(group)
        assert lease.response.status == 200
        await lease.close(True)
    assert by_name(group, "a").breaker.state == "open"
    assert len(clients["a"].requests) == 3


async def test_attempts_ttfb_and_admission_show_up_in_metrics() -> None:
    metrics = Metrics()
    group, _clients = make_group(
        {"a": refuse, "b": always(OK)},
        metrics=metrics,
        name="metered",
        admission={"max_in_flight": 2, "queue": 4, "max_wait": 1},
    )
    lease = await send(group)
    text = metrics.render().decode()
    assert 'sluicegate_admission_in_flight{upstream="metered"} 1.0' in text
    await lease.close(True)
    text = metrics.render().decode()
    assert 'sluicegate_upstream_attempts_total{outcome="connect",provider="a"} 1.0' in text
    assert 'sluicegate_upstream_attempts_total{outcome="2xx",provider="b"} 1.0' in text
    assert 'sluicegate_upstream_ttfb_seconds_count{provider="b"} 1.0' in text
    assert 'sluicegate_admission_in_flight{upstream="metered"} 0.0' in text
    assert 'sluicegate_admission_queued{upstream="metered"} 0.0' in text
    assert (
        'sluicegate_admission_wait_seconds_count{outcome="admitted",upstream="metered"} 1.0' in text
    )


async def test_a_shared_breaker_opening_reaches_another_instance_through_the_store() -> None:
    store = MemoryStore()
    shared = {"failures": 2, "open_for": 60, "shared": True}
    one, _ = make_group({"a": status(500), "b": always(OK)}, store=store, breaker=shared)
    two, clients_two = make_group({"a": always(OK), "b": always(OK)}, store=store, breaker=shared)
    for _ in range(2):
        lease = await send(one)
        await lease.close(True)
    assert by_name(one, "a").breaker.state == "open"
    await one.close()  # drains the publish
    assert by_name(two, "a").breaker.state == "closed"
    await two.pull_shared()
    assert by_name(two, "a").breaker.state == "open"
    lease = await send(two)
    assert lease.target.provider_name == "b"
    await lease.close(True)
    assert clients_two["a"].requests == []
    await two.close()


async def test_without_sharing_no_breaker_state_is_written() -> None:
    store = MemoryStore()
    group, _ = make_group({"a": status(500), "b": always(OK)}, store=store, breaker={"failures": 1})
    lease = await send(group)
    await lease.close(True)
    await group.close()
    assert group.shared.syncs == []
    assert await store.get("breaker:chat:a") is None


async def test_a_full_provider_pool_is_a_503_with_retry_after_not_a_failure() -> None:
    group, clients = make_group({"a": busy})
    with pytest.raises(GatewayError) as caught:
        await send(group)
    assert caught.value.status == 503 and caught.value.type == "provider_busy"
    assert caught.value.headers["Retry-After"] == "5"
    # Tried once (its pool wait is spent), and the provider's breaker heard nothing of it.
    assert len(clients["a"].requests) == 1
    target = by_name(group, "a")
    assert target.breaker.snapshot()["consecutive_failures"] == 0
    assert target.stats.error_rate() == 0.0
    assert group.budget.snapshot()["retries_in_window"] == 0


async def test_a_full_provider_pool_fails_over_to_a_target_with_room() -> None:
    group, _clients = make_group({"a": busy, "b": always(OK)})
    lease = await send(group)
    assert lease.target.provider_name == "b" and lease.response.status == 200
    await lease.close(True)
    assert by_name(group, "a").breaker.state == "closed"


async def test_a_one_target_group_keeps_its_breaker_retries_and_half_open_probe() -> None:
    # The one-candidate path skips the balancer, not the breaker: failures open it, an open
    # breaker answers 503 without asking the provider, and after open_for one probe goes.
    replies = [refuse, refuse, always(OK)]
    group, clients = make_group(
        {"a": lambda request, body: replies.pop(0)(request, body)},
        retry={"attempts": 2, "backoff": 0, "max_backoff": 0},
        breaker={"failures": 2, "open_for": 0.05, "half_open": 1},
    )
    with pytest.raises(GatewayError) as refused:
        await send(group)  # refused, retried on the same target, refused again
    assert refused.value.status == 502
    assert len(clients["a"].requests) == 2
    assert by_name(group, "a").breaker.state == "open"
    with pytest.raises(GatewayError) as shed:
        await send(group)
    assert shed.value.status == 503 and shed.value.headers["Retry-After"] == "1"
    assert len(clients["a"].requests) == 2  # the open breaker kept it from the provider
    await asyncio.sleep(0.06)
    lease = await send(group)
    assert lease.response.status == 200
    await lease.close(True)
    assert by_name(group, "a").breaker.state == "closed"
