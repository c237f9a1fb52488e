"""Identity over real sockets: gateways on 127.0.0.1 sharing a real redis-server, a fake
OpenAI provider, the official openai client. token_issuer signs, the gateway serves its own
JWKS, jwt fetches it over HTTP and verifies; revocation and refresh-token reuse are seen by
every instance because they live in redis."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from plugins._keys import hash_key
from tests.fixtures.gateway import RunningGateway
from tests.fixtures.jwks import KeySet
from tests.fixtures.ports import free_port
from tests.fixtures.upstreams import FakeProvider

GOLD, FREE = "sk-gold-int-0123456789", "sk-free-int-9876543210"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}
Factory = Callable[..., Awaitable[RunningGateway]]


def config(provider: FakeProvider, redis_url: str, port: int) -> str:
    return f"""
[server]
listen = ["127.0.0.1:{port}"]
admin_listen = "@ADMIN@"

[state]
backend = "redis"
url = "{redis_url}?socket_timeout=5"
on_error = "deny"
prefix = "identity-test:"

[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "sk-provider-secret"
models = {{ "chat-fast" = "fake-model-8b", "chat-premium" = "fake-model-70b" }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]
timeouts = {{ connect = "1s", first_byte = "5s", total = "20s" }}

[[routes]]
match = {{ path_prefix = "/" }}
policy = "identity"
upstream = "chat"
"""


@pytest.fixture
def files(tmp_path: Path, jwt_keys: KeySet) -> dict[str, str]:
    keys = tmp_path / "keys.toml"
    keys.write_text(f"""
[[keys]]
id = "gold"
hash = "{hash_key(GOLD)}"
tier = "gold"

[[keys]]
id = "free"
hash = "{hash_key(FREE)}"
tier = "free"
models = ["chat-fast"]
""")
    signing = tmp_path / "signing.pem"
    signing.write_bytes(jwt_keys.ec.private_pem)
    return {"keys": str(keys), "signing": str(signing)}


def jwt_policy(files: dict[str, str], jwks_port: int, revocation_cache: str = "1s") -> str:
    return f"""
[[plugins]]
use = "token_issuer"
keys_file = "{files["keys"]}"
signing_key_file = "{files["signing"]}"
algorithm = "ES256"
issuer = "https://gateway.test/"
audience = "sluicegate"

[[plugins]]
use = "jwt"
jwks_url = "http://127.0.0.1:{jwks_port}/.well-known/jwks.json"
algorithms = ["ES256"]
issuer = "https://gateway.test/"
audience = "sluicegate"
forward_claims = {{ sub = "X-User", tier = "X-Tier" }}
revocation_cache = "{revocation_cache}"
"""


async def start(
    factory: Factory, provider: FakeProvider, redis_url: str, policy: str, port: int | None = None
) -> RunningGateway:
    """A gateway listening on ``port`` (chosen here so a policy can name it in advance)."""
    port = port or free_port()
    gw = await factory(config(provider, redis_url, port), {"identity": policy})
    gw.port = port  # the fixture only knows ports it substituted itself
    return gw


async def two_gateways(
    factory: Factory,
    provider: FakeProvider,
    redis_url: str,
    files: dict[str, str],
    revocation_cache: str = "1s",
) -> tuple[RunningGateway, RunningGateway]:
    """Two instances on one redis; each verifies tokens with the first one's JWKS."""
    first_port = free_port()
    policy = jwt_policy(files, first_port, revocation_cache)
    first = await start(factory, provider, redis_url, policy, first_port)
    second = await start(factory, provider, redis_url, policy)
    return first, second


async def post(gw: RunningGateway, path: str, **kwargs: Any) -> httpx.Response:
    return await gw.client.post(f"{gw.url}{path}", **kwargs)


@pytest.mark.parametrize("cache", ["0s", "1h"])
async def test_issue_verify_forward_revoke_across_instances(
    gateway_factory: Factory,
    fake_provider: FakeProvider,
    redis_url: str,
    files: dict[str, str],
    cache: str,
) -> None:
    """The revoking instance refuses at once; another one when its revocation_cache (the
    "not revoked" memory, here 0 or 1 hour) has lapsed: at once with 0, not yet with 1h."""
    first, second = await two_gateways(gateway_factory, fake_provider, redis_url, files, cache)
    issued = await post(first, "/auth/token", headers={"X-API-Key": GOLD})
    assert issued.status_code == 200
    access = issued.json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    for gw in (first, second):
        answer = await post(
            gw, "/v1/chat/completions", json=CHAT, headers={**bearer, "X-User": "forged"}
        )
        assert answer.status_code == 200, answer.text
    seen = fake_provider.requests[-1].headers
    seen = {k.lower(): v for k, v in seen.items()}
    assert seen["x-user"] == "gold" and seen["x-tier"] == "gold"
    assert seen["authorization"] == "Bearer sk-provider-secret"  # never the caller's token
    # revoke on the first instance's admin listener
    claims = json.loads(_payload(access))
    revoked = await first.client.post(
        f"{first.admin_url}/-/jwt/revoke", json={"jti": claims["jti"], "exp": claims["exp"]}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    listed = await second.client.get(f"{second.admin_url}/-/jwt/revoked/{claims['jti']}")
    assert listed.json()["revoked"] is True  # the shared denylist has it at once
    if cache == "1h":  # the second instance still trusts its cached "not revoked"
        cached = await post(second, "/v1/chat/completions", json=CHAT, headers=bearer)
        assert cached.status_code == 200
    for gw in (first, second) if cache == "0s" else (first,):
        refused = await post(gw, "/v1/chat/completions", json=CHAT, headers=bearer)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert refused.json()["error"]["request_id"] == refused.headers["x-request-id"]


async def test_refresh_reuse_on_another_instance_revokes_the_family(
    gateway_factory: Factory, fake_provider: FakeProvider, redis_url: str, files: dict[str, str]
) -> None:
    first, second = await two_gateways(gateway_factory, fake_provider, redis_url, files)
    pair = (await post(first, "/auth/token", headers={"X-API-Key": FREE})).json()
    rotated = await post(first, "/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert rotated.status_code == 200
    newest = rotated.json()["refresh_token"]
    stolen = await post(second, "/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert stolen.status_code == 401
    assert stolen.json()["error"]["type"] == "invalid_grant"
    legit = await post(first, "/auth/refresh", json={"refresh_token": newest})
    assert legit.status_code == 401


async def test_openai_client_with_an_api_key(
    gateway_factory: Factory, fake_provider: FakeProvider, redis_url: str, files: dict[str, str]
) -> None:
    policy = f"""
[[plugins]]
use = "api_key"
keys_file = "{files["keys"]}"
"""
    gw = await start(gateway_factory, fake_provider, redis_url, policy)
    client = openai.AsyncOpenAI(api_key=FREE, base_url=f"{gw.url}/v1", max_retries=0)
    reply = await client.chat.completions.create(
        model="chat-fast", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content
    with pytest.raises(openai.PermissionDeniedError) as denied:
        await client.chat.completions.create(
            model="chat-premium", messages=[{"role": "user", "content": "hi"}]
        )
    assert denied.value.status_code == 403
    wrong = openai.AsyncOpenAI(api_key="sk-guess", base_url=f"{gw.url}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await wrong.models.list()
    assert len(fake_provider.requests) == 1
    await client.close()
    await wrong.close()


def _payload(token: str) -> bytes:
    import base64

    segment = token.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
