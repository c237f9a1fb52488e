"""jwt plugin: options refused at load, claim rules, forwarded claims, where the token is
read from, the models claim, optional and monitor modes, the revocation endpoint, and
``describe`` naming no secret. Split from ``test_jwt.py`` (the verification matrix and the
keys), whose helpers it shares."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from plugins.jwt import Jwt
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness
from tests.fixtures.jwks import JwksServer, KeySet
from tests.plugins.test_jwt import (
    CHAT,
    assert_rejected,
    call,
    claims,
    harness,
    jwks_options,
    tamper,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


LOAD_ERRORS = {
    "no algorithms": ({"algorithms": [], "jwks_url": "http://127.0.0.1:1/j"}, "at least one"),
    "none": ({"algorithms": ["none"], "jwks_url": "http://127.0.0.1:1/j"}, '"none"'),
    "NONE": ({"algorithms": ["RS256", "NONE"], "jwks_url": "http://127.0.0.1:1/j"}, '"none"'),
    "unknown alg": ({"algorithms": ["RS257"], "jwks_url": "http://127.0.0.1:1/j"}, "unknown"),
    "no key source": ({"algorithms": ["RS256"]}, "exactly one of"),
    "two key sources": (
        {"algorithms": ["RS256"], "jwks_url": "http://127.0.0.1:1/j", "key_env": "X"},
        "exactly one of",
    ),
    "bad url": ({"algorithms": ["RS256"], "jwks_url": "file:///etc/passwd"}, "http(s)"),
    "two conditions": (
        {
            "algorithms": ["RS256"],
            "jwks_url": "http://127.0.0.1:1/j",
            "claim_rules": [{"claim": "a", "equals": 1, "one_of": [1]}],
        },
        "exactly one of equals",
    ),
    "unknown option": (
        {"algorithms": ["RS256"], "jwks_url": "http://127.0.0.1:1/j", "issuers": "x"},
        "issuers",
    ),
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_bad_options_fail_at_load(case: str) -> None:
    options, message = LOAD_ERRORS[case]
    with pytest.raises(ValueError, match=None) as info:
        Jwt.Options.model_validate(options)
    assert message in str(info.value)


def test_hmac_with_a_public_key_is_refused_at_load(
    jwt_keys: KeySet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_JWT_PEM", jwt_keys.rsa.public_pem.decode())
    options = Jwt.Options.model_validate(
        {"key_env": "TEST_JWT_PEM", "algorithms": ["RS256", "HS256"]}
    )
    with pytest.raises(ValueError, match="HS256 cannot be used with a RSA key"):
        Jwt(options, Services(store=MemoryStore(), metrics=Metrics()))


@pytest.mark.parametrize(
    ("secret", "message"), [(b"short-secret", "at least 32 bytes"), (b"", "empty")]
)
def test_weak_or_empty_hmac_secret_is_refused_at_load(
    secret: bytes, message: str, tmp_path: Any
) -> None:
    path = tmp_path / "secret"
    path.write_bytes(secret)
    options = Jwt.Options.model_validate({"key_file": str(path), "algorithms": ["HS256"]})
    with pytest.raises(ValueError, match=message):
        Jwt(options, Services(store=MemoryStore(), metrics=Metrics()))


def test_small_rsa_key_and_missing_env_are_refused_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    monkeypatch.setenv(
        "TEST_JWT_WEAK",
        weak.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
    )
    services = Services(store=MemoryStore(), metrics=Metrics())
    with pytest.raises(ValueError, match="at least 2048 bits"):
        Jwt(
            Jwt.Options.model_validate({"key_env": "TEST_JWT_WEAK", "algorithms": ["RS256"]}),
            services,
        )
    with pytest.raises(ValueError, match="TEST_JWT_ABSENT is not set"):
        Jwt(
            Jwt.Options.model_validate({"key_env": "TEST_JWT_ABSENT", "algorithms": ["RS256"]}),
            services,
        )


# -- claims: rules, forwarding, identity, models ---------------------------------------------


async def test_claim_rules(jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock) -> None:
    rules = [
        {"claim": "org", "equals": "acme"},
        {"claim": "scope", "contains": "chat"},
        {"claim": "realm.role", "one_of": ["dev", "ops"]},
    ]
    h = harness(jwks_options(jwks_server, claim_rules=rules), clock)
    good = {"org": "acme", "scope": "read chat", "realm": {"role": "ops"}}
    assert (await call(h, jwt_keys.rsa.sign(claims(clock, **good)))).status == 200
    assert (
        await call(h, jwt_keys.rsa.sign(claims(clock, **{**good, "scope": ["chat"]})))
    ).status == 200
    for bad in (
        {"org": "acme-evil"},
        {"scope": "chatty"},
        {"realm": {"role": "root"}},
        {"realm": "ops"},
        {"org": None},
    ):
        token = jwt_keys.rsa.sign(claims(clock, **{**good, **bad}))
        assert_rejected(await call(h, token), "claim_rule_failed")
    await h.close()


async def test_forward_claims_reach_upstream_and_cannot_be_forged(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(
        jwks_options(
            jwks_server,
            forward_claims={
                "sub": "X-User",
                "groups": "X-Groups",
                "org.id": "X-Org",
                "absent": "X-Absent",
                "evil": "X-Evil",
            },
        ),
        clock,
    )
    token = jwt_keys.ec.sign(
        claims(clock, groups=["a", "b"], org={"id": 42}, evil="x\r\nX-Injected: 1")
    )
    result = await call(
        h, token, headers={"X-User": "forged", "X-Absent": "forged", "X-Evil": "forged"}
    )
    assert result.status == 200
    sent = {k.lower(): v for k, v in h.upstream.requests[0].headers.items()}
    assert sent["x-user"] == "user-1"
    assert sent["x-groups"] == "a,b"
    assert sent["x-org"] == "42"
    assert "x-absent" not in sent and "x-evil" not in sent and "x-injected" not in sent
    await h.close()


async def test_token_from_custom_header_or_cookie(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    token = jwt_keys.rsa.sign(claims(clock))
    h = harness(jwks_options(jwks_server, token_header="X-Token", token_cookie="session"), clock)
    assert (await call(h, None, headers={"X-Token": token})).status == 200
    cookie = f"theme=dark; session={token}; other=1"
    assert (await call(h, None, headers={"Cookie": cookie})).status == 200
    assert (await call(h, token)).status == 401  # Authorization is not this policy's header
    await h.close()


async def test_models_claim_is_enforced(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    token = jwt_keys.rsa.sign(claims(clock, models=["chat-fast"]))
    assert (await call(h, token)).status == 200
    denied = await call(h, token, json={**CHAT, "model": "chat-premium"})
    assert denied.status == 403
    assert denied.json()["error"]["type"] == "model_not_allowed"
    assert [e.type for e in denied.exchange.events] == ["model_denied"]
    assert len(h.upstream.requests) == 1
    await h.close()


async def test_optional_mode_lets_anonymous_and_non_jwt_credentials_through(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, optional=True), clock)
    anonymous = await call(h, None)
    assert anonymous.status == 200 and anonymous.exchange.identity is None
    api_key_like = await call(h, "sk-live-abcdef")
    assert api_key_like.status == 200 and api_key_like.exchange.identity is None
    assert_rejected(await call(h, tamper(jwt_keys.rsa.sign(claims(clock)))), "bad_signature")
    await h.close()


async def test_monitor_mode_records_but_lets_through(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    h = Harness([(Jwt, {**jwks_options(jwks_server), "mode": "monitor"})], services=services)
    result = await call(h, jwt_keys.rsa.sign(claims(clock, iss="https://evil.test/")))
    assert result.status == 200
    failed = [e for e in result.exchange.events if e.type == "auth_failed"]
    assert [(e.reason, e.monitored) for e in failed] == [("wrong_issuer", True)]
    await h.close()


# -- revocation --------------------------------------------------------------------------------


def admin_client(plugin: Jwt) -> httpx.AsyncClient:
    app = Starlette(routes=plugin.admin_routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://admin")


async def test_revoked_jti_is_refused_until_the_token_would_expire(
    jwt_keys: KeySet, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, leeway="0s"), clock)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt)
    exp = int(clock.now) + 300
    token = jwt_keys.rsa.sign(claims(clock, jti="tok-1", exp=exp))
    other = jwt_keys.rsa.sign(claims(clock, jti="tok-2", exp=exp))
    assert (await call(h, token)).status == 200
    async with admin_client(plugin) as admin:
        answer = await admin.post("/-/jwt/revoke", json={"jti": "tok-1", "exp": exp})
        assert answer.status_code == 200
        assert answer.json() == {"jti": "tok-1", "revoked": True, "ttl": 300.0}
        assert (await admin.get("/-/jwt/revoked/tok-1")).json()["revoked"] is True
        assert (await admin.get("/-/jwt/revoked/tok-2")).json()["revoked"] is False
    assert_rejected(await call(h, token), "revoked")
    assert (await call(h, other)).status == 200
    clock.advance(301)  # the denylist entry lives exactly as long as the token
    assert await h.store.get("jwt:revoked:tok-1") is None
    await h.close()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"jti": ""}',
        b'{"jti": 5}',
        b"[1]",
        b'{"jti": "x", "exp": "soon"}',
        b'{"jti": "x", "exp": true}',
        orjson.dumps({"jti": "x" * 300}),
    ],
)
async def test_revoke_endpoint_rejects_bad_bodies(
    body: bytes, jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server), clock)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt)
    async with admin_client(plugin) as admin:
        answer = await admin.post("/-/jwt/revoke", content=body)
    assert answer.status_code == 400
    await h.close()


async def test_revoking_an_already_expired_token_stores_nothing(
    jwks_server: JwksServer, clock: FakeClock
) -> None:
    h = harness(jwks_options(jwks_server, leeway="0s", revoke_default_ttl="1h"), clock)
    plugin = h.chain.plugins[0]
    assert isinstance(plugin, Jwt)
    assert await plugin.revoke("old", exp=clock.now - 10) == 0
    assert await h.store.get("jwt:revoked:old") is None
    assert await plugin.revoke("no-exp") == 3600
    await h.close()


def test_describe_names_no_secret(jwt_keys: KeySet, tmp_path: Any) -> None:
    path = tmp_path / "secret"
    path.write_bytes(jwt_keys.hmac.private)
    plugin = Jwt(
        Jwt.Options.model_validate({"key_file": str(path), "algorithms": ["HS256"]}),
        Services(store=MemoryStore(), metrics=Metrics()),
    )
    text = orjson.dumps(plugin.describe()).decode()
    assert "file" in text
    assert jwt_keys.hmac.private.decode("latin-1") not in text
