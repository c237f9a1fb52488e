"""jwt plugin: the verification matrix against keys served by a real local JWKS server,
key rotation, the unknown-kid refetch limit, static keys, claim rules, revocation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from typing import Any

import orjson
import pytest

from plugins.jwt import Jwt
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness, Result
from tests.fixtures.jwks import JwksServer, KeySet, SigningKey, jwks_of, make_key

ISSUER = "https://auth.test/"
AUDIENCE = "sluicegate"
ALL_ALGS = ["RS256", "ES256", "EdDSA", "HS256"]
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(clock: FakeClock, **overrides: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": int(clock.now),
        "exp": int(clock.now) + 300,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def harness(options: dict[str, Any], clock: FakeClock) -> Harness:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    return Harness([(Jwt, options)], services=services)


def jwks_options(server: JwksServer, **extra: Any) -> dict[str, Any]:
    return {
        "jwks_url": server.url,
        "algorithms": ALL_ALGS,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        **extra,
    }


async def call(h: Harness, token: str | None, **kwargs: Any) -> Result:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await h.request(
        "POST", "/v1/chat/completions", headers=headers, json=kwargs.pop("json", CHAT), **kwargs
    )


def assert_rejected(result: Result, reason: str) -> None:
    assert result.status == 401, result.body
    assert result.header("www-authenticate") == 'Bearer error="invalid_token"'
    error = result.json()["error"]
    assert error["message"] == "invalid bearer token"  # generic: the reason never leaks
    events = [e for e in result.exchange.events if e.type == "auth_failed"]
    assert [e.reason for e in events] == [reason]
    assert result.exchange.identity is None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


# -- the accepted half of the matrix -------------------------------------------------------


@pytest.mark.parametrize("family", ["rsa", "ec", "ed", "hmac"])
async def test_valid_tokens_of_every_family_are_accepted(
    family: str, jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    key: SigningKey = getattr(jwt_keys, family)
    h = harness(jwks_options(jwks_server), clock)
    result = await call(h, key.sign(claims(clock, tier="gold", client_id="app-7")))
    assert result.status == 200, result.body
    identity = result.exchange.identity
    assert identity is not None
    assert (identity.subject, identity.tier, identity.key_id, identity.source) == (
        "user-1",
        "gold",
        "app-7",
        "jwt",
    )
    assert "authorization" not in {k.lower() for k in h.upstream.requests[0].headers}
    assert jwks_server.hits == 1
    await h.close()


async def test_keys_are_cached_between_requests(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    for key in jwt_keys.all():
        assert (await call(h, key.sign(claims(clock)))).status == 200
    assert jwks_server.hits == 1
    await h.close()


# -- the rejected half ---------------------------------------------------------------------


def forge_none(key: SigningKey, payload: dict[str, Any]) -> str:
    header = b64(orjson.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}))
    return f"{header}.{b64(orjson.dumps(payload))}."


def forge_hs256_with_public_key(key: SigningKey, payload: dict[str, Any]) -> str:
    """The key-confusion attack: HMAC-sign with the RSA public key as the secret."""
    header = b64(orjson.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}))
    signing_input = f"{header}.{b64(orjson.dumps(payload))}".encode()
    signature = hmac.new(key.public_pem, signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{b64(signature)}"


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    body = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["sub"] = "admin"
    return f"{header}.{b64(orjson.dumps(body))}.{signature}"


BAD_TOKENS = {
    "alg_none": (lambda k, c: forge_none(k.rsa, claims(c)), "algorithm_not_allowed"),
    "hs256_with_rsa_public_key": (
        lambda k, c: forge_hs256_with_public_key(k.rsa, claims(c)),
        "algorithm_key_mismatch",
    ),
    "expired": (
        lambda k, c: k.rsa.sign(claims(c, iat=int(c.now) - 7200, exp=int(c.now) - 3600)),
        "expired",
    ),
    "not_yet_valid": (lambda k, c: k.ec.sign(claims(c, nbf=int(c.now) + 3600)), "not_yet_valid"),
    "issued_in_future": (
        lambda k, c: k.ec.sign(claims(c, iat=int(c.now) + 3600)),
        "issued_in_future",
    ),
    "wrong_iss": (lambda k, c: k.ed.sign(claims(c, iss="https://evil.test/")), "wrong_issuer"),
    "wrong_aud": (lambda k, c: k.hmac.sign(claims(c, aud="other-api")), "wrong_audience"),
    "missing_required_claim": (lambda k, c: k.rsa.sign(claims(c)), "missing_claim"),
    "missing_exp": (lambda k, c: k.rsa.sign(claims(c, exp=None, scope="chat")), "missing_claim"),
    "tampered_payload": (lambda k, c: tamper(k.rsa.sign(claims(c, scope="chat"))), "bad_signature"),
    "bad_signature": (
        lambda k, c: make_key("RS256", "rsa-1").sign(claims(c, scope="chat")),
        "bad_signature",
    ),
    "wrong_hmac_secret": (
        lambda k, c: make_key("HS256", "hs-1").sign(claims(c, scope="chat")),
        "bad_signature",
    ),
    "two_segments": (lambda k, c: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", "malformed"),
    "four_segments": (lambda k, c: k.rsa.sign(claims(c)) + ".extra", "malformed"),
    "garbage_header": (lambda k, c: "!!!.???.***", "malformed"),
    "header_not_json": (lambda k, c: f"{b64(b'not json')}.{b64(b'{}')}.c2ln", "malformed"),
    "missing_subject": (
        lambda k, c: k.rsa.sign(claims(c, sub=None, scope="chat")),
        "missing_claim",
    ),
    "crit_header": (
        lambda k, c: k.rsa.sign(claims(c, scope="chat"), headers={"crit": ["x"]}),
        "unsupported_critical_header",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_bad_tokens_are_refused_with_401(
    case: str, jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    make, reason = BAD_TOKENS[case]
    h = harness(jwks_options(jwks_server, required_claims=["scope"]), clock)
    result = await call(h, make(jwt_keys, clock))
    assert_rejected(result, reason)
    assert h.upstream.requests == []
    await h.close()


async def test_leeway_accepts_small_clock_skew_only(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, leeway="10s"), clock)
    just_expired = jwt_keys.rsa.sign(claims(clock, exp=int(clock.now) - 5))
    assert (await call(h, just_expired)).status == 200
    long_expired = jwt_keys.rsa.sign(claims(clock, exp=int(clock.now) - 11))
    assert_rejected(await call(h, long_expired), "expired")
    await h.close()


async def test_exp_may_be_optional_when_the_operator_says_so(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, require_exp=False), clock)
    assert (await call(h, jwt_keys.rsa.sign(claims(clock, exp=None)))).status == 200
    await h.close()


async def test_oversized_token_is_refused_without_fetching_keys(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, max_token_bytes=1024), clock)
    token = jwt_keys.rsa.sign(claims(clock, padding="x" * 2000))
    assert_rejected(await call(h, token), "oversized")
    assert jwks_server.hits == 0
    await h.close()


async def test_missing_token_gets_a_plain_bearer_challenge(
    jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        result = await call(h, None, headers=headers)
        assert result.status == 401
        assert result.header("www-authenticate") == "Bearer"
        assert [e.reason for e in result.exchange.events] == ["missing_token"]
    await h.close()


async def test_disallowed_algorithm_is_refused_even_with_a_valid_signature(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, algorithms=["RS256"]), clock)
    assert_rejected(await call(h, jwt_keys.ec.sign(claims(clock))), "algorithm_not_allowed")
    await h.close()


async def test_jwk_alg_pin_is_honoured(jwks_server: JwksServer, clock: FakeClock) -> None:
    """An RSA key published for PS256 only cannot verify an RS256 token."""
    key = make_key("RS256", "pinned")
    jwks_server.document = {"keys": [{**key.jwk, "alg": "PS256"}]}
    h = harness(jwks_options(jwks_server, algorithms=["RS256", "PS256"]), clock)
    assert_rejected(await call(h, key.sign(claims(clock))), "algorithm_key_mismatch")
    assert (await call(h, key.sign(claims(clock), alg="PS256"))).status == 200
    await h.close()


# -- JWKS behaviour: unknown kid, rotation, outages -----------------------------------------


async def test_unknown_kid_triggers_one_refetch_then_rejects(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, jwks_min_refresh="30s"), clock)
    assert (await call(h, jwt_keys.rsa.sign(claims(clock)))).status == 200
    assert jwks_server.hits == 1
    clock.advance(31)
    stranger = make_key("RS256", "unknown-kid")
    assert_rejected(await call(h, stranger.sign(claims(clock))), "unknown_key")
    assert jwks_server.hits == 2
    # within min_refresh, more unknown kids (even concurrently) cause no fetch at all
    tokens = [make_key("ES256", f"made-up-{i}").sign(claims(clock)) for i in range(20)]
    results = await asyncio.gather(*(call(h, t) for t in tokens))
    assert {r.status for r in results} == {401}
    assert jwks_server.hits == 2
    await h.close()


async def test_concurrent_first_requests_share_one_fetch(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    tokens = [k.sign(claims(clock)) for k in jwt_keys.all()] * 5
    results = await asyncio.gather(*(call(h, t) for t in tokens))
    assert [r.status for r in results] == [200] * len(tokens)
    assert jwks_server.hits == 1
    await h.close()


async def test_key_rotation_is_picked_up_without_restart(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    old = jwt_keys.rsa
    new = make_key("RS256", "rsa-2")
    jwks_server.document = jwks_of([old])
    h = harness(jwks_options(jwks_server, jwks_min_refresh="30s", jwks_refresh="10m"), clock)
    assert (await call(h, old.sign(claims(clock)))).status == 200
    # the provider publishes the new key, then signs with it
    jwks_server.document = jwks_of([old, new])
    clock.advance(60)
    assert (await call(h, new.sign(claims(clock)))).status == 200
    assert jwks_server.hits == 2
    # later the old key is withdrawn; the scheduled refresh drops it
    jwks_server.document = jwks_of([new])
    clock.advance(601)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt)
    assert (await call(h, new.sign(claims(clock)))).status == 200  # served from cache
    assert plugin._jwks is not None
    await plugin._jwks.wait_idle()
    assert jwks_server.hits == 3
    assert_rejected(await call(h, old.sign(claims(clock))), "unknown_key")
    await h.close()


async def test_a_failing_jwks_endpoint_keeps_the_known_keys(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, jwks_refresh="1m", jwks_min_refresh="10s"), clock)
    assert (await call(h, jwt_keys.ec.sign(claims(clock)))).status == 200
    jwks_server.status = 503
    clock.advance(120)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt) and plugin._jwks is not None
    assert (await call(h, jwt_keys.ec.sign(claims(clock)))).status == 200
    await plugin._jwks.wait_idle()
    assert jwks_server.hits == 2
    assert (await call(h, jwt_keys.ec.sign(claims(clock)))).status == 200
    await h.close()


async def test_unreachable_jwks_refuses_with_401_not_500(
    jwt_keys: KeySet, clock: FakeClock
) -> None:
    server = JwksServer({"keys": []})
    await server.start()
    url = server.url
    await server.stop()  # nothing listens on this port any more
    h = harness({"jwks_url": url, "algorithms": ["RS256"], "jwks_timeout": "2s"}, clock)
    assert_rejected(await call(h, jwt_keys.rsa.sign(claims(clock))), "unknown_key")
    await h.close()


async def test_jwks_with_no_usable_key_is_a_failed_fetch(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    jwks_server.document = {"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB"}, "junk"]}
    h = harness(jwks_options(jwks_server), clock)
    assert_rejected(await call(h, jwt_keys.rsa.sign(claims(clock))), "unknown_key")
    await h.close()


async def test_token_without_kid_uses_the_single_fitting_key(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    # one EC key in the set: chosen; two RSA keys: ambiguous, refused
    assert (await call(h, jwt_keys.ec.sign(claims(clock), kid=None))).status == 200
    jwks_server.document = jwks_of([jwt_keys.rsa, make_key("RS256", "rsa-9")])
    h2 = harness(jwks_options(jwks_server), clock)
    assert_rejected(await call(h2, jwt_keys.rsa.sign(claims(clock), kid=None)), "unknown_key")
    await h.close()
    await h2.close()


# -- static keys ------------------------------------------------------------------------------


async def test_static_public_key_from_env(
    jwt_keys: KeySet, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_JWT_PEM", jwt_keys.rsa.public_pem.decode())
    h = harness({"key_env": "TEST_JWT_PEM", "algorithms": ["RS256"]}, clock)
    assert (await call(h, jwt_keys.rsa.sign(claims(clock)))).status == 200
    assert_rejected(await call(h, make_key("RS256", "x").sign(claims(clock))), "bad_signature")
    assert_rejected(
        await call(h, forge_hs256_with_public_key(jwt_keys.rsa, claims(clock))),
        "algorithm_not_allowed",
    )
    await h.close()


async def test_static_hmac_secret_from_file(
    jwt_keys: KeySet, clock: FakeClock, tmp_path: Any
) -> None:
    path = tmp_path / "secret"
    path.write_bytes(jwt_keys.hmac.private + b"\n")  # a trailing newline is not part of it
    h = harness({"key_file": str(path), "algorithms": ["HS256"]}, clock)
    assert (await call(h, jwt_keys.hmac.sign(claims(clock)))).status == 200
    await h.close()
