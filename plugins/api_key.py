"""api_key: accept callers that present a known API key, and say who they are.

Keys are configured as SHA-256 digests (``plugins/_keys.py`` documents the file format and
why lookup by digest is safe), read from ``Authorization: Bearer`` or ``X-API-Key``, and
the key header is removed before the request goes upstream: a caller's key is the
gateway's business, never the provider's. Each key carries an id, a tier, an optional
expiry, optional per-key ``limits`` (for the limit plugins, in ``identity.claims``) and an
optional list of model aliases, enforced here with a 403.

``source`` says where keys come from: ``"file"`` (the default: ``keys_file`` or
``keys_env``), ``"store"`` (keys made at runtime through the admin API, kept in the durable
store of ``[keys]``, docs/admin-api.md), or ``"both"`` (a file key wins when a key is in
both). Store keys are read from an in-process directory that every instance refreshes
within ``[keys] poll_interval`` of a change: no database query per request. A store key's
own ``rpm``/``tpm``/``budget_usd`` and its team's are enforced here (``_store_keys.py``).

A refusal is a generic 401; the reason (missing, unknown, expired) is only in the
``auth_failed`` security event, which ``ip_filter``'s auto-ban counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NoReturn, Self

from pydantic import Field, model_validator
from starlette.responses import Response

from plugins._keys import KeyRing, load_keyring, presented_key
from plugins._limits import Held
from plugins._store_keys import StoreKeyLimits
from proxy.allowlist import check_model
from proxy.errors import PolicyError
from proxy.exchange import Exchange, Identity
from proxy.keys.directory import Unit
from proxy.plugin import ANY_TIER, Plugin, PluginOptions, Services

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
MAX_KEY_BYTES = 512


@dataclass(slots=True)
class KeyState:
    held: list[tuple[Unit, list[Held]]] | None = None  # a runtime key's reservations


class ApiKey(Plugin):
    name = "api_key"

    class Options(PluginOptions):
        source: Literal["file", "store", "both"] = Field(
            "file",
            description='Where keys come from: "file" (keys_file/keys_env), "store" (the '
            'admin API\'s runtime keys, [keys] in config.toml) or "both".',
        )
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
            files = bool(self.keys_file) + bool(self.keys_env)
            if self.source == "store":
                if files:
                    raise ValueError(
                        'source = "store" reads no key file; use source = "both" for both'
                    )
            elif files != 1:
                raise ValueError("set exactly one of keys_file, keys_env")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._keys = (
            load_keyring(options.keys_file, options.keys_env)
            if options.source != "store"
            else KeyRing([])
        )
        self._directory = services.keys if options.source != "file" else None
        if options.source != "file" and self._directory is None:
            raise ValueError(f'source = "{options.source}" needs the keys store ([keys])')
        if self._directory is not None:
            self._directory.required = True
        self._limits = StoreKeyLimits(services) if self._directory is not None else None
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
        directory = self._directory
        stored = directory.match(presented) if key is None and directory is not None else None
        found = key or stored
        if found is None:
            self._fail(ex, "unknown_key")
        if found.expired(self.services.clock()):
            self._fail(ex, "expired_key", key_id=found.id)
        if "authorization" in ex.request_headers:
            del ex.request_headers["authorization"]
        # enforce_models = false: the core records a use outside the list, refuses none
        monitored = self.monitoring or not self.options.enforce_models
        if key is not None:
            ex.identity = Identity(
                key.subject,
                key.id,
                key.tier,
                key.claims(),
                "api_key",
                key.models,
                monitored=monitored,
            )
        elif stored is not None:
            ex.identity = Identity(
                stored.id,
                stored.id,
                stored.tier,
                stored.claims,
                "api_key",
                stored.models,
                stored.team,
                monitored=monitored,
            )
        if found.models is not None and self.options.enforce_models:
            await check_model(ex, found.models, self.name, self.monitoring)
        if stored is not None and stored.allowances and self._limits and not self.monitoring:
            ex.state_for(self, KeyState).held = await self._limits.reserve(ex, stored)
        return None

    async def on_complete(self, ex: Exchange) -> None:
        held = ex.state_for(self, KeyState).held if self._limits is not None else None
        if held and self._limits is not None:
            await self._limits.settle(ex, held)

    def _fail(self, ex: Exchange, reason: str, **detail: Any) -> NoReturn:
        ex.record_event("auth_failed", self.name, reason, monitored=self.monitoring, **detail)
        message = "an API key is required" if reason == "missing_key" else "invalid API key"
        raise PolicyError(401, "unauthorized", message, _CHALLENGE)

    def tiers_granted(self) -> frozenset[str]:
        # keys created at runtime (the keys store) may have any tier
        return ANY_TIER if self._directory is not None else self._keys.tiers()

    def describe(self) -> dict[str, Any]:
        return {
            "keys": len(self._keys),
            "store_keys": len(self._directory) if self._directory is not None else None,
            "source": self.options.source,
            "file": "file" if self.options.keys_file else "env",
            "header": self.options.header,
        }
