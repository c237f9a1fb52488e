"""A JWKS document fetched over HTTP, cached, and refreshed on an unknown ``kid`` or a timer.

Why each rule:

- Refetch on an unknown ``kid``: that is how key rotation reaches the gateway without a
  restart (the identity provider publishes the new key before signing with it).
- At most one fetch per ``min_refresh``: a flood of tokens with made-up ``kid`` values must
  not become a flood of requests to the identity provider. Concurrent lookups share one
  fetch (a lock, and a re-check after waiting for it).
- A timed refresh in the background picks up removed keys; the request that notices the
  cache is stale is served from the keys it has.
- A failed fetch keeps the keys already known: an identity-provider outage must not turn
  every valid token away.

The cache is per gateway instance (it is a copy of public data, not a decision), so it
lives in the plugin, not in the shared store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import orjson

from plugins._jwt.keys import VerificationKey, key_family

MAX_JWKS_BYTES = 1 << 20


class JwksError(Exception):
    """The JWKS document could not be fetched or holds no usable key."""


class JwksCache:
    def __init__(
        self,
        url: str,
        http: Callable[[], httpx.AsyncClient],
        clock: Callable[[], float],
        *,
        min_refresh: float,
        refresh_every: float,
        timeout: float,
        log: logging.Logger,
    ) -> None:
        self.url = url
        self._http = http
        self._clock = clock
        self._min_refresh = min_refresh
        self._refresh_every = refresh_every
        self._timeout = timeout
        self._log = log
        self._keys: tuple[VerificationKey, ...] = ()
        self._fetched_at: float | None = None
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self.fetches = 0

    @property
    def keys(self) -> tuple[VerificationKey, ...]:
        return self._keys

    async def find(self, kid: str | None, alg: str) -> VerificationKey | None:
        """The key that verifies a token with this ``kid`` and ``alg``, fetching if needed."""
        if self._fetched_at is None:
            await self.refresh()
        elif self._clock() - self._fetched_at >= self._refresh_every:
            self._refresh_in_background()
        key = self._match(kid, alg)
        if key is None and kid is not None and self._may_fetch():
            await self.refresh()
            key = self._match(kid, alg)
        return key

    def _match(self, kid: str | None, alg: str) -> VerificationKey | None:
        if kid is not None:
            # A kid match is returned even when it does not fit ``alg``: the signature check
            # then refuses it as a mismatch, instead of a refetch looking for another key.
            named = [k for k in self._keys if k.kid == kid]
            return next((k for k in named if k.accepts(alg)), named[0] if named else None)
        # Without a kid, a key is chosen only when exactly one could verify this alg.
        candidates = [k for k in self._keys if k.accepts(alg)]
        return candidates[0] if len(candidates) == 1 else None

    def _may_fetch(self) -> bool:
        return self._clock() - self._attempted_at >= self._min_refresh

    async def refresh(self) -> None:
        """Fetch the document now, unless another fetch ran within ``min_refresh``."""
        async with self._lock:
            if not self._may_fetch():
                return  # a concurrent caller fetched while we waited for the lock
            self._attempted_at = self._clock()
            try:
                self._keys = await self._fetch()
                self._fetched_at = self._clock()
            except JwksError as exc:
                self._log.warning("jwks fetch from %s failed: %s", self.url, exc)

    def _refresh_in_background(self) -> None:
        idle = self._background is None or self._background.done()
        if idle and self._may_fetch():
            self._background = asyncio.create_task(self.refresh())

    async def wait_idle(self) -> None:
        """Wait for a background refresh to finish (tests and shutdown)."""
        if self._background is not None:
            await asyncio.shield(self._background)

    async def close(self) -> None:
        if self._background is not None and not self._background.done():
            self._background.cancel()

    async def _fetch(self) -> tuple[VerificationKey, ...]:
        self.fetches += 1
        try:
            response = await self._http().get(
                self.url, timeout=self._timeout, headers={"accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise JwksError(f"{type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise JwksError(f"HTTP {response.status_code}")
        if len(response.content) > MAX_JWKS_BYTES:
            raise JwksError(f"document larger than {MAX_JWKS_BYTES} bytes")
        try:
            document = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise JwksError("document is not JSON") from None
        return parse_jwks(document, self._log)


def parse_jwks(document: Any, log: logging.Logger) -> tuple[VerificationKey, ...]:
    """The usable signing keys of a JWKS document; unusable entries are logged and skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise JwksError('document has no "keys" list')
    keys = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = jwt.PyJWK(entry)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
            log.warning("jwks key %d (kid=%r) skipped: %s", index, entry.get("kid"), exc)
            continue
        key = jwk.key
        if key_family(key) != "oct" and hasattr(key, "public_key"):
            key = key.public_key()  # a JWKS must never make us sign; keep the public half
        alg = entry.get("alg")
        keys.append(VerificationKey(jwk.key_id, key, alg if isinstance(alg, str) else None))
    if not keys:
        raise JwksError("document holds no usable signing key")
    return tuple(keys)
