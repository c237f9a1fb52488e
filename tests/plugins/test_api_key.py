"""api_key plugin: key files (TOML, JSON, env), constant-time lookup by digest, expiry,
model restrictions, header stripping, and load-time errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response

from plugins._keys import KeyEntry, KeyRing, hash_key
from plugins.api_key import ApiKey
from proxy.exchange import Exchange
from proxy.observe.metrics import Metrics
from proxy.plugin import Plugin, Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, FakeReply, FakeUpstream, Harness, Result
from proxy.upstream.client import UpstreamRequest

GOLD_KEY = "sk-gold-7f3a9c2e41d8b6a0"
FREE_KEY = "sk-free-0b1c2d3e4f5a6b7c"
OLD_KEY = "sk-old-11111111111111111"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}

KEYS_TOML = f"""
[[keys]]
id = "gold-team"
hash = "{hash_key(GOLD_KEY)}"
tier = "gold"
subject = "team-search"
limits = {{ tokens_per_day = 200000 }}

[[keys]]
id = "free-user"
hash = "{hash_key(FREE_KEY).upper()}"
tier = "free"
models = ["chat-fast"]

[[keys]]
id = "retired"
hash = "{hash_key(OLD_KEY)}"
expires = 2025-06-15T12:00:00Z
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_749_000_000.0)  # 2025-06-04, before the "retired" key expires


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(KEYS_TOML)
    return path


def harness(options: dict[str, Any], clock: FakeClock) -> Harness:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    return Harness([(ApiKey, options)], services=services)


async def call(h: Harness, headers: dict[str, str], body: Any = CHAT) -> Result:
    return await h.request("POST", "/v1/chat/completions", headers=headers, json=body)


def assert_refused(result: Result, reason: str) -> None:
    assert result.status == 401
    assert result.header("www-authenticate") is not None
    assert result.json()["error"]["type"] == "unauthorized"
    assert [(e.type, e.reason) for e in result.exchange.events] == [("auth_failed", reason)]


async def test_key_in_x_api_key_sets_identity_and_is_not_forwarded(
    keys_file: Path, clock: FakeClock
) -> None:
    h = harness({"keys_file": str(keys_file)}, clock)
    result = await call(h, {"X-API-Key": GOLD_KEY})
    assert result.status == 200
    identity = result.exchange.identity
    assert identity is not None
    assert (identity.subject, identity.key_id, identity.tier, identity.source) == (
        "team-search",
        "gold-team",
        "gold",
        "api_key",
    )
    assert identity.claims["limits"] == {"tokens_per_day": 200000}
    assert identity.allowed_models is None
    sent = {k.lower() for k in h.upstream.requests[0].headers}
    assert "x-api-key" not in sent and "authorization" not in sent
    await h.close()


async def test_key_as_bearer_token(keys_file: Path, clock: FakeClock) -> None:
    h = harness({"keys_file": str(keys_file)}, clock)
    result = await call(h, {"Authorization": f"Bearer {FREE_KEY}"})
    assert result.status == 200
    assert result.exchange.identity is not None and result.exchange.identity.tier == "free"
    await h.close()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_key"),
        ({"X-API-Key": "sk-wrong"}, "unknown_key"),
        ({"X-API-Key": GOLD_KEY + " "}, None),  # surrounding whitespace is not part of a key
        ({"X-API-Key": GOLD_KEY[:-1]}, "unknown_key"),
        ({"X-API-Key": hash_key(GOLD_KEY)}, "unknown_key"),  # the stored hash is not a key
        ({"Authorization": f"Basic {GOLD_KEY}"}, "missing_key"),
        ({"X-API-Key": "k" * 600}, "oversized_key"),
    ],
)
async def test_bad_or_missing_keys_are_refused(
    headers: dict[str, str], reason: str | None, keys_file: Path, clock: FakeClock
) -> None:
    h = harness({"keys_file": str(keys_file)}, clock)
    result = await call(h, headers)
    if reason is None:
        assert result.status == 200
    else:
        assert_refused(result, reason)
        assert h.upstream.requests == []
    await h.close()


