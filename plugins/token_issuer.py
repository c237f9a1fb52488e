"""token_issuer: trade an API key for a short-lived access JWT and a rotating refresh token.

- ``POST /auth/token`` with an API key (``Authorization: Bearer`` or ``X-API-Key``; same key
  file format as ``api_key``) answers an access token signed with the configured key, and a
  refresh token.
- ``POST /auth/refresh`` with ``{"refresh_token": ...}`` (JSON or form) answers a new pair.
  Each refresh token works once. Presenting one a second time means it was copied, so the
  whole family (every token descended from the same ``/auth/token`` call) is revoked: the
  thief and the victim both have to authenticate again (OAuth 2.0 Security BCP, 4.14).
- ``GET /.well-known/jwks.json`` publishes the public key(s) for the ``jwt`` plugin and
  anyone else (asymmetric keys only; an HMAC secret is never published).

Refresh tokens are stored only as SHA-256 digests, with a TTL, in the shared store, so
every instance honours them and a store dump reveals no usable token. The plugin answers
only its own paths (put it before ``jwt`` in the policy, on a route that covers them);
every other request passes through untouched.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any, NoReturn, Self
from urllib.parse import parse_qs

import orjson
from pydantic import Field, field_validator, model_validator
from starlette.responses import JSONResponse, Response

from plugins._jwt.keys import check_algorithms
from plugins._jwt.signing import Signer, build_signer
from plugins._keys import ApiKey, load_keyring, presented_key
from proxy.config.types import Duration
from proxy.errors import PolicyError
from proxy.exchange import Exchange
from proxy.plugin import Plugin, PluginOptions, Services

_RT = "token_issuer:rt:"
_RT_USED = "token_issuer:rt-used:"
_FAMILY_REVOKED = "token_issuer:family-revoked:"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="token"'}
MAX_REQUEST_BYTES = 8192


class TokenIssuer(Plugin):
    name = "token_issuer"
    uses_shared_state = True  # refresh tokens and revoked families

    class Options(PluginOptions):
        keys_file: str | None = Field(None, description="API key file (as for api_key).")
        keys_env: str | None = Field(None, description="Env var with the API keys as JSON.")
        key_header: str = Field(
            "X-API-Key",
            description="Header carrying the API key (Authorization: Bearer is read too).",
        )
        signing_key_env: str | None = Field(
            None,
            description="Env var with the PEM private "
            "key (or HMAC secret) that signs access tokens.",
        )
        signing_key_file: str | None = Field(
            None,
            description="File with the PEM private key (or HMAC secret) that signs access tokens.",
        )
        algorithm: str = Field("ES256", description="Signing algorithm; must fit the key.")
        key_id: str | None = Field(
            None, description="kid of the signing key; default: its RFC 7638 thumbprint."
        )
        retired_key_files: list[str] = Field(
            [], description="PEM public keys still published in the JWKS after a rotation."
        )
        issuer: str = Field(description='"iss" of issued tokens (the jwt plugin\'s issuer).')
        audience: str | list[str] | None = Field(None, description='"aud" of issued tokens.')
        access_ttl: Duration = Field(900.0, description="Access token lifetime. Default 15m.")
        refresh_ttl: Duration = Field(
            604800.0,
            description="Refresh token lifetime (each rotation starts a new one). Default 7d.",
        )
        token_path: str = Field("/auth/token", description="Path that issues tokens.")
        refresh_path: str = Field("/auth/refresh", description="Path that rotates tokens.")
        jwks_path: str = Field("/.well-known/jwks.json", description="Path of the JWKS.")

        @field_validator("algorithm")
        @classmethod
        def _algorithm(cls, value: str) -> str:
            check_algorithms([value])
            return value

        @model_validator(mode="after")
        def _sources(self) -> Self:
            if bool(self.keys_file) == bool(self.keys_env):
                raise ValueError("set exactly one of keys_file, keys_env")
            if bool(self.signing_key_env) == bool(self.signing_key_file):
                raise ValueError("set exactly one of signing_key_env, signing_key_file")
            if self.access_ttl <= 0 or self.refresh_ttl <= self.access_ttl:
                raise ValueError("need 0 < access_ttl < refresh_ttl")
            return self

    options: Options

    def __init__(self, options: Options, services: Services) -> None:
        super().__init__(options, services)
        self._keys = load_keyring(options.keys_file, options.keys_env)
        self._signer: Signer = build_signer(
            options.algorithm,
            _signing_key(options),
            options.key_id,
            [_read(f, "retired_key_files") for f in options.retired_key_files],
        )
        self._key_header = options.key_header.lower()
        self._paths = {
            options.token_path: ("POST", self._issue),
            options.refresh_path: ("POST", self._refresh),
        }
        if self._signer.jwks is not None:
            self._paths[options.jwks_path] = ("GET", self._publish)
            self._jwks_body = orjson.dumps(self._signer.jwks)

    async def on_request(self, ex: Exchange) -> Response | None:
        endpoint = self._paths.get(ex.path)
        if endpoint is None:
            return None
        method, handler = endpoint
        if ex.method != method:
            raise PolicyError(405, "method_not_allowed", f"use {method}", {"Allow": method})
        return await handler(ex)

    # -- endpoints -----------------------------------------------------------------------

    async def _publish(self, ex: Exchange) -> Response:
        return Response(
            self._jwks_body,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=300"},
        )

    async def _issue(self, ex: Exchange) -> Response:
        presented = presented_key(ex, self._key_header)
        if presented is None:
            self._fail(ex, "missing_key", "an API key is required")
        key = self._keys.match(presented)
        if key is None or key.expired(self.services.clock()):
            self._fail(ex, "unknown_key" if key is None else "expired_key", "invalid API key")
        return await self._pair(key, family=_random(16))

    async def _refresh(self, ex: Exchange) -> Response:
        token = await self._refresh_token(ex)
        digest = hashlib.sha256(token.encode()).hexdigest()
        store = self.services.store
        raw = await store.get(_RT + digest)
        if raw is None:
            self._fail(ex, "unknown_refresh_token", grant=True)
        record = orjson.loads(raw)
        family, key_id = record["fam"], record["key"]
        if await store.incr(_RT_USED + digest, 1, self.options.refresh_ttl) > 1:
            # the same refresh token twice: one of the two holders stole it
            await store.set(_FAMILY_REVOKED + family, b"1", self.options.refresh_ttl)
            ex.record_event(
                "refresh_token_reuse",
                self.name,
                "family revoked",
                monitored=self.monitoring,
                key_id=key_id,
            )
            self._fail(ex, "refresh_token_reused", grant=True)
        if await store.get(_FAMILY_REVOKED + family) is not None:
            self._fail(ex, "family_revoked", grant=True)
        key = self._keys.by_id(key_id)
        if key is None or key.expired(self.services.clock()):
            self._fail(ex, "key_withdrawn", grant=True)
        return await self._pair(key, family)

    async def _refresh_token(self, ex: Exchange) -> str:
        body = await ex.body()
        if len(body) > MAX_REQUEST_BYTES:
            raise PolicyError(413, "payload_too_large", "refresh request too large")
        content_type = (ex.request_headers.get("content-type") or "").split(";")[0].strip()
        token: Any = None
        if content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("latin-1")).get("refresh_token")
            token = values[0] if values else None
        else:
            try:
                parsed = orjson.loads(body) if body else None
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                token = parsed.get("refresh_token")
        if not isinstance(token, str) or not 0 < len(token) <= 256:
            raise PolicyError(400, "invalid_request", 'send {"refresh_token": "..."}')
        return token

    # -- issuing -------------------------------------------------------------------------

    async def _pair(self, key: ApiKey, family: str) -> Response:
        now = int(self.services.clock())
        o = self.options
        access = self._signer.sign(self._claims(key, now))
        refresh = "rt_" + _random(32)
        digest = hashlib.sha256(refresh.encode()).hexdigest()
        record = orjson.dumps({"fam": family, "key": key.id})
        await self.services.store.set(_RT + digest, record, o.refresh_ttl)
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(o.access_ttl),
            "refresh_token": refresh,
            "refresh_expires_in": int(o.refresh_ttl),
        }
        return JSONResponse(body, headers=_NO_STORE)

    def _claims(self, key: ApiKey, now: int) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "iss": self.options.issuer,
            "sub": key.subject,
            "iat": now,
            "exp": now + int(self.options.access_ttl),
            "jti": _random(16),
            "client_id": key.id,
        }
        if self.options.audience is not None:
            claims["aud"] = self.options.audience
        if key.tier is not None:
            claims["tier"] = key.tier
        if key.models is not None:
            claims["models"] = sorted(key.models)
        if key.limits:
            claims["limits"] = key.limits
        return claims

    def _fail(
        self, ex: Exchange, reason: str, message: str = "", *, grant: bool = False
    ) -> NoReturn:
        ex.record_event("auth_failed", self.name, reason, monitored=self.monitoring)
        if grant:
            raise PolicyError(
                401, "invalid_grant", "the refresh token is invalid or expired", _NO_STORE
            )
        raise PolicyError(401, "unauthorized", message, {**_CHALLENGE, **_NO_STORE})

    def describe(self) -> dict[str, Any]:
        o = self.options
        return {
            "keys": len(self._keys),
            "algorithm": o.algorithm,
            "kid": self._signer.kid,
            "issuer": o.issuer,
            "access_ttl": o.access_ttl,
            "refresh_ttl": o.refresh_ttl,
            "paths": sorted(self._paths),
        }


def _signing_key(o: TokenIssuer.Options) -> bytes:
    if o.signing_key_env:
        value = os.environ.get(o.signing_key_env)
        if not value:
            raise ValueError(
                f"signing_key_env: environment variable {o.signing_key_env} is not set"
            )
        return value.encode()
    assert o.signing_key_file is not None
    return _read(o.signing_key_file, "signing_key_file")


def _read(path: str, option: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"{option}: cannot read {path}: {exc.strerror}") from None


def _random(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()
