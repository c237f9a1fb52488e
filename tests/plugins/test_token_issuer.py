"""token_issuer plugin: issuing, the JWKS it publishes, refresh rotation and reuse
detection, and the jwt plugin verifying what it issues."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from plugins._keys import hash_key
from plugins.jwt import Jwt
from plugins.token_issuer import TokenIssuer
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, Harness, Result
from tests.fixtures.jwks import JwksServer, KeySet, SigningKey, make_key

ISSUER = "https://gateway.test/"
GOLD, FREE = "sk-gold-123456789", "sk-free-987654321"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "gold",
                    "hash": hash_key(GOLD),
                    "tier": "gold",
                    "subject": "team-gold",
                    "limits": {"tokens_per_minute": 1000},
                },
                {"id": "free", "hash": hash_key(FREE), "tier": "free", "models": ["chat-fast"]},
            ]
        )
    )
    return path


def key_file(tmp_path: Path, key: SigningKey) -> str:
    path = tmp_path / f"{key.kid}.pem"
    path.write_bytes(key.private_pem)
    return str(path)


def issuer_options(
    tmp_path: Path, keys_file: Path, key: SigningKey, **extra: Any
) -> dict[str, Any]:
    return {
        "keys_file": str(keys_file),
        "signing_key_file": key_file(tmp_path, key),
        "algorithm": key.alg,
        "issuer": ISSUER,
        "audience": "sluicegate",
        **extra,
    }


class Gateway:
    """A token_issuer in front of a jwt plugin, on one shared store and clock."""

    def __init__(
        self,
        issuer: dict[str, Any],
        jwt: dict[str, Any] | None,
        clock: FakeClock,
        store: MemoryStore | None = None,
    ) -> None:
        self.store = store or MemoryStore(clock=clock)
        services = Services(store=self.store, metrics=Metrics(), clock=clock)
        plugins: list[Any] = [(TokenIssuer, issuer)]
        if jwt is not None:
            plugins.append((Jwt, jwt))
        self.h = Harness(plugins, services=services)

    async def token(self, api_key: str) -> Result:
        return await self.h.request("POST", "/auth/token", headers={"X-API-Key": api_key})

    async def refresh(self, refresh_token: str) -> Result:
        return await self.h.request("POST", "/auth/refresh", json={"refresh_token": refresh_token})

    async def chat(self, access_token: str, body: Any = CHAT) -> Result:
        return await self.h.request(
            "POST",
            "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {access_token}"},
        )

    async def close(self) -> None:
        await self.h.close()


async def publish(gw: Gateway, server: JwksServer) -> None:
    """Serve the issuer's own JWKS document from the local JWKS server."""
    jwks = await gw.h.request("GET", "/.well-known/jwks.json")
    assert jwks.status == 200
    server.document = jwks.json()


