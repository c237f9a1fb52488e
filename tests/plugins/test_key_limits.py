"""Per-key limits: an API key's ``limits`` table (identity.claims["limits"]) overrides what
rate_limit, token_limit and budget configure, for that key only; bad tables fail at load."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.responses import Response

from plugins._keys import KeyEntry, hash_key
from plugins._limits import KeyLimits, KeyLimitsReader, override_allowances
from plugins.api_key import ApiKey
from plugins.budget import Budget
from plugins.rate_limit import RateLimit
from plugins.token_limit import TokenLimit
from proxy.exchange import Exchange, Identity
from proxy.observe.metrics import Metrics
from proxy.plugin import Plugin, PluginOptions, Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, FakeReply, FakeUpstream, Harness, make_exchange

T0 = 86_400.0 * 20_000 + 3600  # 01:00 UTC on some day, mid-minute offsets don't matter
OWN = "sk-own-limits-000000000001"
PLAIN = "sk-plain-00000000000000002"
CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 97}
USAGE = FakeReply.json({"usage": {"prompt_tokens": 50, "completion_tokens": 50}})


def keys(limits: dict[str, Any]) -> str:
    return json.dumps(
        [
            {"id": "own", "hash": hash_key(OWN), "tier": "free", "limits": limits},
            {"id": "plain", "hash": hash_key(PLAIN), "tier": "free"},
        ]
    )


def make(
    monkeypatch: pytest.MonkeyPatch, limits: dict[str, Any], plugin: Any, options: dict[str, Any]
) -> Harness:
    monkeypatch.setenv("TEST_KEYS", keys(limits))
    clock = FakeClock(T0)
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    chain = [(ApiKey, {"keys_env": "TEST_KEYS"}), (plugin, options)]
    return Harness(chain, FakeUpstream(USAGE), services=services)


async def statuses(h: Harness, key: str, n: int) -> list[int]:
    return [
        (await h.request("POST", json=CHAT, headers={"X-API-Key": key})).status for _ in range(n)
    ]


async def test_rate_and_burst_replace_the_main_limiter_for_that_key_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = make(
        monkeypatch,
        {"rate": "2/minute", "burst": 3},
        RateLimit,
        {"key": "identity.key", "limit": "1/minute", "tiers": {"free": "1/hour"}},
    )
    assert await statuses(h, OWN, 5) == [200, 200, 200, 200, 429]  # burst 3: 4 at once
    assert await statuses(h, PLAIN, 2) == [200, 429]  # the tier limit still applies to others
    first = await h.request("POST", json=CHAT, headers={"X-API-Key": OWN})
    assert first.header("ratelimit-policy") == '"key";q=4;w=120'


async def test_a_burst_alone_keeps_the_configured_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    h = make(monkeypatch, {"burst": 2}, RateLimit, {"key": "identity.key", "limit": "1/hour"})
    assert await statuses(h, OWN, 4) == [200, 200, 200, 429]
    assert await statuses(h, PLAIN, 2) == [200, 429]


async def test_key_limits_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    options = {"key": "identity.key", "limit": "1/hour", "key_limits": False}
    h = make(monkeypatch, {"rate": "100/second"}, RateLimit, options)
    assert await statuses(h, OWN, 2) == [200, 429]


async def test_tokens_per_window_override_the_tier_allowance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # each request reserves 3 (prompt) + 97 (max_tokens) = 100 tokens, settles 100 used
    options = {"per_minute": 150, "tiers": {"free": {"per_minute": 100, "per_day": 10_000}}}
    h = make(monkeypatch, {"tokens_per_minute": 300}, TokenLimit, options)
    assert await statuses(h, OWN, 4) == [200, 200, 200, 429]
    assert await statuses(h, PLAIN, 2) == [200, 429]
    refused = await h.request("POST", json=CHAT, headers={"X-API-Key": OWN})
    assert "300 tokens" in refused.json()["error"]["message"]


async def test_usd_per_day_overrides_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # 100 tokens at $0.10 / 1k = $0.01 per request, reserved and settled
    options = {"per_day": 0.5, "max_cost_per_1k_tokens": 0.1}
    h = make(monkeypatch, {"usd_per_day": 0.025}, Budget, options)
    assert await statuses(h, OWN, 3) == [200, 200, 402]
    assert await statuses(h, PLAIN, 3) == [200, 200, 200]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"rate": "lots"}, "rate"),
        ({"tokens_per_day": 0}, "tokens_per_day"),
        ({"usd_per_month": -1}, "usd_per_month"),
        ({"tokens_per_week": 5}, "tokens_per_week"),  # a typo must not be silently ignored
    ],
)
def test_bad_key_limits_fail_at_load(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        KeyEntry.model_validate({"id": "k", "hash": hash_key("x"), "limits": limits})


def test_key_file_limits_are_normalised() -> None:
    entry = KeyEntry.model_validate(
        {"id": "k", "hash": hash_key("x"), "limits": {"rate": "10/s", "usd_per_day": 2}}
    )
    assert entry.limits == {"rate": "10/second", "usd_per_day": 2.0}


class Claims(Plugin):
    """Stand-in for a JWT from another identity provider: any ``limits`` claim at all."""

    name = "claims"
    Options = PluginOptions
    limits: Any = None

    async def on_request(self, ex: Exchange) -> Response | None:
        ex.identity = Identity("u", claims={"limits": type(self).limits})
        return None


@pytest.mark.parametrize(
    "claim",
    [{"rate": "nonsense"}, {"rate": ["1/s"]}, "1/s", {"rate": {"nested": 1}}, [], {}],
)
def test_unusable_limits_claims_are_ignored(claim: Any) -> None:
    ex = make_exchange()
    ex.identity = Identity("u", claims={"limits": claim})
    assert KeyLimitsReader()(ex) is None


def test_reader_parses_each_table_once_and_stays_bounded() -> None:
    reader = KeyLimitsReader()
    seen = set()
    for i in range(3000):
        ex = make_exchange()
        ex.identity = Identity("u", claims={"limits": {"rate": f"{i % 1500 + 1}/minute"}})
        parsed = reader(ex)
        assert parsed is not None and parsed.rate is not None
        assert parsed.rate.count == i % 1500 + 1
        seen.add(id(parsed))
    assert len(reader._parsed) <= 1024


async def test_malformed_claim_falls_back_to_the_configured_limit() -> None:
    Claims.limits = {"rate": "not a rate"}
    h = Harness([(Claims, {}), (RateLimit, {"key": "identity.subject", "limit": "1/hour"})])
    assert [(await h.request("POST", json=CHAT)).status for _ in range(2)] == [200, 429]


def test_override_allowances_merges_windows_in_order() -> None:
    own = KeyLimits.model_validate({"tokens_per_day": 5, "tokens_per_minute": 1})
    base = override_allowances((), {"hour": 7.0})
    merged = override_allowances(base, own.windows("tokens"))
    assert [(a.window, a.limit) for a in merged] == [("minute", 1.0), ("hour", 7.0), ("day", 5.0)]
    assert own.windows("usd") == {}
