"""``azure``: Azure OpenAI — a deployment per model in the URL, ``api-version``, ``api-key``.

``models`` maps public aliases to deployment names; a request for ``chat-fast`` goes to
``{base_url}/openai/deployments/<deployment>/chat/completions?api-version=…``. The Responses
API is not per deployment (``{base_url}/openai/responses``, the deployment in ``model``).
Azure refuses filtered prompts with its own error shape (``code: content_filter`` and an
``innererror`` with the filter results); that becomes the gateway's envelope with type
``content_filter`` so clients see one shape whatever the provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import orjson

from proxy.apis import ClientApi
from proxy.upstream.client import BasicResponse, RawHeaders, UpstreamResponse
from proxy.upstream.kinds.base import ProviderKind

AZURE_API_VERSION = "2024-10-21"
_PER_DEPLOYMENT = frozenset(
    {"chat", "completions", "embeddings", "transcriptions", "translations", "speech", "images"}
)
_ERROR_CAP = 256 * 1024


class AzureKind(ProviderKind):
    name = "azure"
    description = "Azure OpenAI: deployment URLs, api-version, api-key header or bearer token."

    def auth_headers(self, key: str) -> list[tuple[str, str]]:
        if self.config.auth == "bearer":
            return [("authorization", f"Bearer {key}")]
        return [("api-key", key)]

    def url(self, api: ClientApi | None, rest: str, model: str | None, query: bytes) -> str:
        version = self.config.api_version or AZURE_API_VERSION
        params = [
            p for p in query.decode("latin-1").split("&") if p and not p.startswith("api-version=")
        ]
        params.append(f"api-version={version}")
        if api is not None and api.name in _PER_DEPLOYMENT and model:
            # A passed-through alias is the client's text: one path segment, escaped.
            path = f"/openai/deployments/{quote(model, safe='')}{api.suffix}"
        else:
            path = f"/openai{rest}"
        return f"{self.base_url}{path}?{'&'.join(params)}"

    def adapt(self, response: UpstreamResponse) -> UpstreamResponse:
        if response.status < 400:
            return response
        return ContentFilterMapped(response)


class ContentFilterMapped(BasicResponse):
    """An Azure error response; a content-filter refusal is rewritten to the gateway's shape."""

    __slots__ = ("_response", "headers", "status")

    def __init__(self, response: UpstreamResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: RawHeaders = [
            (k, v) for k, v in response.headers if k.lower() != b"content-length"
        ]

    async def chunks(self) -> AsyncIterator[bytes]:
        parts = []
        size = 0
        async for chunk in self._response.chunks():
            size += len(chunk)
            if size > _ERROR_CAP:
                return
            parts.append(chunk)
        yield map_content_filter(b"".join(parts))

    async def aclose(self) -> None:
        await self._response.aclose()


def map_content_filter(body: bytes) -> bytes:
    """Azure's ``{"error": {"code": "content_filter", "innererror": …}}`` as the envelope."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict) or error.get("code") != "content_filter":
        return body
    inner = error.get("innererror")
    results: Any = inner.get("content_filter_result") if isinstance(inner, dict) else None
    message = error.get("message")
    return orjson.dumps(
        {
            "error": {
                "type": "content_filter",
                "message": message if isinstance(message, str) else "blocked by a content filter",
                "code": 400,
                "param": error.get("param"),
                "content_filter_result": results,
            }
        }
    )