@pytest.mark.parametrize("family", ["rsa", "ec", "ed"])
async def test_jwt_plugin_verifies_what_the_issuer_signs(
    family: str,
    jwt_keys: KeySet,
    jwks_server: JwksServer,
    keys_file: Path,
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    key: SigningKey = getattr(jwt_keys, family)
    jwt_options = {
        "jwks_url": jwks_server.url,
        "algorithms": [key.alg],
        "issuer": ISSUER,
        "audience": "sluicegate",
    }
    gw = Gateway(issuer_options(tmp_path, keys_file, key), jwt_options, clock)
    await publish(gw, jwks_server)
    issued = await gw.token(GOLD)
    assert issued.status == 200
    assert issued.header("cache-control") == "no-store"
    pair = issued.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    assert gw.h.upstream.requests == []  # the token endpoint is answered by the gateway
    result = await gw.chat(pair["access_token"])
    assert result.status == 200, result.body
    identity = result.exchange.identity
    assert identity is not None
    assert (identity.subject, identity.key_id, identity.tier) == ("team-gold", "gold", "gold")
    assert identity.claims["limits"] == {"tokens_per_minute": 1000}
    # the access token is short-lived: after access_ttl (+ jwt's 30s leeway) it is refused
    clock.advance(900 + 31)
    assert (await gw.chat(pair["access_token"])).status == 401
    await gw.close()


async def test_hmac_issuer_verified_by_shared_secret(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    secret = key_file(tmp_path, jwt_keys.hmac)
    gw = Gateway(
        issuer_options(tmp_path, keys_file, jwt_keys.hmac),
        {"key_file": secret, "algorithms": ["HS256"], "issuer": ISSUER},
        clock,
    )
    pair = (await gw.token(GOLD)).json()
    assert (await gw.chat(pair["access_token"])).status == 200
    # a secret is never published: the JWKS path is not the issuer's business
    assert (await gw.h.request("GET", "/.well-known/jwks.json")).status == 401
    await gw.close()


async def test_model_restrictions_travel_in_the_token(
    jwt_keys: KeySet, jwks_server: JwksServer, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(
        issuer_options(tmp_path, keys_file, jwt_keys.ec),
        {"jwks_url": jwks_server.url, "algorithms": ["ES256"]},
        clock,
    )
    await publish(gw, jwks_server)
    access = (await gw.token(FREE)).json()["access_token"]
    assert (await gw.chat(access)).status == 200
    assert (await gw.chat(access, {**CHAT, "model": "chat-premium"})).status == 403
    await gw.close()


async def test_published_jwks_has_public_keys_only_and_stable_kids(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    old = make_key("ES256", "old")
    old_public = tmp_path / "old.pub.pem"
    old_public.write_bytes(old.public_pem)
    options = issuer_options(tmp_path, keys_file, jwt_keys.ec, retired_key_files=[str(old_public)])
    first, second = Gateway(options, None, clock), Gateway(options, None, clock)
    doc = (await first.h.request("GET", "/.well-known/jwks.json")).json()
    assert doc == (await second.h.request("GET", "/.well-known/jwks.json")).json()
    assert len(doc["keys"]) == 2
    assert all("d" not in k and k["use"] == "sig" and k["alg"] == "ES256" for k in doc["keys"])
    assert doc["keys"][0]["kid"] != doc["keys"][1]["kid"]
    await first.close()
    await second.close()


async def test_refresh_rotates_and_reuse_revokes_the_family(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ed), None, clock)
    first = (await gw.token(GOLD)).json()
    other_family = (await gw.token(GOLD)).json()
    rotated = await gw.refresh(first["refresh_token"])
    assert rotated.status == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    # the first refresh token is presented again: stolen; the whole family dies
    reused = await gw.refresh(first["refresh_token"])
    assert reused.status == 401
    assert reused.json()["error"]["type"] == "invalid_grant"
    assert "refresh_token_reuse" in [e.type for e in reused.exchange.events]
    after = await gw.refresh(second["refresh_token"])
    assert after.status == 401
    assert [e.reason for e in after.exchange.events] == ["family_revoked"]
    # another login of the same key is a different family and keeps working
    assert (await gw.refresh(other_family["refresh_token"])).status == 200
    await gw.close()


async def test_concurrent_use_of_one_refresh_token_succeeds_once(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock)
    token = (await gw.token(GOLD)).json()["refresh_token"]
    results = await asyncio.gather(*(gw.refresh(token) for _ in range(10)))
    assert sorted(r.status for r in results) == [200] + [401] * 9
    await gw.close()


async def test_refresh_tokens_are_stored_hashed_and_expire(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec, refresh_ttl="1h"), None, clock)
    token = (await gw.token(GOLD)).json()["refresh_token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    stored = await gw.store.get(f"token_issuer:rt:{digest}")
    assert stored is not None and token.encode() not in stored
    assert await gw.store.get(f"token_issuer:rt:{token}") is None
    clock.advance(3601)
    expired = await gw.refresh(token)
    assert expired.status == 401
    assert [e.reason for e in expired.exchange.events] == ["unknown_refresh_token"]
    await gw.close()


async def test_refresh_fails_once_the_api_key_is_withdrawn(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock)
    token = (await gw.token(FREE)).json()["refresh_token"]
    keys_file.write_text(json.dumps([{"id": "gold", "hash": hash_key(GOLD)}]))
    reloaded = Gateway(
        issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock, store=gw.store
    )  # a config reload: same store, new key set
    withdrawn = await reloaded.refresh(token)
    assert withdrawn.status == 401
    assert [e.reason for e in withdrawn.exchange.events] == ["key_withdrawn"]
    await gw.close()
    await reloaded.close()


async def test_form_encoded_refresh(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock)
    token = (await gw.token(GOLD)).json()["refresh_token"]
    result = await gw.h.request(
        "POST",
        "/auth/refresh",
        body=f"grant_type=refresh_token&refresh_token={token}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert result.status == 200
    await gw.close()


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("POST", "/auth/token", {}, None, 401),
        ("POST", "/auth/token", {"X-API-Key": "sk-guess"}, None, 401),
        ("POST", "/auth/token", {"Authorization": "Bearer sk-guess"}, None, 401),
        ("GET", "/auth/token", {"X-API-Key": GOLD}, None, 405),
        ("POST", "/auth/refresh", {}, b"", 400),
        ("POST", "/auth/refresh", {}, b"{not json", 400),
        ("POST", "/auth/refresh", {}, b'{"refresh_token": 42}', 400),
        ("POST", "/auth/refresh", {}, b'{"refresh_token": "rt_made_up"}', 401),
        ("POST", "/auth/refresh", {}, b'{"refresh_token": "' + b"x" * 300 + b'"}', 400),
        ("POST", "/auth/refresh", {}, b"x" * 9000, 413),
    ],
)
async def test_bad_requests_to_the_endpoints(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    jwt_keys: KeySet,
    keys_file: Path,
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock)
    result = await gw.h.request(method, path, headers=headers, body=body)
    assert result.status == status, result.body
    assert "error" in result.json()
    assert gw.h.upstream.requests == []
    await gw.close()


async def test_token_with_bearer_api_key(
    jwt_keys: KeySet, keys_file: Path, tmp_path: Path, clock: FakeClock
) -> None:
    gw = Gateway(issuer_options(tmp_path, keys_file, jwt_keys.ec), None, clock)
    result = await gw.h.request("POST", "/auth/token", headers={"Authorization": f"Bearer {GOLD}"})
    assert result.status == 200
    # other paths pass through the issuer untouched
    assert (await gw.h.request("POST", "/v1/chat/completions", json=CHAT)).status == 200
    await gw.close()


def test_load_errors(jwt_keys: KeySet, keys_file: Path, tmp_path: Path) -> None:
    services = Services(store=MemoryStore(), metrics=Metrics())

    def build(**overrides: Any) -> TokenIssuer:
        options = {**issuer_options(tmp_path, keys_file, jwt_keys.ec), **overrides}
        return TokenIssuer(TokenIssuer.Options.model_validate(options), services)

    with pytest.raises(ValueError, match="ES256 cannot be used with a RSA key"):
        build(signing_key_file=key_file(tmp_path, jwt_keys.rsa))
    with pytest.raises(ValueError, match="EdDSA cannot be used with a EC key"):
        build(algorithm="EdDSA")
    short = tmp_path / "short"
    short.write_bytes(b"too-short")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        build(algorithm="HS256", signing_key_file=str(short))
    with pytest.raises(ValueError, match='"none" is never allowed'):
        build(algorithm="none")
    with pytest.raises(ValueError, match="access_ttl < refresh_ttl"):
        build(access_ttl="1h", refresh_ttl="30m")
    with pytest.raises(ValueError, match="exactly one of signing_key_env, signing_key_file"):
        build(signing_key_env="X")
    with pytest.raises(ValueError, match="issuer"):
        TokenIssuer.Options.model_validate({"keys_file": "k", "signing_key_file": "s"})
    with pytest.raises(ValueError, match="not an unencrypted PEM private key"):
        public = tmp_path / "pub.pem"
        public.write_bytes(jwt_keys.ec.public_pem)
        build(signing_key_file=str(public))


def test_describe_has_no_key_material(jwt_keys: KeySet, keys_file: Path, tmp_path: Path) -> None:
    plugin = TokenIssuer(
        TokenIssuer.Options.model_validate(issuer_options(tmp_path, keys_file, jwt_keys.hmac)),
        Services(store=MemoryStore(), metrics=Metrics()),
    )
    text = json.dumps(plugin.describe())
    assert jwt_keys.hmac.private.decode("latin-1") not in text
    assert "/auth/token" in text
    assert repr(jwt_keys.hmac.private) not in repr(plugin._signer)
