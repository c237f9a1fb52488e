"""rate_limit through the real pipeline (Harness) on a memory store driven by a fake clock."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plugins._limits import KeySpec
from plugins.rate_limit import _FIELDS_KEPT, RateLimit, rate_limit_fields, rate_limit_headers
from proxy.exchange import Identity
from proxy.state import GcraDecision, GuardedStore, MemoryStore
from proxy.testing import (
    FailingStore,
    FakeClock,
    FakeReply,
    FakeUpstream,
    Harness,
    TestIdentity,
    make_exchange,
)

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def harness(clock: FakeClock | None = None, **options: Any) -> Harness:
    store = MemoryStore(clock=clock or FakeClock())
    return Harness([(TestIdentity, {}), (RateLimit, options)], store=store)


async def send(h: Harness, **kw: Any) -> Any:
    return await h.request("POST", json=CHAT, **kw)


async def test_burst_then_refusal_with_retry_after_and_headers() -> None:
    clock = FakeClock()
    h = harness(clock, limit="10/second", burst=4)
    statuses = [(await send(h)).status for _ in range(5)]
    assert statuses == [200] * 5
    refused = await send(h)
    assert refused.status == 429
    assert refused.json()["error"]["type"] == "rate_limited"
    assert refused.header("retry-after") == "1"
    assert refused.header("ratelimit") == '"default";r=0;t=1'
    assert refused.header("x-ratelimit-remaining") == "0"
    assert [e.type for e in refused.exchange.events] == ["rate_limited"]
    assert len(h.upstream.requests) == 5
    clock.now += 0.1  # one emission interval later, exactly one more fits
    assert (await send(h)).status == 200
    assert (await send(h)).status == 429


async def test_headers_on_every_admitted_response() -> None:
    h = harness(limit="60/minute", burst=9)
    first = await send(h)
    assert first.header("ratelimit-policy") == '"default";q=10;w=10'
    assert first.header("ratelimit") == '"default";r=9;t=1'
    assert first.header("x-ratelimit-limit") == "10"
    assert first.header("x-ratelimit-remaining") == "9"
    second = await send(h)
    assert second.header("x-ratelimit-remaining") == "8"
    assert second.header("x-ratelimit-reset") == "2"


async def test_our_fields_replace_the_provider_s_and_appear_once() -> None:
    reply = FakeReply.json({"choices": []})
    reply.headers += [(b"x-ratelimit-limit", b"999"), (b"ratelimit", b"provider"),
                      (b"x-other", b"kept")]  # fmt: skip
    store = MemoryStore(clock=FakeClock())
    h = Harness([(TestIdentity, {}), (RateLimit, {"limit": "60/minute"})], FakeUpstream(reply),
                store=store)  # fmt: skip
    result = await send(h)
    names = [name for name, _ in result.headers]
    for name in ("ratelimit-policy", "ratelimit", "x-ratelimit-limit", "x-ratelimit-remaining",
                 "x-ratelimit-reset"):  # fmt: skip
        assert names.count(name) == 1, name
    assert result.header("x-ratelimit-limit") == "1"
    assert result.header("ratelimit") == '"default";r=0;t=1'
    assert result.header("x-other") == "kept"


async def test_headers_can_be_switched_off() -> None:
    h = harness(limit="1/minute", headers=False)
    assert (await send(h)).header("ratelimit") is None
    refused = await send(h)
    assert refused.status == 429 and refused.header("ratelimit") is None
    assert refused.header("retry-after") == "60"


async def test_subject_key_separates_callers_and_anonymous_falls_back_to_ip() -> None:
    h = harness(key="identity.subject", limit="1/minute")
    assert (await send(h, headers={"x-sub": "alice"})).status == 200
    assert (await send(h, headers={"x-sub": "alice"})).status == 429
    assert (await send(h, headers={"x-sub": "bob"})).status == 200
    # no identity: one bucket per client address, not one shared anonymous bucket
    assert (await send(h, client_ip="10.0.0.1")).status == 200
    assert (await send(h, client_ip="10.0.0.2")).status == 200
    assert (await send(h, client_ip="10.0.0.1")).status == 429


async def test_combined_key_and_header_key() -> None:
    h = harness(key=["identity.subject", "header.x-project"], limit="1/minute")
    alice_a = {"x-sub": "alice", "x-project": "a"}
    assert (await send(h, headers=alice_a)).status == 200
    assert (await send(h, headers=alice_a)).status == 429
    assert (await send(h, headers={"x-sub": "alice", "x-project": "b"})).status == 200


def test_key_spec_resolution_and_bounds() -> None:
    ex = make_exchange(headers={"x-h": "v" * 500}, client_ip="192.0.2.7")
    key, fell_back = KeySpec(["identity.subject", "header.x-h"]).resolve(ex)
    assert fell_back
    assert key.startswith("ip=192.0.2.7|header.x-h=h:")
    assert len(key) < 100  # a huge client-controlled header never makes a huge store key
    ex.identity = Identity("alice", tier="pro")
    assert KeySpec(["identity.tier", "ip"]).resolve(ex) == ("identity.tier=pro|ip=192.0.2.7", False)
    assert KeySpec(["identity.key"]).resolve(ex) == ("ip=192.0.2.7", True)
    # one part (the fast path) reads as the general path does, bounds and fallback included
    assert KeySpec(["identity.subject"]).resolve(ex) == ("identity.subject=alice", False)
    assert KeySpec(["header.x-h"]).resolve(ex) == (key.split("|")[1], False)
    assert KeySpec(["header.x-missing"]).resolve(ex) == ("ip=192.0.2.7", True)
    # key() (rate_limit's path) is resolve's key, on its fast path and off it
    for parts in (["identity.subject"], ["header.x-h"], ["header.x-missing"], ["ip"],
                  ["identity.tier", "ip"], ["identity.key"]):  # fmt: skip
        assert KeySpec(parts).key(ex) == KeySpec(parts).resolve(ex)[0]


@pytest.mark.parametrize(
    "decisions",
    [
        [GcraDecision(True, 5, 4, 0.0, 0.2)],
        [GcraDecision(True, 7, 4, 0.0, 0.2)],  # a limit other than the limiter's capacity
        [GcraDecision(False, 5, 0, 1.5, 3.0)],
        [GcraDecision(False, 5, 0, math.inf, 3.0)],
        [GcraDecision(True, 5, 4, 0.0, 0.2), GcraDecision(True, 101, 7, 0.0, 9.5)],
        [GcraDecision(True, 101, 0, 0.0, 9.5), GcraDecision(False, 5, 0, 2.0, 4.0)],
        # the fast path's comparisons in place of max/ceil/isinf: a full bucket (no wait), a
        # wait of exactly one second, a sub-second one, a large remaining count
        [GcraDecision(True, 5, 5, 0.0, 0.0)],
        [GcraDecision(True, 5, 4, 0.0, 1.0)],
        [GcraDecision(True, 5, 4, 0.0, 1e-9)],
        [GcraDecision(True, 1000001, 999873, 0.0, 0.000731)],
        [GcraDecision(False, 5, 0, 0.25, 0.0)],
    ],
)
def test_response_fields_are_the_headers_encoded(decisions: list[GcraDecision]) -> None:
    """The bytes the response path writes (one limiter: the fast path) are exactly the
    header dict the refusal path sends, encoded."""
    h = harness(limit="10/second", burst=4, limits=[{"limit": "100/minute", "burst": 100}])
    plugin = h.chain.links[1].plugin
    assert isinstance(plugin, RateLimit)
    limiters = plugin.limiters_for(make_exchange())
    pairs = list(zip(limiters, decisions, strict=False))
    expected = tuple(
        (name.lower().encode(), value.encode()) for name, value in rate_limit_headers(pairs).items()
    )
    assert rate_limit_fields(pairs) == expected


_WAITS = st.sampled_from([0.0, 1e-9, 0.25, 1.0, 1.0000001, 2.5, 86399.5, math.inf]) | st.floats(
    0.0, 1e6, allow_nan=False
)
_STATES = st.tuples(st.booleans(), st.integers(0, 300), _WAITS, _WAITS)


@settings(max_examples=200, deadline=None)
@given(st.lists(_STATES, min_size=1, max_size=300))
@example([(True, 4, 0.0, 0.2), (False, 0, 1.5, 3.0), (True, 4, 0.0, 0.2), (False, 0, 1.0, 1.0)])
@example([(False, 0, math.inf, 3.0), (True, 5, 0.0, 0.0), (False, 0, math.inf, 3.0)])
def test_kept_fields_are_the_headers_encoded(states: list[tuple[bool, int, float, float]]) -> None:
    """The one-limiter fields, looked up by (remaining, seconds) once formatted, are byte for
    byte the header dict the refusal path sends, whatever came before: repeated states
    (the lookup), states past the bound (the kept fields cleared), refusals, Retry-After
    that never comes, resets on and just past a whole second."""
    h = harness(limit="10/second", burst=4)
    plugin = h.chain.links[1].plugin
    assert isinstance(plugin, RateLimit)
    (limiter,) = plugin.limiters_for(make_exchange())
    for allowed, remaining, retry_after, reset_after in states:
        decision = GcraDecision(allowed, limiter.capacity, remaining,
                                0.0 if allowed else retry_after, reset_after)  # fmt: skip
        expected = tuple(
            (name.lower().encode(), value.encode())
            for name, value in rate_limit_headers([(limiter, decision)]).items()
        )
        assert rate_limit_fields([(limiter, decision)]) == expected
        assert rate_limit_fields([(limiter, decision)]) == expected  # the kept ones
        assert len(limiter.fields) <= _FIELDS_KEPT


@pytest.mark.parametrize("key_limits", [True, False])
async def test_the_limiters_charged_are_limiters_for(key_limits: bool) -> None:
    """on_request picks the usual limiters without calling ``limiters_for``: for every kind
    of caller it charges exactly the limiters ``limiters_for`` names, in order."""
    minute = [{"limit": "100/minute", "name": "minute"}]
    h = harness(key="identity.subject", limit="10/second", tiers={"pro": "20/second"},
                limits=minute, key_limits=key_limits)  # fmt: skip
    plugin = h.chain.links[1].plugin
    assert isinstance(plugin, RateLimit)
    untiered = Harness([(RateLimit, {"key": "identity.subject", "limit": "5/second",
                                     "key_limits": key_limits})], store=MemoryStore())  # fmt: skip
    bare = untiered.chain.links[0].plugin
    assert isinstance(bare, RateLimit)
    callers = [
        None,
        Identity(subject="a"),
        Identity(subject="b", tier="pro"),
        Identity(subject="c", tier="free"),
        Identity(subject="d", claims={"limits": {"rate": "3/second"}}),
        Identity(subject="e", tier="pro", claims={"limits": {"burst": 7}}),
        Identity(subject="f", claims={"other": 1}),
    ]
    mains = set()
    for each in (plugin, bare):
        for identity in callers:
            ex = make_exchange()
            ex.identity = identity
            assert await each.on_request(ex) is None
            charged = [limiter for limiter, _ in ex.state_for(each, list)]
            assert charged == each.limiters_for(ex)
            mains.add(charged[0].name)
    # the callers took every path: the default, a tier's, and (when honoured) their own
    assert mains == {"default", "tier-pro"} | ({"key"} if key_limits else set())


async def test_tiers_replace_the_main_limit() -> None:
    h = harness(
        key="identity.subject",
        limit="1/minute",
        tiers={"free": "1/hour", "pro": {"limit": "3/minute", "burst": 2}},
    )
    pro = {"x-sub": "p", "x-tier": "pro"}
    assert [(await send(h, headers=pro)).status for _ in range(4)] == [200, 200, 200, 429]
    free = {"x-sub": "f", "x-tier": "free"}
    first = await send(h, headers=free)
    assert first.header("ratelimit-policy") == '"tier-free";q=1;w=3600'
    assert (await send(h, headers=free)).status == 429
    other = {"x-sub": "o", "x-tier": "enterprise"}  # unlisted tier -> the main limit
    assert [(await send(h, headers=other)).status for _ in range(2)] == [200, 429]


async def test_several_limiters_all_must_admit_and_all_are_reported() -> None:
    clock = FakeClock()
    h = harness(
        clock,
        limits=[
            {"limit": "2/second", "burst": 1, "name": "second"},
            {"limit": "3/day", "name": "day"},
        ],
    )
    first = await send(h)
    assert first.header("ratelimit-policy") == '"second";q=2;w=1, "day";q=1;w=28800'
    assert (await send(h)).status == 429  # the day limiter has burst 0: one at a time
    clock.now += 28800
    ok = await send(h)
    assert ok.status == 200
    assert ok.header("ratelimit").startswith('"second";r=1;t=1, "day";r=0;')
    # tightest limiter wins in X-RateLimit-*
    assert ok.header("x-ratelimit-limit") == "1"


async def test_first_refusal_stops_later_limiters_being_charged() -> None:
    clock = FakeClock()
    h = harness(
        clock,
        limits=[{"limit": "1/minute", "name": "a"}, {"limit": "2/minute", "burst": 1, "name": "b"}],
    )
    assert (await send(h)).status == 200
    for _ in range(3):
        refused = await send(h)
        assert refused.status == 429
        assert '"b"' not in refused.header("ratelimit")
    clock.now += 60
    admitted = await send(h)
    assert admitted.status == 200
    # b was charged only twice (by the two admitted requests): one of its two slots is left
    assert '"b";r=1' in admitted.header("ratelimit")


async def test_cost_larger_than_bucket_is_always_refused() -> None:
    h = harness(limit="5/minute", burst=1, cost=3)
    refused = await send(h)
    assert refused.status == 429
    assert "exceeds" in refused.json()["error"]["message"]


async def test_monitor_mode_records_but_lets_through() -> None:
    h = harness(limit="1/minute", mode="monitor")
    assert (await send(h)).status == 200
    second = await send(h)
    assert second.status == 200
    assert [(e.type, e.monitored) for e in second.exchange.events] == [("rate_limited", True)]
    assert second.header("x-ratelimit-remaining") == "0"


async def test_concurrent_requests_admit_exactly_the_allowance() -> None:
    h = harness(limit="1/hour", burst=49)
    results = await asyncio.gather(*(send(h) for _ in range(200)))
    statuses = [r.status for r in results]
    assert statuses.count(200) == 50
    assert statuses.count(429) == 150
    assert len(h.upstream.requests) == 50


@pytest.mark.parametrize("on_error", ["allow", "deny"])
async def test_store_failure_follows_on_error(on_error: Any) -> None:
    store = GuardedStore(FailingStore("gcra"), on_error)
    h = Harness([(RateLimit, {"limit": "1/minute"})], store=store)
    results = [await send(h) for _ in range(3)]
    if on_error == "allow":
        assert [r.status for r in results] == [200, 200, 200]
    else:
        assert [r.status for r in results] == [503, 503, 503]
        assert results[0].json()["error"]["type"] == "state_unavailable"
        assert results[0].header("retry-after") == "1"
    assert store.errors_total == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs `limit`"),
        ({"limit": "60/min"}, "count>/<second"),
        ({"limit": "1/s", "key": "identity.email"}, "unknown key source"),
        ({"limit": "1/s", "key": ["ip", "ip"]}, "twice"),
        ({"limit": "1/s", "burst": -1}, "greater than or equal"),
        ({"limit": "1/s", "tiers": {"a b": "1/s"}}, "must be 1-64"),
        (
            {
                "limit": "1/s",
                "limits": [{"limit": "1/s", "name": "x"}, {"limit": "2/s", "name": "x"}],
            },
            "duplicate",
        ),
        ({"limit": "1/s", "typo": 1}, "Extra inputs"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RateLimit.Options.model_validate(options)
