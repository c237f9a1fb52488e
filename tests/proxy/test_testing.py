"""The test kit itself: the fakes third-party plugin authors use behave as documented."""

from __future__ import annotations

import httpx
import pytest

from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import GuardedStore, StateUnavailable
from proxy.testing import FailingStore, FakeClock, FakeHttp, Harness, TestIdentity


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(50.0)
    assert clock() == clock() == 50.0
    clock.advance(2.5)
    assert clock() == 52.5


async def test_failing_store_fails_the_named_calls_only() -> None:
    store = FailingStore("get")
    with pytest.raises(StateUnavailable):
        await store.get("k")
    await store.set("k", b"v", None)  # not named: works
    assert store.failed == ["get"]
    everything = FailingStore()
    with pytest.raises(StateUnavailable):
        await everything.incr("k", 1, 60)
    with pytest.raises(ValueError, match="no call 'gett'"):
        FailingStore("gett")
    guarded = GuardedStore(FailingStore("get"), "allow")
    assert await guarded.get("k") is None  # on_error = allow: a miss, not an error


async def test_test_identity_from_headers_or_fixed() -> None:
    h = Harness([(TestIdentity, {})])
    anonymous = await h.request("POST", json={"model": "m"})
    assert anonymous.exchange.identity is None
    known = await h.request(
        "POST", json={"model": "m"}, headers={"X-Sub": "ann", "X-Tier": "gold", "X-Key": "k1"}
    )
    identity = known.exchange.identity
    assert identity is not None
    assert (identity.subject, identity.tier, identity.key_id) == ("ann", "gold", "k1")
    restricted = await h.request(
        "POST", json={"model": "other"}, headers={"X-Sub": "ann", "X-Models": "m,n"}
    )
    assert restricted.status == 403  # the core enforces allowed_models for any identity
    fixed = Harness([(TestIdentity, {"subject": "svc", "tier": "free"})])
    who = (await fixed.request("GET", "/v1/models")).exchange.identity
    assert who is not None and (who.subject, who.tier) == ("svc", "free")
    await h.close()
    await fixed.close()


async def test_fake_http_answers_in_process_and_records() -> None:
    http = FakeHttp(
        {
            "https://idp.test/jwks.json": {"keys": []},
            "/hook": httpx.Response(202),
            "/echo": lambda r: httpx.Response(200, content=r.content),
        }
    )
    services = Services(store=FailingStore(), metrics=Metrics(), http_factory=lambda: http)
    client = services.http
    assert (await client.get("https://idp.test/jwks.json")).json() == {"keys": []}
    assert (await client.post("https://any.test/hook")).status_code == 202
    assert (await client.post("https://any.test/echo", content=b"x")).content == b"x"
    assert (await client.get("https://idp.test/other")).status_code == 404
    assert [r.url.path for r in http.requests] == ["/jwks.json", "/hook", "/echo", "/other"]
    await services.close()


async def test_a_plugin_typed_by_its_options_runs_like_any_other() -> None:
    from pydantic import Field

    from sluicegate.api import Exchange, Plugin, PluginOptions, Response

    class StampOptions(PluginOptions):
        value: str = Field("x", description="What to stamp.")

    class Stamp(Plugin[StampOptions]):
        name = "stamp"
        Options = StampOptions

        async def on_request(self, ex: Exchange) -> Response | None:
            ex.request_headers["x-stamp"] = self.options.value  # typed: StampOptions
            return None

    h = Harness([(Stamp, {"value": "ok"})])
    await h.request("POST", json={"model": "m"})
    assert h.upstream.requests[0].headers["x-stamp"] == "ok"
    await h.close()
