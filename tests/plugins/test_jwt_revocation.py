"""The jti denylist's local "not revoked" memory: what it saves, and how late a revocation
made elsewhere can take effect (at most ``revocation_cache``), driven by a fake clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson
import pytest

from plugins._jwt.revocation import REVOKED_PREFIX, Denylist
from plugins.jwt import Jwt
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness

SECRET = "revocation-test-secret-0123456789abcdef"


class CountingStore(MemoryStore):
    """A memory store that counts ``get`` calls (the round trips the cache should save)."""

    gets = 0

    async def get(self, key: str) -> bytes | None:
        self.gets += 1
        return await super().get(key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


@pytest.fixture
def store(clock: FakeClock) -> CountingStore:
    return CountingStore(clock=clock)


async def test_not_revoked_is_remembered_for_the_ttl_only(
    store: CountingStore, clock: FakeClock
) -> None:
    deny = Denylist(store, clock, cache_ttl=1.0)
    assert [await deny.revoked("a") for _ in range(5)] == [False] * 5
    assert store.gets == 1
    clock.now += 1.0
    assert await deny.revoked("a") is False
    assert store.gets == 2


async def test_a_revocation_elsewhere_takes_effect_within_the_ttl(
    store: CountingStore, clock: FakeClock
) -> None:
    here, elsewhere = Denylist(store, clock, 1.0), Denylist(store, clock, 1.0)
    assert await here.revoked("t") is False
    await elsewhere.revoke("t", ttl=300)
    assert await elsewhere.revoked("t") is True  # the revoking instance: at once
    clock.now += 0.5
    assert await here.revoked("t") is False  # the documented window
    clock.now += 0.5
    assert await here.revoked("t") is True


async def test_revoking_here_overrides_the_memory(store: CountingStore, clock: FakeClock) -> None:
    deny = Denylist(store, clock, cache_ttl=3600.0)
    assert await deny.revoked("t") is False
    await deny.revoke("t", ttl=60)
    assert await deny.revoked("t") is True


async def test_revoked_answers_are_never_cached(store: CountingStore, clock: FakeClock) -> None:
    deny = Denylist(store, clock, cache_ttl=10.0)
    await deny.revoke("t", ttl=5)
    assert [await deny.revoked("t") for _ in range(3)] == [True] * 3
    assert store.gets == 3
    clock.now += 5.0  # the denylist entry expires with the token: accepted again at once
    assert await deny.revoked("t") is False


async def test_zero_ttl_asks_the_store_every_time(store: CountingStore, clock: FakeClock) -> None:
    deny = Denylist(store, clock, cache_ttl=0.0)
    for _ in range(4):
        assert await deny.revoked("a") is False
    assert store.gets == 4


async def test_memory_is_bounded(store: CountingStore, clock: FakeClock) -> None:
    deny = Denylist(store, clock, cache_ttl=60.0, max_entries=4)
    for i in range(50):
        await deny.revoked(f"j{i}")
    assert len(deny._clear_until) <= 4
    assert await deny.revoked("j49") is False and store.gets == 50  # the newest is kept


def test_negative_ttl_is_refused(store: CountingStore, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="cache_ttl"):
        Denylist(store, clock, cache_ttl=-1)


def token(clock: FakeClock, **extra: Any) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    claims = {"sub": "u", "exp": int(clock.now) + 300, **extra}
    signing_input = f"{header}.{b64(orjson.dumps(claims))}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


async def test_plugin_asks_the_store_only_for_tokens_with_a_jti(
    store: CountingStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVOCATION_TEST_KEY", SECRET)
    services = Services(store=store, metrics=Metrics(), clock=clock)
    options = {"key_env": "REVOCATION_TEST_KEY", "algorithms": ["HS256"]}
    h = Harness([(Jwt, options)], services=services)
    plain = {"Authorization": f"Bearer {token(clock)}"}
    assert [(await h.request("POST", headers=plain)).status for _ in range(3)] == [200] * 3
    assert store.gets == 0
    with_jti = {"Authorization": f"Bearer {token(clock, jti='x1')}"}
    assert [(await h.request("POST", headers=with_jti)).status for _ in range(3)] == [200] * 3
    assert store.gets == 1
    await store.set(REVOKED_PREFIX + "x1", b"1", 60)  # revoked by another instance
    assert (await h.request("POST", headers=with_jti)).status == 200  # within revocation_cache
    clock.now += 1.0
    assert (await h.request("POST", headers=with_jti)).status == 401
