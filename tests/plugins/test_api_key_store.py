"""api_key with runtime keys (source = "store" | "both"): the in-process directory, rotation
overlap, expiry, the key's and its team's own limits, and option errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from plugins._keys import hash_key
from plugins.api_key import ApiKey
from proxy.keys.directory import KeyDirectory
from proxy.keys.store import KeyRow
from proxy.observe.metrics import Metrics
from proxy.plugin import Services
from proxy.state import MemoryStore
from proxy.testing import FakeClock, FakeReply, FakeUpstream, Harness, Result

NOW = 1_800_000_000.0
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


def row(key_id: str, secret: str, **fields: Any) -> KeyRow:
    values: dict[str, Any] = {
        "id": key_id,
        "hash": hash_key(secret),
        "previous_hash": None,
        "previous_expires_at": None,
        "team": None,
        "tier": None,
        "models": None,
        "rpm": None,
        "tpm": None,
        "budget_usd": None,
        "budget_period": "month",
        "expires_at": None,
        "team_budget_usd": None,
        "team_budget_period": "month",
        "team_rpm": None,
        "team_tpm": None,
        "team_models": None,
    }
    values.update(fields)
    return KeyRow(**values)


def harness(
    rows: list[KeyRow], options: dict[str, Any] | None = None, reply: FakeReply | None = None
) -> tuple[Harness, KeyDirectory, FakeClock]:
    clock = FakeClock(NOW)
    directory = KeyDirectory()
    directory.load(rows, 1)
    services = Services(
        store=MemoryStore(clock=clock), metrics=Metrics(), clock=clock, keys=directory
    )
    plugin = (ApiKey, options or {"source": "store"})
    return Harness([plugin], FakeUpstream(reply), services=services), directory, clock


async def call(h: Harness, key: str, body: Any = CHAT) -> Result:
    return await h.request(
        "POST", "/v1/chat/completions", headers={"authorization": f"Bearer {key}"}, json=body
    )


async def test_a_store_key_makes_an_identity_with_its_team() -> None:
    h, _, _ = harness([row("key_a", "sg-a", team="search", tier="gold")])
    result = await call(h, "sg-a")
    assert result.status == 200
    identity = result.exchange.identity
    assert identity is not None
    assert (identity.key_id, identity.team, identity.tier) == ("key_a", "search", "gold")
    assert "authorization" not in h.upstream.requests[0].headers
    assert (await call(h, "sg-nope")).status == 401


async def test_a_reload_of_the_directory_takes_effect_on_the_next_request() -> None:
    h, directory, _ = harness([row("key_a", "sg-a")])
    assert (await call(h, "sg-a")).status == 200
    directory.load([], 2)  # revoked elsewhere: the poll reloaded the directory without it
    assert (await call(h, "sg-a")).status == 401


async def test_rotation_keeps_the_old_secret_until_the_overlap_ends() -> None:
    rotated = row("key_a", "sg-new", previous_hash=hash_key("sg-old"), previous_expires_at=NOW + 60)
    h, _, clock = harness([rotated])
    assert (await call(h, "sg-old")).status == 200
    assert (await call(h, "sg-new")).status == 200
    clock.advance(61)
    old = await call(h, "sg-old")
    assert old.status == 401
    assert [e.reason for e in old.exchange.events] == ["expired_key"]
    assert (await call(h, "sg-new")).status == 200


async def test_models_are_the_keys_and_the_teams_together() -> None:
    h, _, _ = harness(
        [
            row(
                "key_a",
                "sg-a",
                models=("chat-fast", "chat-large"),
                team="t",
                team_models=("chat-fast",),
            )
        ]
    )
    assert (await call(h, "sg-a")).status == 200
    assert (await call(h, "sg-a", {**CHAT, "model": "chat-large"})).status == 403


async def test_the_keys_rpm_and_the_teams_tpm_are_enforced() -> None:
    usage = {"usage": {"prompt_tokens": 40, "completion_tokens": 30, "total_tokens": 70}}
    reply = FakeReply.json({"choices": [], **usage})
    h, _, _ = harness(
        [
            row("key_a", "sg-a", rpm=3, team="t", team_tpm=100),
            row("key_b", "sg-b", team="t", team_tpm=100),
        ],
        reply=reply,
    )
    assert (await call(h, "sg-a")).status == 200
    assert (await call(h, "sg-b")).status == 200  # the team now used 140 of 100 tokens
    refused = await call(h, "sg-a")
    assert refused.status == 429
    assert refused.json()["error"]["type"] == "token_limit_exceeded"
    assert refused.header("retry-after") is not None

    h2, _, _ = harness([row("key_a", "sg-a", rpm=2)])
    assert [(await call(h2, "sg-a")).status for _ in range(3)] == [200, 200, 429]


async def test_both_sources_together(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[[keys]]\nid = "file-key"\nhash = "{hash_key("sk-file")}"\n')
    h, _, _ = harness([row("key_a", "sg-a")], {"source": "both", "keys_file": str(keys)})
    assert (await call(h, "sk-file")).exchange.identity.key_id == "file-key"  # type: ignore[union-attr]
    assert (await call(h, "sg-a")).exchange.identity.key_id == "key_a"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"source": "store", "keys_file": "k.toml"}, 'source = "store" reads no key file'),
        ({"source": "both"}, "set exactly one of keys_file, keys_env"),
        ({"source": "db"}, "source"),
    ],
)
def test_option_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ApiKey.Options.model_validate(options)


def test_store_source_without_a_store_is_a_load_error() -> None:
    services = Services(store=MemoryStore(), metrics=Metrics())
    with pytest.raises(ValueError, match="needs the keys store"):
        ApiKey(ApiKey.Options(source="store"), services)
