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
- A fetch is bounded whole (issue 17, M3): ``jwks_timeout`` is a deadline for the entire
  fetch, not per read (a server dripping a byte a second once held requests 40 s and 79 s
  past a 2 s timeout); the body is read as a stream and dropped past ``MAX_JWKS_BYTES``
  (a 400 MB document once took the gateway from 76 MB to 910 MB); and one fetch serves every
  request waiting for it (single flight), where each waiter used to fetch again in turn.
- Keys as weak as the gateway refuses in a static key file are skipped here too: RSA under
  2048 bits, HMAC secrets under 32 bytes (L15). The warning names the JWKS URL without its
  query, which may carry a credential.

The cache is per gateway instance (it is a copy of public data, not a decision), so it
lives in the plugin, not in the shared store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

from plugins._jwt.keys import HMAC_MIN_BYTES, RSA_MIN_BITS, VerificationKey, key_family

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
        self._inflight: asyncio.Task[None] | None = None
        self._background: asyncio.Task[None] | None = None
        self.fetches = 0
        self.shown_url = redact_url(url)

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
        """Fetch the document now, unless another fetch ran within ``min_refresh``; a caller
        that arrives while a fetch is running waits for that one. The fetch is a task of its
        own, so a caller that goes away (a client disconnect) does not cancel it for the
        others."""
        if self._inflight is None or self._inflight.done():
            if not self._may_fetch():
                return
            self._attempted_at = self._clock()
            self._inflight = asyncio.create_task(self._refresh_now())
        await asyncio.shield(self._inflight)

    async def _refresh_now(self) -> None:
        try:
            self._keys = await self._fetch()
            self._fetched_at = self._clock()
        except JwksError as exc:
            self._log.warning("jwks fetch from %s failed: %s", self.shown_url, exc)

    def _refresh_in_background(self) -> None:
        idle = self._background is None or self._background.done()
        if idle and self._may_fetch():
            self._background = asyncio.create_task(self.refresh())

    async def wait_idle(self) -> None:
        """Wait for a background refresh to finish (tests and shutdown)."""
        if self._background is not None:
            await asyncio.shield(self._background)

    async def close(self) -> None:
        for task in (self._background, self._inflight):
            if task is not None and not task.done():
                task.cancel()

    async def _fetch(self) -> tuple[VerificationKey, ...]:
        self.fetches += 1
        try:
            async with asyncio.timeout(self._timeout):
                body = await self._download()
        except TimeoutError:
            raise JwksError(f"no complete document within {self._timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise JwksError(f"{type(exc).__name__}: {exc}") from None
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise JwksError("document is not JSON") from None
        return parse_jwks(document, self._log)

    async def _download(self) -> bytes:
        """The body, read as a stream and abandoned past ``MAX_JWKS_BYTES``."""
        too_large = JwksError(f"document larger than {MAX_JWKS_BYTES} bytes")
        async with self._http().stream(
            "GET",
            self.url,
            timeout=self._timeout,
            # A small document needs no compression, and uncompressed is what the cap counts;
            # a server that compresses anyway is decoded, and the cap counts decoded bytes.
            headers={"accept": "application/json", "accept-encoding": "identity"},
        ) as response:
            if response.status_code != 200:
                raise JwksError(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_JWKS_BYTES:
                raise too_large
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_JWKS_BYTES:
                    raise too_large
                chunks.append(chunk)
        return b"".join(chunks)


def redact_url(url: str) -> str:
    """A URL fit for a log line: no user info, query or fragment (they may hold secrets)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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
        weak = _weakness(key)
        if weak is not None:
            log.warning("jwks key %d (kid=%r) skipped: %s", index, entry.get("kid"), weak)
            continue
        if key_family(key) != "oct" and hasattr(key, "public_key"):
            key = key.public_key()  # a JWKS must never make us sign; keep the public half
        alg = entry.get("alg")
        keys.append(VerificationKey(jwk.key_id, key, alg if isinstance(alg, str) else None))
    if not keys:
        raise JwksError("document holds no usable signing key")
    return tuple(keys)


def _weakness(key: Any) -> str | None:
    """Why a JWKS key is too weak to trust, by the rules a static key file must meet."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey) and key.key_size < RSA_MIN_BITS:
        return f"RSA keys must have at least {RSA_MIN_BITS} bits (got {key.key_size})"
    shortest = min(HMAC_MIN_BYTES.values())
    if isinstance(key, bytes) and len(key) < shortest:
        return f"HMAC secrets must have at least {shortest} bytes (got {len(key)})"
    return None
