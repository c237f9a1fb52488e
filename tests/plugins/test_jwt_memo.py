"""The jwt plugin's memory of verified tokens: a repeated token skips only the signature
check; expiry, claim checks, revocation and key rotation still apply to it."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest

import plugins.jwt as jwt_module
from plugins._jwt.keys import VerificationKey
from plugins._jwt.memo import Verified, VerifiedTokens
from plugins.jwt import Jwt
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness, Result
from tests.fixtures.jwks import JwksServer, KeySet, jwks_of, make_key

ISSUER = "https://auth.test/"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


def claims(clock: FakeClock, **extra: Any) -> dict[str, Any]:
    now = int(clock.now)
    return {"iss": ISSUER, "sub": "user-1", "iat": now, "exp": now + 300, **extra}


def harness(server: JwksServer, clock: FakeClock, **extra: Any) -> Harness:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    options = {"jwks_url": server.url, "algorithms": ["RS256", "ES256"], "issuer": ISSUER}
    return Harness([(Jwt, {**options, "leeway": "0s", **extra})], services=services)


async def call(h: Harness, token: str) -> Result:
    return await h.request("POST", headers={"Authorization": f"Bearer {token}"}, json=CHAT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


@pytest.fixture
def signatures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the signature checks the plugin really runs."""
    seen: list[str] = []
    real = jwt_module.verify_signature

    def counting(token: str, alg: str, key: VerificationKey) -> dict[str, Any]:
        seen.append(alg)
        return real(token, alg, key)

    monkeypatch.setattr(jwt_module, "verify_signature", counting)
    return seen


