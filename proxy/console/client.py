"""The console talks to the admin API in process, as any other client would.

Keys, teams, spend and bans go through ``/-/api/...`` and ``/-/bans`` over an in-memory ASGI
transport (no socket) with the admin token, so the console gets exactly the API's
validation, audit entries and error envelopes, and can never do what the API refuses. Each
change is audited as ``console via admin-token:…``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx

ACTOR = "console"
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    status: int
    body: Any
    text: str
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        """The envelope's message (the API's own words), for a refusal."""
        if isinstance(self.body, dict):
            error = self.body.get("error")
            if isinstance(error, dict):
                return str(error.get("message", self.text))
            if isinstance(error, str):
                return error
        return self.text[:300] or f"status {self.status}"


class AdminClient:
    def __init__(self, app: App, token: str) -> None:
        self._app = app
        self._token = token

    async def call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> ApiAnswer:
        transport = httpx.ASGITransport(app=cast(Any, self._app))
        headers = {"authorization": f"Bearer {self._token}", "x-sluicegate-actor": ACTOR}
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as client:
            response = await client.request(method, path, json=body, params=params, headers=headers)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return ApiAnswer(response.status_code, parsed, response.text, response.headers)
