"""admin_token: every admin route but the probes needs the bearer token; reload rotates it."""

from __future__ import annotations

import httpx
import pytest

from proxy.config.errors import ConfigError
from proxy.config.loader import load_config
from tests.fixtures.upstreams import FakeProvider, one_provider_config

POLICY = 'description = "ids"\n[[plugins]]\nuse = "request_id"\n'
TOKEN = "s3cret-admin-token-0001"


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _config(provider: FakeProvider, token: str) -> str:
    return one_provider_config(provider, server=f'admin_token = "{token}"')


async def test_admin_routes_need_the_token_and_probes_do_not(
    gateway_factory, fake_provider: FakeProvider
) -> None:
    gw = await gateway_factory(_config(fake_provider, TOKEN), {"default": POLICY})
    good = _bearer(TOKEN)
    async with httpx.AsyncClient(timeout=10) as client:
        admin = gw.admin_url
        assert (await client.get(f"{admin}/-/health")).status_code == 200
        assert (await client.get(f"{admin}/-/ready")).status_code == 200
        behind = [("GET", "/-/status"), ("GET", "/-/metrics"), ("POST", "/-/reload")]
        behind.append(("GET", "/-/openapi.json"))  # a decision: docs/admin-api.md
        for method, path in behind:
            refused = await client.request(method, f"{admin}{path}")
            assert refused.status_code == 401, path
            assert refused.json()["error"]["type"] == "unauthorized"
            assert refused.headers["www-authenticate"].startswith("Bearer")
            wrong = await client.request(method, f"{admin}{path}", headers=_bearer(TOKEN + "x"))
            assert wrong.status_code == 401, path
        status = await client.get(f"{admin}/-/status", headers=good)
        assert status.status_code == 200 and TOKEN not in status.text
        assert (await client.get(f"{admin}/-/metrics", headers=good)).status_code == 200
        spec = await client.get(f"{admin}/-/openapi.json", headers=good)
        assert spec.status_code == 200 and spec.json()["openapi"] == "3.1.0"


async def test_a_reload_rotates_the_token(gateway_factory, fake_provider: FakeProvider) -> None:
    gw = await gateway_factory(_config(fake_provider, TOKEN), {"default": POLICY})
    new = "rotated-admin-token-0002"
    text = _config(fake_provider, new)
    text = text.replace("@LISTEN@", f"127.0.0.1:{gw.port}")
    gw.config_path.write_text(text.replace("@ADMIN@", f"127.0.0.1:{gw.admin_port}"))
    ok, message = await gw.reload()
    assert ok, message
    async with httpx.AsyncClient(timeout=10) as client:
        old = await client.get(f"{gw.admin_url}/-/status", headers=_bearer(TOKEN))
        fresh = await client.get(f"{gw.admin_url}/-/status", headers=_bearer(new))
    assert (old.status_code, fresh.status_code) == (401, 200)


def test_a_short_token_is_a_config_error_and_an_unset_one_is_none(tmp_path, monkeypatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[server]\nadmin_token = "short"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "server.admin_token" in str(error.value) and "16 characters" in str(error.value)
    monkeypatch.delenv("SLUICEGATE_ADMIN_TOKEN", raising=False)
    path.write_text('[server]\nadmin_token = "${SLUICEGATE_ADMIN_TOKEN:-}"\n')
    assert load_config(path).config.server.admin_token is None


def test_an_exposed_admin_listener_without_a_token_is_warned_about(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[server]\nadmin_listen = "0.0.0.0:9901"\n')
    assert any("admin_token is not set" in w for w in load_config(path).warnings)
    path.write_text('[server]\nadmin_listen = "127.0.0.1:9901"\n')
    assert not any("admin_token" in w for w in load_config(path).warnings)
    path.write_text(f'[server]\nadmin_listen = "0.0.0.0:9901"\nadmin_token = "{TOKEN}"\n')
    assert not any("admin_token" in w for w in load_config(path).warnings)
