"""The admin API on the default SQLite store, over real sockets: teams, keys, spend, audit,
refusals in the envelope, and what a runtime key does on the proxy path."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from proxy.config.errors import ConfigError
from proxy.config.loader import load_config
from proxy.observe.metrics import Metrics
from proxy.runtime import Runtime
from tests.fixtures.gateway import RunningGateway, write_config
from tests.integration.keys.helpers import ADMIN, POLICY, TOKEN, chat, config

Factory = Callable[..., Awaitable[RunningGateway]]


@pytest.fixture
async def gw(gateway_factory: Factory, tmp_path: Path) -> RunningGateway:
    return await gateway_factory(config(f"sqlite:///{tmp_path / 'keys.db'}"), POLICY)


async def test_team_and_key_lifecycle_on_the_proxy_path(gw: RunningGateway) -> None:
    api = f"{gw.admin_url}/-/api"
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        created = await admin.post(
            f"{api}/teams", json={"name": "search", "budget_usd": 50, "budget_period": "month"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "search"
        made = await admin.post(f"{api}/keys", json={"team": "search", "models": ["chat-fast"]})
        assert made.status_code == 201, made.text
        key = made.json()
        assert key["key"].startswith(key["prefix"]) and key["team"] == "search"
        listed = (await admin.get(f"{api}/keys")).json()
        assert [k["id"] for k in listed] == [key["id"]]
        assert "key" not in listed[0]  # the secret is shown once, at creation
        found = await admin.get(f"{api}/keys", params={"q": key["prefix"], "team": "search"})
        assert [k["id"] for k in found.json()] == [key["id"]]
        assert (await admin.get(f"{api}/keys", params={"q": "zzz-none"})).json() == []
        # "_" and "%" are searched for, not LIKE wildcards: an id ("key_…") is found whole,
        # and a lone wildcard matches nothing (a prefix holding "_" was once never found).
        by_id = await admin.get(f"{api}/keys", params={"q": key["id"]})
        assert [k["id"] for k in by_id.json()] == [key["id"]]
        assert (await admin.get(f"{api}/keys", params={"q": "%"})).json() == []
        assert (await admin.get(f"{api}/keys", params={"q": "k_y"})).json() == []  # not "key"

        ok = await chat(gw.client, gw.url, key["key"])
        assert ok.status_code == 200, ok.text
        other_model = await chat(gw.client, gw.url, key["key"], model="chat-large")
        assert other_model.status_code == 403

        revoked = await admin.delete(f"{api}/keys/{key['id']}")
        assert revoked.json()["status"] == "revoked"
        refused = await chat(gw.client, gw.url, key["key"])
        assert refused.status_code == 401
        assert refused.json()["error"]["type"] == "unauthorized"

        await gw.settled()
        spend = await admin.get(f"{api}/spend", params={"group_by": "team", "period": "day"})
        rows = spend.json()
        assert [(r["team"], r["requests"]) for r in rows] == [("search", 1)]
        assert rows[0]["cost_usd"] > 0 and rows[0]["input_tokens"] > 0
        csv = await admin.get(f"{api}/spend", params={"group_by": "team", "format": "csv"})
        assert csv.text.splitlines()[0].startswith("period,team,requests")

        audit = (await admin.get(f"{api}/audit")).json()
        assert [a["action"] for a in audit] == ["key.revoke", "key.create", "team.create"]
        assert all(a["actor"].startswith("admin-token:") for a in audit)


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("teams", {"name": "t", "budget_usd": -1}, 400, "budget_usd"),
        ("teams", {"name": "t", "budgett": 1}, 400, "budgett"),
        ("teams", {"name": "t", "rpm": "ten"}, 400, "rpm"),
        ("teams", {"name": "has space"}, 400, "name"),
        ("keys", {"team": "nobody"}, 404, "team"),
        ("keys", {"expires_at": "tomorrow"}, 400, "expires_at"),
        ("keys", {"models": "chat-fast"}, 400, "models"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    gw: RunningGateway, path: str, body: dict[str, object], status: int, field: str
) -> None:
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        response = await admin.post(f"{gw.admin_url}/-/api/{path}", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["field"] == field
        assert (await admin.get(f"{gw.admin_url}/-/api/teams")).json() == []
        assert (await admin.get(f"{gw.admin_url}/-/api/audit")).json() == []


async def test_duplicates_tokens_and_documents(gw: RunningGateway) -> None:
    api = f"{gw.admin_url}/-/api"
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(f"{api}/keys")).status_code == 401
        assert (
            await client.post(f"{api}/teams", json={"name": "a"}, headers=ADMIN)
        ).status_code == 201
        again = await client.post(f"{api}/teams", json={"name": "a"}, headers=ADMIN)
        assert again.status_code == 409 and again.json()["error"]["field"] == "name"
        not_json = await client.post(f"{api}/teams", content=b"{nope", headers=ADMIN)
        assert not_json.status_code == 400
        document = (await client.get(f"{gw.admin_url}/-/openapi.json", headers=ADMIN)).json()
        assert {"/-/api/keys", "/-/api/teams", "/-/api/spend", "/-/api/audit"} <= set(
            document["paths"]
        )
        missing = await client.get(f"{api}/nothing", headers=ADMIN)
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"


async def test_a_team_budget_refuses_once_spent_and_rotation_overlaps(gw: RunningGateway) -> None:
    api = f"{gw.admin_url}/-/api"
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        await admin.post(f"{api}/teams", json={"name": "tight", "budget_usd": 0.000001})
        key = (await admin.post(f"{api}/keys", json={"team": "tight"})).json()
        assert (await chat(gw.client, gw.url, key["key"])).status_code == 200
        await gw.settled()  # the real cost is settled after the answer
        spent = await chat(gw.client, gw.url, key["key"])
        assert spent.status_code == 402
        assert spent.json()["error"]["type"] == "budget_exceeded"
        raised = await admin.patch(f"{api}/teams/tight", json={"budget_usd": 100})
        assert raised.json()["budget_usd"] == 100
        assert (await chat(gw.client, gw.url, key["key"])).status_code == 200

        rotated = await admin.post(f"{api}/keys/{key['id']}/rotate", json={"overlap_seconds": 60})
        new = rotated.json()
        assert new["id"] == key["id"] and new["key"] != key["key"]
        assert (await chat(gw.client, gw.url, key["key"])).status_code == 200  # still, a while
        assert (await chat(gw.client, gw.url, new["key"])).status_code == 200
        again = await admin.post(f"{api}/keys/{key['id']}/rotate", json={"overlap": "0s"})
        assert (await chat(gw.client, gw.url, new["key"])).status_code == 401  # no overlap
        assert (await chat(gw.client, gw.url, again.json()["key"])).status_code == 200

        page = await admin.get(f"{api}/audit", params={"limit": 2})
        assert len(page.json()) == 2 and int(page.headers["x-total-count"]) == 5
        assert page.headers["x-next-offset"] == "2"


async def test_the_cli_drives_the_api(gw: RunningGateway) -> None:
    env = {**os.environ, "SLUICEGATE_ADMIN_URL": gw.admin_url, "SLUICEGATE_ADMIN_TOKEN": TOKEN}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "proxy", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert (
        await asyncio.to_thread(cli, "teams", "create", "ops", "--budget-usd", "5")
    ).returncode == 0
    made = await asyncio.to_thread(cli, "keys", "create", "--team", "ops", "--json")
    key = json.loads(made.stdout)
    assert (await chat(gw.client, gw.url, key["key"])).status_code == 200
    listed = await asyncio.to_thread(cli, "keys", "list", "--team", "ops")
    assert key["id"] in listed.stdout and key["key"] not in listed.stdout
    await gw.settled()
    month = key["created_at"][:7]
    spend = await asyncio.to_thread(cli, "spend", "--team", "ops", "--month", month, "--json")
    assert [(r["key"], r["requests"]) for r in json.loads(spend.stdout)] == [(key["id"], 1)]
    assert (await asyncio.to_thread(cli, "keys", "revoke", key["id"])).returncode == 0
    assert (await chat(gw.client, gw.url, key["key"])).status_code == 401
    duplicate = await asyncio.to_thread(cli, "teams", "create", "ops")
    assert duplicate.returncode == 1 and "409 conflict" in duplicate.stderr
    wrong = await asyncio.to_thread(cli, "keys", "list", "--token", "wrong-token-0123456789")
    assert wrong.returncode == 1 and "401" in wrong.stderr


async def test_a_reload_keeps_the_store_and_its_keys(gw: RunningGateway) -> None:
    api = f"{gw.admin_url}/-/api"
    async with httpx.AsyncClient(headers=ADMIN, timeout=30) as admin:
        key = (await admin.post(f"{api}/keys", json={})).json()
        service = gw.gateway.runtime.keys
        assert (await gw.reload())[0]
        assert gw.gateway.runtime.keys is service  # [keys] unchanged: the same store and ledger
        assert (await chat(gw.client, gw.url, key["key"])).status_code == 200
        revoked = await admin.delete(f"{api}/keys/{key['id']}")  # the rebuilt admin app
        assert revoked.status_code == 200
        assert (await chat(gw.client, gw.url, key["key"])).status_code == 401


async def test_an_unreachable_store_stops_only_policies_that_need_it(
    gateway_factory: Factory, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    url = f"sqlite:///{blocked / 'keys.db'}"
    file_policy = {"runtime": 'description = "no keys"\n'}
    gw = await gateway_factory(config(url), file_policy)
    served = await gw.client.post(
        f"{gw.url}/v1/chat/completions",
        json={"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert served.status_code == 200
    answer = await gw.client.get(f"{gw.admin_url}/-/api/keys", headers=ADMIN)
    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "store_unavailable"

    (tmp_path / "needs").mkdir()
    path, _, _ = write_config(tmp_path / "needs", config(url), POLICY)
    runtime = Runtime.build(load_config(path), Metrics())
    with pytest.raises(ConfigError, match=r"keys\.url: cannot open the keys store"):
        await runtime.open()
    await runtime.close()