async def test_a_repeated_token_is_verified_once_but_still_expires(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    h = harness(jwks_server, clock)
    token = jwt_keys.rsa.sign(claims(clock))
    assert [(await call(h, token)).status for _ in range(5)] == [200] * 5
    assert signatures == ["RS256"]
    clock.advance(301)
    refused = await call(h, token)
    assert refused.status == 401
    assert [e.reason for e in refused.exchange.events] == ["expired"]
    await h.close()


async def test_each_request_gets_its_own_claims(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_server, clock)
    token = jwt_keys.ec.sign(claims(clock, tier="gold"))
    first = await call(h, token)
    assert first.exchange.identity is not None
    first.exchange.identity.claims["tier"] = "tampered"
    second = await call(h, token)
    assert second.exchange.identity is not None
    assert second.exchange.identity.claims["tier"] == "gold"
    await h.close()


async def test_a_withdrawn_key_ends_the_memory_of_its_tokens(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    old, new = jwt_keys.rsa, make_key("RS256", "rsa-2")
    jwks_server.document = jwks_of([old, new])
    h = harness(jwks_server, clock, jwks_refresh="10m")
    token = old.sign(claims(clock, exp=int(clock.now) + 3600))
    assert (await call(h, token)).status == 200
    jwks_server.document = jwks_of([new])  # the provider withdraws the old key
    clock.advance(601)
    await call(h, token)  # may still pass: the scheduled refresh runs in the background
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt) and plugin._jwks is not None
    await plugin._jwks.wait_idle()
    refused = await call(h, token)
    assert refused.status == 401
    assert [e.reason for e in refused.exchange.events] == ["unknown_key"]
    await h.close()


async def test_failed_tokens_are_not_remembered(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    h = harness(jwks_server, clock)
    wrong = jwt_keys.rsa.sign(claims(clock, iss="https://elsewhere/"))
    assert [(await call(h, wrong)).status for _ in range(3)] == [401] * 3
    assert len(signatures) == 3
    await h.close()


async def test_off_when_size_is_zero(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    h = harness(jwks_server, clock, verified_cache=0)
    token = jwt_keys.rsa.sign(claims(clock))
    assert [(await call(h, token)).status for _ in range(3)] == [200] * 3
    assert len(signatures) == 3
    await h.close()


def test_memory_is_bounded() -> None:
    memo = VerifiedTokens(8)
    key = VerificationKey("k", object())
    for i in range(100):
        memo.put(f"t{i}", Verified("RS256", "k", key, {}))
    assert len(memo) <= 8 and memo.get("t99") is not None and memo.get("t0") is None
    with pytest.raises(ValueError):
        VerifiedTokens(-1)


def test_memory_drops_the_least_recently_used_token() -> None:
    memo = VerifiedTokens(3)
    key = VerificationKey("k", object())
    for name in ("a", "b", "c"):
        memo.put(name, Verified("RS256", "k", key, {}))
    assert memo.get("a") is not None  # a busy caller's token is used again
    memo.put("d", Verified("RS256", "k", key, {}))
    assert memo.get("a") is not None and memo.get("b") is None
    assert len(memo) == 3


async def test_a_token_not_yet_valid_is_checked_again_until_it_is(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    h = harness(jwks_server, clock)
    token = jwt_keys.rsa.sign(claims(clock, nbf=int(clock.now) + 60))
    for _ in range(2):
        refused = await call(h, token)
        assert [e.reason for e in refused.exchange.events] == ["not_yet_valid"]
    clock.advance(61)
    assert [(await call(h, token)).status for _ in range(3)] == [200] * 3
    assert len(signatures) == 3  # twice refused (never remembered), then verified once
    await h.close()


async def test_a_secret_rotated_on_reload_refuses_the_remembered_token(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    """A reload builds a new plugin: its memory starts empty, so a token the old secret
    verified is checked against the new one and refused."""
    token = pyjwt.encode(claims(clock), "old-secret-0123456789abcdef0123456789", "HS256")
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    options = {"key_env": "JWT_MEMO_SECRET", "algorithms": ["HS256"], "issuer": ISSUER}
    monkeypatch.setenv("JWT_MEMO_SECRET", "old-secret-0123456789abcdef0123456789")
    before = Harness([(Jwt, options)], services=services)
    assert [(await call(before, token)).status for _ in range(2)] == [200] * 2
    monkeypatch.setenv("JWT_MEMO_SECRET", "new-secret-0123456789abcdef0123456789")
    after = Harness([(Jwt, options)], services=services)  # what a reload builds
    refused = await call(after, token)
    assert refused.status == 401
    assert [e.reason for e in refused.exchange.events] == ["bad_signature"]
    assert (await call(before, token)).status == 200  # the old runtime, until it retires
    await before.close()
    await after.close()


async def test_a_remembered_token_names_the_same_caller_each_time(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    """A hit skips reading the identity again: subject, tier, key id and models are the
    first request's, each request gets an Identity and claims of its own."""
    h = harness(jwks_server, clock)
    token = jwt_keys.rsa.sign(
        claims(clock, tier=3, client_id="app-7", models=["chat-fast", 42, "chat-slow"])
    )
    identities = []
    for _ in range(3):
        result = await call(h, token)
        assert result.status == 200
        assert result.exchange.identity is not None
        identities.append(result.exchange.identity)
    assert signatures == ["RS256"]
    for identity in identities:
        assert (identity.subject, identity.tier, identity.key_id, identity.source) == (
            "user-1",
            "3",
            "app-7",
            "jwt",
        )
        assert identity.allowed_models == frozenset({"chat-fast", "chat-slow"})
    assert len({id(i) for i in identities}) == 3
    assert len({id(i.claims) for i in identities}) == 3
    refused = await h.request(
        "POST", headers={"Authorization": f"Bearer {token}"}, json={**CHAT, "model": "other"}
    )
    assert refused.status == 403  # the remembered allowlist is enforced as the first one was
    await h.close()


async def test_a_remembered_token_is_refused_once_its_jti_is_revoked(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock, signatures: list[str]
) -> None:
    h = harness(jwks_server, clock, revocation_cache="0s")
    token = jwt_keys.rsa.sign(claims(clock, jti="t-1"))
    assert [(await call(h, token)).status for _ in range(2)] == [200] * 2
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt)
    await plugin.revoke("t-1", exp=clock.now + 300)
    refused = await call(h, token)
    assert refused.status == 401
    assert [e.reason for e in refused.exchange.events] == ["revoked"]
    assert signatures == ["RS256"]  # refused on the memory's path, not re-verified
    await h.close()


SECRET = "static-secret-0123456789abcdef0123456789"


@pytest.mark.parametrize("jti", [None, "t-9"])
async def test_a_static_key_s_remembered_token_is_checked_like_any_hit(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock, signatures: list[str], jti: str | None
) -> None:
    """Under a static key a hit is answered without a coroutine (``Jwt._remembered``); it
    must still expire, honour a remembered ``nbf``, give each request claims of its own, and
    (with a ``jti``) still ask the denylist."""
    monkeypatch.setenv("JWT_MEMO_SECRET", SECRET)
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    options = {"key_env": "JWT_MEMO_SECRET", "algorithms": ["HS256"], "issuer": ISSUER,
               "leeway": "0s", "revocation_cache": "0s"}  # fmt: skip
    h = Harness([(Jwt, options)], services=services)
    extra = {} if jti is None else {"jti": jti}
    token = pyjwt.encode(claims(clock, **extra), SECRET, "HS256")
    results = [await call(h, token) for _ in range(3)]
    assert [r.status for r in results] == [200] * 3
    assert signatures == ["HS256"]  # verified once, remembered after
    identities = [r.exchange.identity for r in results]
    assert len({id(i.claims) for i in identities if i is not None}) == 3
    if jti is not None:
        plugin = h.chain.plugins[0]
        assert isinstance(plugin, Jwt)
        await plugin.revoke(jti, exp=clock.now + 300)
        assert [e.reason for e in (await call(h, token)).exchange.events] == ["revoked"]
    clock.advance(301)
    refused = await call(h, token)
    assert refused.status == 401
    assert [e.reason for e in refused.exchange.events] == ["expired"]  # times come first
    later = pyjwt.encode(claims(clock, nbf=int(clock.now) + 60), SECRET, "HS256")
    assert [e.reason for e in (await call(h, later)).exchange.events] == ["not_yet_valid"]
    clock.advance(61)
    assert [(await call(h, later)).status for _ in range(2)] == [200, 200]
    await h.close()
