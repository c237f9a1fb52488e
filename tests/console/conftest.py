"""One gateway (fake provider, admin token, keys store, auto-ban) for each console test
module, module-scoped on the module's event loop (test_browser.py adds the one browser)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.fixtures.gateway import RunningGateway, start_gateway
from tests.fixtures.upstreams import FakeProvider

TOKEN = "console-admin-token-0123456789"
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hello"}]}
POLICY = """description = "keys from the store, with auto-ban on failed sign-ins"
[[plugins]]
use = "ip_filter"
auto_ban = { after = 3, within = "60s", ban_for = "10m", on = ["auth_failed"] }

[[plugins]]
use = "api_key"
source = "store"
"""


def config(provider: FakeProvider) -> str:
    return f"""
[server]
listen = ["@LISTEN@"]
admin_listen = "@ADMIN@"
admin_token = "{TOKEN}"
access_log = false
trusted_proxies = ["127.0.0.1/32"]  # the tests play a TLS-terminating proxy too

[keys]
poll_interval = "100ms"
flush_interval = "100ms"

[providers.fake]
type = "openai"
base_url = "{provider.url}"
api_key = "sk-x"
models = {{ "chat-fast" = "fake-model" }}
pricing = {{ "chat-fast" = {{ input = 1000, output = 3000 }} }}
health = {{ interval = "200ms", timeout = "500ms", healthy_threshold = 1, unhealthy_threshold = 1 }}

[upstreams.chat]
targets = [{{ provider = "fake" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "default"
upstream = "chat"
"""


@dataclass
class Stack:
    gw: RunningGateway
    provider: FakeProvider
    http: httpx.AsyncClient

    @property
    def ui(self) -> str:
        return f"{self.gw.admin_url}/-/ui"

    async def chat(self, key: str) -> httpx.Response:
        return await self.http.post(
            f"{self.gw.url}/v1/chat/completions",
            json=CHAT,
            headers={"authorization": f"Bearer {key}"},
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    provider = await FakeProvider(name="fake").start()
    directory: Path = tmp_path_factory.mktemp("console")
    gw = await start_gateway(directory, config(provider), {"default": POLICY})
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield Stack(gw, provider, http)
    finally:
        await gw.stop()
        await provider.stop()
