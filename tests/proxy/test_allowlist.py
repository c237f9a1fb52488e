"""identity.allowed_models is enforced by the core on the final body: a plugin placed after the
authentication plugin that rewrites ``model`` cannot send a restricted caller elsewhere."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response

from plugins._keys import hash_key
from plugins.api_key import ApiKey
from plugins.jwt import Jwt
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions
from proxy.testing import Harness, PluginSpec, Result
from tests.fixtures.jwks import make_key

KEY = "sk-fast-only-0123456789"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hi"}]}


class ModelByHeader(Plugin):
    """The 40-line plugin of the report: ``X-Model`` picks the model, after authentication."""

    name = "model_by_header"
    Options = PluginOptions

    async def on_request(self, ex: Exchange) -> Response | None:
        wanted = ex.request_headers.get("x-model")
        if wanted:
            body = await ex.json()
            ex.set_json({**body, "model": wanted})
        return None


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(f'[[keys]]\nid = "fast"\nhash = "{hash_key(KEY)}"\nmodels = ["chat-fast"]\n')
    return path


async def through(plugins: list[PluginSpec], headers: dict[str, str]) -> tuple[Result, Harness]:
    h = Harness(plugins)
    result = await h.request("POST", "/v1/chat/completions", headers=headers, json=CHAT)
    return result, h


def refused(result: Result, h: Harness, *, monitored: bool = False) -> None:
    denied = [e for e in result.exchange.events if e.type == "model_denied"]
    assert [(e.reason, e.detail["model"], e.monitored) for e in denied] == [
        ("model_not_allowed", "chat-smart", monitored)
    ]
    if not monitored:
        assert result.status == 403
        assert result.json()["error"]["type"] == "model_not_allowed"
        assert h.upstream.requests == []


@pytest.mark.parametrize("mode", ["enforce", "monitor"])
async def test_a_model_rewritten_after_api_key_is_refused(keys_file: Path, mode: str) -> None:
    options: dict[str, Any] = {"keys_file": str(keys_file), "mode": mode}
    headers = {"X-API-Key": KEY, "X-Model": "chat-smart"}
    result, h = await through([(ApiKey, options), (ModelByHeader, {})], headers)
    refused(result, h, monitored=mode == "monitor")
    if mode == "monitor":
        assert result.status == 200
        assert h.upstream.requests[0].json()["model"] == "chat-smart"
    # the same plugin choosing an allowed model goes through
    ok = await h.request(
        "POST", "/v1/chat/completions", headers={**headers, "X-Model": "chat-fast"}, json=CHAT
    )
    assert ok.status == 200
    await h.close()


async def test_a_model_rewritten_after_jwt_is_refused(tmp_path: Path) -> None:
    key = make_key("HS256", "hs-1")
    secret = tmp_path / "secret"
    secret.write_bytes(key.private)
    now = int(time.time())
    token = key.sign({"sub": "u", "iat": now, "exp": now + 300, "models": ["chat-fast"]})
    jwt = (Jwt, {"key_file": str(secret), "algorithms": ["HS256"]})
    headers = {"Authorization": f"Bearer {token}", "X-Model": "chat-smart"}
    result, h = await through([jwt, (ModelByHeader, {})], headers)
    refused(result, h)
    await h.close()


async def test_enforce_models_off_records_but_lets_through(keys_file: Path) -> None:
    options = {"keys_file": str(keys_file), "enforce_models": False}
    headers = {"X-API-Key": KEY, "X-Model": "chat-smart"}
    result, h = await through([(ApiKey, options), (ModelByHeader, {})], headers)
    refused(result, h, monitored=True)
    assert result.status == 200
    await h.close()


async def test_a_delete_with_a_body_is_checked_too(keys_file: Path) -> None:
    h = Harness([(ApiKey, {"keys_file": str(keys_file)})])
    result = await h.request(
        "DELETE", "/v1/things", headers={"X-API-Key": KEY}, json={"model": "chat-smart"}
    )
    assert result.status == 403
    await h.close()