async def test_expired_key_stops_working_at_its_expiry(keys_file: Path, clock: FakeClock) -> None:
    h = harness({"keys_file": str(keys_file)}, clock)
    assert (await call(h, {"X-API-Key": OLD_KEY})).status == 200
    clock.now = 1_749_988_800.0  # 2025-06-15T12:00:00Z exactly
    assert_refused(await call(h, {"X-API-Key": OLD_KEY}), "expired_key")
    await h.close()


async def test_model_restrictions(keys_file: Path, clock: FakeClock) -> None:
    h = harness({"keys_file": str(keys_file)}, clock)
    key = {"X-API-Key": FREE_KEY}
    assert (await call(h, key)).status == 200
    denied = await call(h, key, {**CHAT, "model": "chat-premium"})
    assert denied.status == 403
    assert denied.json()["error"]["type"] == "model_not_allowed"
    assert [e.reason for e in denied.exchange.events] == ["model_not_allowed"]
    wrong_type = await call(h, key, {**CHAT, "model": ["chat-fast"]})
    assert wrong_type.status == 403
    no_model = await call(h, key, {"input": "x"})  # nothing to check
    assert no_model.status == 200
    listing = await h.request("GET", "/v1/models", headers=key)
    assert listing.status == 200
    # a body that is not JSON cannot be checked, so a restricted key is refused (fail closed)
    form = await h.request(
        "POST",
        "/v1/audio/transcriptions",
        body=b"model=chat-premium",
        headers={**key, "content-type": "multipart/form-data; boundary=x"},
    )
    assert form.status == 403
    # an unrestricted key is never refused for its model
    assert (await call(h, {"X-API-Key": GOLD_KEY}, {**CHAT, "model": "anything"})).status == 200
    assert len(h.upstream.requests) == 4
    await h.close()


async def test_enforce_models_off_only_reports_the_restriction(
    keys_file: Path, clock: FakeClock
) -> None:
    h = harness({"keys_file": str(keys_file), "enforce_models": False}, clock)
    result = await call(h, {"X-API-Key": FREE_KEY}, {**CHAT, "model": "chat-premium"})
    assert result.status == 200
    assert result.exchange.identity is not None
    assert result.exchange.identity.allowed_models == frozenset({"chat-fast"})
    await h.close()


async def test_keys_from_env_json(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TEST_API_KEYS", json.dumps([{"id": "ci", "hash": hash_key("sk-ci"), "tier": "internal"}])
    )
    h = harness({"keys_env": "TEST_API_KEYS", "header": "X-Gateway-Key"}, clock)
    result = await call(h, {"X-Gateway-Key": "sk-ci"})
    assert result.status == 200
    assert "x-gateway-key" not in {k.lower() for k in h.upstream.requests[0].headers}
    assert_refused(await call(h, {"X-API-Key": "sk-ci"}), "missing_key")
    await h.close()


