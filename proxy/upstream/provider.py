"""A provider: where requests go, how they authenticate, what its models are called and cost.

Type ``openai`` covers every OpenAI-compatible API (Groq, OpenRouter, the Hugging Face router,
OpenAI, vLLM, Ollama...). Type ``mock`` answers in-process through the same seam.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from proxy.config.models import ProviderConfig, TimeoutsConfig
from proxy.upstream.aiohttp_client import AiohttpClient
from proxy.upstream.client import UpstreamClient, UpstreamRequest
from proxy.upstream.mock import MockClient


class Provider:
    def __init__(self, name: str, config: ProviderConfig, client: UpstreamClient) -> None:
        self.name = name
        self.config = config
        self.type = config.type
        self.client = client
        self.base_url = (config.base_url or f"mock://{name}/v1").rstrip("/")
        self.models = dict(config.models) if config.models is not None else None
        self.pricing = {model: (p.input, p.output) for model, p in config.pricing.items()}
        key = config.api_key.get_secret_value() if config.api_key else ""
        self._auth = [("authorization", f"Bearer {key}")] if key else []
        self._extra = [(k.lower(), v) for k, v in config.headers.items()]
        self._extra_names = {k for k, _ in self._extra}

    @classmethod
    def build(cls, name: str, config: ProviderConfig) -> Provider:
        client: UpstreamClient
        if config.type == "mock":
            client = MockClient(
                models=sorted(set(config.models.values())) if config.models else None,
                latency=config.latency,
                fail_rate=config.fail_rate,
                status=config.status,
                stream_delay=config.stream_delay,
            )
        else:
            client = AiohttpClient(max_connections=config.max_connections)
        return cls(name, config, client)

    def url(self, path: str, query: bytes) -> str:
        """The provider URL for a gateway path: ``/v1/chat/completions`` -> base_url + rest.

        Clients point their SDK at ``http://gateway/v1``, and every provider's base_url ends
        at its own version root, so the gateway's ``/v1`` is replaced by the base_url.
        """
        rest = path[3:] if path.startswith("/v1/") or path == "/v1" else path
        url = self.base_url + rest
        return f"{url}?{query.decode('latin-1')}" if query else url

    def request(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: TimeoutsConfig,
    ) -> UpstreamRequest:
        if self._extra_names:
            headers = [h for h in headers if h[0] not in self._extra_names]
        return UpstreamRequest(
            method=method,
            url=self.url(path, query),
            headers=headers + self._auth + self._extra,
            body=body,
            connect_timeout=timeouts.connect,
            first_byte_timeout=timeouts.first_byte,
            idle_timeout=timeouts.idle,
        )

    def auth_headers(self) -> list[tuple[str, str]]:
        """The provider's credentials and extra headers (for health probes)."""
        return self._auth + self._extra

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """USD for a call, from ``pricing`` (per 1M tokens); None when the model is unpriced."""
        price = self.pricing.get(model)
        if price is None:
            return None
        return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000

    def describe(self) -> dict[str, Any]:
        """For /-/status and `check`: never the key."""
        return {
            "type": self.type,
            "base_url": self.base_url,
            "models": self.models,
            "max_connections": self.config.max_connections,
        }

    async def close(self) -> None:
        await self.client.close()


def with_model(payload: dict[str, Any], model: str) -> bytes:
    """The JSON body with ``model`` replaced by the provider's name for it."""
    return orjson.dumps({**payload, "model": model})
