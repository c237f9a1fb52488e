"""A provider: where requests go, how they authenticate, what its models are called and cost.

What differs between kinds of provider (``openai``, ``anthropic``, ``azure``, ``mock``) lives
in ``proxy.upstream.kinds``: the dialect, the APIs served as they are, auth headers, URLs and
error shapes. This class holds what every provider has: a name, a client, models and prices.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

from proxy.apis import ClientApi
from proxy.config.upstreams import ProviderConfig, TimeoutsConfig
from proxy.forward import PROPAGATION
from proxy.jsonbytes import dumps_kept
from proxy.requesttarget import quote_path
from proxy.translate import TRANSLATORS, Translator, Untranslatable
from proxy.upstream.client import UpstreamClient, UpstreamRequest
from proxy.upstream.kinds import KINDS
from proxy.upstream.pricing import tokens_cost


class Provider:
    def __init__(
        self, name: str, config: ProviderConfig, client: UpstreamClient | None = None
    ) -> None:
        self.name = name
        self.config = config
        self.type = config.type
        self.kind = KINDS[config.type](name, config)
        self.client = client if client is not None else self.kind.client()
        self.base_url = self.kind.base_url
        self.models = dict(config.models) if config.models is not None else None
        self.pricing = {model: (p.input, p.output) for model, p in config.pricing.items()}
        self.unit_prices = {
            model: p
            for model, p in config.pricing.items()
            if p.per_image or p.per_second or p.per_1m_characters
        }
        self._auth = self.kind.auth
        self._extra = [(k.lower(), v) for k, v in config.headers.items()]
        self._added = self._auth + self._extra  # appended to every request's headers
        # Whether those carry a W3C trace header (a tracer replaces it): decided here, once.
        self.adds_propagation = any(k.lower() in PROPAGATION for k, _ in self._added)
        # The client's own copies of the provider's auth headers never go upstream ("authorization"
        # is dropped for every request already, in proxy.forward).
        self._extra_names = {k for k, _ in self._extra} | {k for k, _ in self._auth} - {
            "authorization"
        }
        # A URL depends only on its inputs, and a gateway asks for the same few: kept per
        # provider (bounded: a passed-through model name is the client's text).
        self._urls = functools.lru_cache(maxsize=1024)(self._url)

    @classmethod
    def build(cls, name: str, config: ProviderConfig) -> Provider:
        return cls(name, config)

    def translator(self, api: ClientApi | None) -> Translator | None:
        """None when this provider serves ``api`` as it is; else the translator to use.

        Raises ``Untranslatable`` when the API has no counterpart at this kind of provider.
        """
        if api is None or api.name in self.kind.native:
            return None
        translator = TRANSLATORS.get((api.name, self.kind.dialect))
        if translator is None:
            raise Untranslatable(f"the {api.name} API", f"{self.type} provider {self.name!r}")
        return translator

    def url(
        self, path: str, query: bytes, api: ClientApi | None = None, model: str | None = None
    ) -> str:
        """See ``_url``; answered from the cache when asked before."""
        return self._urls(path, query, api, model)

    def _url(
        self, path: str, query: bytes, api: ClientApi | None = None, model: str | None = None
    ) -> str:
        """The provider URL for a gateway path: ``/v1/chat/completions`` -> base_url + rest.

        Clients point their SDK at ``http://gateway/v1``, and every provider's base_url ends
        at its own version root, so the gateway's ``/v1`` is replaced by the base_url (the
        kind may place it elsewhere: Azure puts the deployment in the path).
        ``path`` is the canonical path (proxy.requesttarget): no dot segments, no encoded
        ``/``, ``?`` or ``#``, so the URL cannot leave the base_url's prefix; the kind gets
        it re-encoded, so the provider decodes exactly the path the policies judged.
        """
        rest = path[3:] if path.startswith("/v1/") or path == "/v1" else path
        if rest and not rest.startswith("/"):
            rest = "/" + rest
        if "/." in rest and any(seg in (".", "..") for seg in rest.split("/")):
            # Only a caller that skipped the core's canonical path gets here.
            raise ValueError(f"a dot segment would leave the provider's base_url: {path!r}")
        return self.kind.url(api, quote_path(rest), model, query)

    def request(
        self,
        method: str,
        path: str,
        query: bytes,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterator[bytes] | None,
        timeouts: TimeoutsConfig,
        api: ClientApi | None = None,
        model: str | None = None,
    ) -> UpstreamRequest:
        if self._extra_names:
            headers = [h for h in headers if h[0] not in self._extra_names]
        return UpstreamRequest(
            method=method,
            url=self.url(path, query, api, model),
            headers=headers + self._added,
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
        return tokens_cost(price, input_tokens, output_tokens)

    def unit_cost(self, model: str, unit: str, units: float) -> float:
        """USD for what is priced per unit (images, seconds of audio, speech characters)."""
        price = self.unit_prices.get(model)
        if price is None:
            return 0.0
        if unit == "images":
            return units * (price.per_image or 0.0)
        if unit == "seconds":
            return units * (price.per_second or 0.0)
        if unit == "characters":
            return units * (price.per_1m_characters or 0.0) / 1_000_000
        return 0.0

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
    return dumps_kept({**payload, "model": model})