async def test_json_key_file_with_keys_object(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keys.json"
    path.write_text(
        json.dumps(
            {"keys": [{"id": "a", "hash": hash_key("sk-a"), "expires": "2030-01-01T00:00:00"}]}
        )
    )
    h = harness({"keys_file": str(path)}, clock)
    assert (await call(h, {"X-API-Key": "sk-a"})).status == 200
    await h.close()


async def test_optional_and_earlier_identity(keys_file: Path, clock: FakeClock) -> None:
    h = harness({"keys_file": str(keys_file), "optional": True}, clock)
    anonymous = await call(h, {})
    assert anonymous.status == 200 and anonymous.exchange.identity is None
    assert_refused(await call(h, {"X-API-Key": "sk-wrong"}), "unknown_key")
    await h.close()


class EchoIdentity(Plugin):
    """Test plugin: sends the key id upstream, where the fake provider echoes it back."""

    name = "echo_identity"

    async def on_request(self, ex: Exchange) -> Response | None:
        ex.request_headers["x-test-key-id"] = ex.identity.key_id or "" if ex.identity else ""
        return None


def echo(request: UpstreamRequest, body: bytes) -> FakeReply:
    return FakeReply.json({"key_id": dict(request.headers).get("x-test-key-id")})


async def test_concurrent_callers_get_their_own_identity(keys_file: Path, clock: FakeClock) -> None:
    services = Services(store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock)
    h = Harness(
        [(ApiKey, {"keys_file": str(keys_file)}), (EchoIdentity, {})],
        FakeUpstream(echo),
        services=services,
    )
    keys = [GOLD_KEY, FREE_KEY, "sk-nope"] * 10
    results = await asyncio.gather(*(call(h, {"X-API-Key": k}) for k in keys))
    expected = {GOLD_KEY: "gold-team", FREE_KEY: "free-user"}
    for key, result in zip(keys, results, strict=True):
        if key == "sk-nope":
            assert result.status == 401
        else:
            assert result.status == 200
            assert result.json() == {"key_id": expected[key]}
    assert len(h.upstream.requests) == 20
    await h.close()


BAD_FILES = {
    "not toml": ("keys.toml", "[[keys]\nid=", "not valid TOML"),
    "not json": ("keys.json", "{", "not valid JSON"),
    "bad hash": ("keys.toml", '[[keys]]\nid = "a"\nhash = "abc"\n', "keys[0]: hash"),
    "unknown field": (
        "keys.toml",
        f'[[keys]]\nid = "a"\nhash = "{hash_key("x")}"\nteir = 1\n',
        "keys[0]: teir",
    ),
    "duplicate id": (
        "keys.json",
        json.dumps([{"id": "a", "hash": hash_key("x")}, {"id": "a", "hash": hash_key("y")}]),
        "duplicate key id 'a'",
    ),
    "duplicate hash": (
        "keys.json",
        json.dumps([{"id": "a", "hash": hash_key("x")}, {"id": "b", "hash": hash_key("x")}]),
        "same hash",
    ),
    "no list": ("keys.json", '{"key": []}', "expected a list"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_key_files_fail_at_load_naming_the_file(case: str, tmp_path: Path) -> None:
    name, text, message = BAD_FILES[case]
    path = tmp_path / name
    path.write_text(text)
    options = ApiKey.Options.model_validate({"keys_file": str(path)})
    with pytest.raises(ValueError) as info:
        ApiKey(options, Services(store=MemoryStore(), metrics=Metrics()))
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_option_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one of keys_file, keys_env"):
        ApiKey.Options.model_validate({})
    with pytest.raises(ValueError, match="exactly one of keys_file, keys_env"):
        ApiKey.Options.model_validate({"keys_file": "a", "keys_env": "B"})
    services = Services(store=MemoryStore(), metrics=Metrics())
    with pytest.raises(ValueError, match="cannot read"):
        ApiKey(
            ApiKey.Options.model_validate({"keys_file": str(tmp_path / "absent.toml")}), services
        )
    with pytest.raises(ValueError, match="TEST_NO_SUCH_VAR is not set"):
        ApiKey(ApiKey.Options.model_validate({"keys_env": "TEST_NO_SUCH_VAR"}), services)


def test_keyring_matches_by_sha256_digest_only() -> None:
    ring = KeyRing([KeyEntry.model_validate({"id": "a", "hash": hash_key("secret")})])
    assert hash_key("secret") == hashlib.sha256(b"secret").hexdigest()
    found = ring.match("secret")
    assert found is not None and found.id == "a"
    assert ring.match("Secret") is None
    assert ring.match("") is None
    assert ring.by_id("a") is found


def test_describe_shows_counts_not_hashes(keys_file: Path) -> None:
    plugin = ApiKey(
        ApiKey.Options.model_validate({"keys_file": str(keys_file)}),
        Services(store=MemoryStore(), metrics=Metrics()),
    )
    described = json.dumps(plugin.describe())
    assert '"keys": 3' in described
    assert hash_key(GOLD_KEY) not in described
