"""api_key: accept callers that present a known API key, and say who they are.

Keys are configured as SHA-256 digests (``plugins/_keys.py`` documents the file format and
why lookup by digest is safe), read from ``Authorization: Bearer`` or ``X-API-Key``, and
the key header is removed before the request goes upstream: a caller's key is the
gateway's business, never the provider's. Each key carries an id, a tier, an optional
expiry, optional per-key ``limits`` (for the limit plugins, in ``identity.claims``) and an
optional list of model aliases, enforced here with a 403.

A refusal is a generic 401; the reason (missing, unknown, expired) is only in the
``auth_failed`` security event, which ``ip_filter``'s auto-ban counts.
"""

from __future__ import annotations

from typing import Any, NoReturn, Self

from pydantic import Field, model_validator
from starlette.responses import Response

from plugins._keys import check_model, load_keyring, presented_key
from proxy.errors import PolicyError
from proxy.exchange import Exchange, Identity
from proxy.plugin import Plugin, PluginOptions, Services

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
MAX_KEY_BYTES = 512


class ApiKey(Plugin):
    name = "api_key"

    class Options(PluginOptions):
        keys_file: str | None = Field(None, description="TOML (.toml) or JSON key file.")
        keys_env: str | None = Field(None, description="Env var holding the keys as JSON.")
        header: str = Field(
            "X-API-Key",
            description="Header carrying the key (Authorization: "
            "Bearer is read too). Never forwarded.",
        )
        enforce_models: bool = Field(True, description="Refuse (403) models a key may not use.")
        optional: bool = Field(
            False,
            description="Let requests without a key through unauthenticated, for a later plugin.",
        )

        @model_validator(mode="after")
        def _one_source(self) -> Self:
            if bool(self.keys_file) == bool(self.keys_env):
                raise ValueError("set exactly one of keys_file, keys_env")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._keys = load_keyring(options.keys_file, options.keys_env)
        self._header = options.header.lower()

    async def on_request(self, ex: Exchange) -> Response | None:
        presented = presented_key(ex, self._header)
        if self._header in ex.request_headers:
            del ex.request_headers[self._header]
        if ex.identity is not None:
            return None  # an earlier authentication plugin already accepted this caller
        if presented is None:
            if self.options.optional:
                return None
            self._fail(ex, "missing_key")
        if len(presented) > MAX_KEY_BYTES:
            self._fail(ex, "oversized_key")
        key = self._keys.match(presented)
        if key is None:
            self._fail(ex, "unknown_key")
        if key.expired(self.services.clock()):
            self._fail(ex, "expired_key", key_id=key.id)
        if "authorization" in ex.request_headers:
            del ex.request_headers["authorization"]
        ex.identity = Identity(
            subject=key.subject,
            key_id=key.id,
            tier=key.tier,
            claims=key.claims(),
            source="api_key",
            allowed_models=key.models,
        )
        if key.models is not None and self.options.enforce_models:
            await check_model(ex, key.models, self.name, self.monitoring)
        return None

    def _fail(self, ex: Exchange, reason: str, **detail: Any) -> NoReturn:
        ex.record_event("auth_failed", self.name, reason, monitored=self.monitoring, **detail)
        message = "an API key is required" if reason == "missing_key" else "invalid API key"
        raise PolicyError(401, "unauthorized", message, _CHALLENGE)

    def describe(self) -> dict[str, Any]:
        return {
            "keys": len(self._keys),
            "source": "file" if self.options.keys_file else "env",
            "header": self.options.header,
        }
