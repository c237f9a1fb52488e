"""What the keys-store tests share: the gateway config, the admin client, waiting loops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

TOKEN = "admin-token-for-keys-tests-0123"
ADMIN = {"authorization": f"Bearer {TOKEN}"}
CHAT = {"model": "chat-fast", "messages": [{"role": "user", "content": "hello there"}]}
POLICY = {
    "runtime": 'description = "runtime keys"\n\n[[plugins]]\nuse = "api_key"\nsource = "store"\n'
}


def config(store_url: str, *, listen: str = "@LISTEN@", state: str = "") -> str:
    return f"""
[server]
listen = ["{listen}"]
admin_listen = "@ADMIN@"
admin_token = "{TOKEN}"
access_log = false

{state}

[keys]
url = "{store_url}"
poll_interval = "100ms"
flush_interval = "200ms"

[providers.mock]
type = "mock"
pricing = {{ "chat-fast" = {{ input = 1000, output = 3000 }} }}

[upstreams.chat]
targets = [{{ provider = "mock" }}]

[[routes]]
match = {{ path_prefix = "/v1/" }}
policy = "runtime"
upstream = "chat"
"""


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> float:
    """Poll ``check`` every 20 ms; the seconds it took (fails after ``seconds``)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(int(seconds / 0.02)):
        if await check():
            return loop.time() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {seconds} s")


async def chat(client: httpx.AsyncClient, url: str, key: str, **extra: Any) -> httpx.Response:
    return await client.post(
        f"{url}/v1/chat/completions",
        json={**CHAT, **extra},
        headers={"authorization": f"Bearer {key}"},
    )
