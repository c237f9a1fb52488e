"""cache plugin: HTTP semantics for GET (Cache-Control freshness, Vary, private answers), a
failing store, options refused at load, and the units under it (entries, request and
response rules, the LRU's bound). Split from ``test_cache.py``, whose harness it shares."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from plugins._cache.entry import Entry
from plugins._cache.http import request_rule, response_ttl
from plugins._cache.lru import ByteLru
from plugins.cache import Cache
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.testing import FailingStore, FakeUpstream, Harness
from tests.plugins.test_cache import WHO, Counting, chat, harness, metric, post


async def test_get_is_cached_per_cache_control_and_vary() -> None:
    headers = [(b"cache-control", b"max-age=30"), (b"vary", b"X-Tenant")]
    h, provider = harness(reply=Counting(headers=headers))
    a1 = await h.request("GET", "/v1/models", headers={"x-user": "u", "x-tenant": "a"})
    a2 = await h.request("GET", "/v1/models", headers={"x-user": "u", "x-tenant": "a"})
    b1 = await h.request("GET", "/v1/models", headers={"x-user": "u", "x-tenant": "b"})
    assert (a1.header("x-cache"), a2.header("x-cache"), b1.header("x-cache")) == (
        "MISS",
        "HIT",
        "MISS",
    )
    assert a2.body == a1.body and b1.json()["answer"] == 2
    assert (await h.request("GET", "/v1/models?x=1", headers={"x-user": "u"})).header(
        "x-cache"
    ) == "MISS"
    assert provider.calls == 3


@pytest.mark.parametrize("cache_control", [None, "no-store", "no-cache", "max-age=0"])
async def test_get_without_freshness_is_not_stored(cache_control: str | None) -> None:
    headers = [(b"cache-control", cache_control.encode())] if cache_control else []
    h, provider = harness(reply=Counting(headers=headers))
    for _ in range(2):
        await h.request("GET", "/v1/models", headers={"x-user": "u"})
    assert provider.calls == 2


async def test_private_get_is_kept_only_in_a_per_identity_cache() -> None:
    headers = [(b"cache-control", b"private, max-age=60")]
    own, own_calls = harness(reply=Counting(headers=headers))
    shared, shared_calls = harness({"shared": True}, reply=Counting(headers=headers))
    for h in (own, shared):
        for _ in range(2):
            await h.request("GET", "/v1/models", headers={"x-user": "u"})
    assert (own_calls.calls, shared_calls.calls) == (1, 2)


async def test_a_failing_store_degrades_to_misses_never_to_errors() -> None:
    services = Services(store=FailingStore("get", "set", "lead"), metrics=Metrics())
    h = Harness([WHO, (Cache, {"backend": "store"})], FakeUpstream(Counting()), services=services)
    results = [await post(h, chat()) for _ in range(2)]
    assert [r.status for r in results] == [200, 200]
    assert [r.header("x-cache") for r in results] == ["MISS", "MISS"]
    assert metric(h, "sluicegate_cache_stores_total", outcome="failed") == 2


@pytest.mark.parametrize(
    "options, message",
    [
        ({"ttl": 0}, "positive"),
        ({"max_bytes": 100, "max_entry_bytes": 200}, "max_entry_bytes"),
        ({"paths": ["chat/completions"]}, "must start with"),
        ({"key_fields": ["messages"]}, '"model"'),
        ({"key_fields": ["model"], "ignore_fields": ["user"]}, "not both"),
        ({"tll": "5m"}, "tll"),
        ({"backend": "disk"}, "backend"),
    ],
)
def test_bad_options_fail_at_load(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Cache.Options.model_validate(options)


def test_entry_round_trip_and_garbage() -> None:
    entry = Entry(200, (("content-type", "application/json"),), b'{"a":\n1}', 12.5)
    assert Entry.decode(entry.encode()) == entry
    assert Entry.decode(b"not an entry") is None
    assert Entry.decode(b"{}\nbody") is None


def test_request_and_response_rules() -> None:
    assert request_rule("No-Store", None).store is False
    assert request_rule(None, "no-cache").lookup is False
    assert request_rule("max-age=0", None).reason == "no_cache"
    assert request_rule(None, None).lookup is True
    assert response_ttl("s-maxage=5, max-age=50", None, shared=True, default=None) == 5
    assert response_ttl("s-maxage=5, max-age=50", None, shared=False, default=None) == 50
    assert response_ttl("max-age=5", "*", shared=False, default=None) is None
    assert response_ttl("max-age=abc", None, shared=False, default=None) is None
    assert response_ttl("no-cache", None, shared=False, default=300.0) == 300.0


def test_lru_refuses_values_larger_than_the_bound() -> None:
    lru = ByteLru(300, clock=lambda: 0.0)
    assert lru.set("k", b"x" * 50, 10) is True
    assert lru.set("big", b"x" * 400, 10) is False
    assert lru.get("k") == b"x" * 50 and lru.size == 1 + 50 + 200
    lru.set("k", b"y", 10)
    assert lru.size == 1 + 1 + 200 and len(lru) == 1
