"""API keys: the key file format shared by ``api_key`` and ``token_issuer``, and model checks.

Keys are stored as SHA-256 hex digests, never in clear: a leaked key file or a leaked
``/-/status`` gives nothing away. A presented key is hashed, the digest finds its entry in
a dict, and ``hmac.compare_digest`` confirms it. Finding by digest leaks nothing useful
through timing: an attacker cannot choose the digest of a guess, so learning that a digest
prefix matched tells nothing about any key.

File format (TOML, or JSON with the same shape; ``keys_env`` holds the JSON form)::

    [[keys]]
    id = "team-search"                   # unique, shows up in logs as identity.key_id
    hash = "<sha256 hex of the key>"     # printf %s "$KEY" | sha256sum
    tier = "gold"                        # optional
    subject = "search-backend"           # optional, defaults to id
    expires = 2026-01-01T00:00:00Z       # optional (TOML datetime or ISO 8601 string)
    models = ["chat-fast"]               # optional: only these model aliases
    limits = { tokens_per_day = 200000 } # optional: the key's own limits (``KeyLimits``)

This module is not a plugin; two plugins import it, which the plugin rules allow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plugins._limits import check_key_limits
from proxy.exchange import Exchange


def hash_key(key: str) -> str:
    """The SHA-256 hex digest stored for ``key`` (what ``sha256sum`` prints)."""
    return hashlib.sha256(key.encode()).hexdigest()


class KeyEntry(BaseModel):
    """One API key as written in the key file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1, max_length=128, description="Unique id of the key.")
    hash: str = Field(description="SHA-256 hex digest of the key.")
    tier: str | None = Field(None, description="Tier (limits and priorities key on it).")
    subject: str | None = Field(None, description="identity.subject; defaults to id.")
    expires: datetime | None = Field(None, description="The key stops working at this time.")
    models: list[str] | None = Field(None, description="Model aliases this key may use.")
    limits: dict[str, Any] = Field(
        {},
        description="The key's own limits: rate, burst, tokens_per_minute/hour/day, "
        "usd_per_day/month (see plugins/_limits.py KeyLimits); checked at load.",
    )

    @field_validator("hash")
    @classmethod
    def _hex(cls, value: str) -> str:
        value = value.strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("must be the 64-character SHA-256 hex digest of the key")
        return value

    @field_validator("limits")
    @classmethod
    def _limits(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_key_limits(value)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A loaded key: what authenticating with it makes the caller."""

    id: str
    digest: bytes
    subject: str
    tier: str | None
    expires_at: float | None
    models: frozenset[str] | None
    limits: dict[str, Any]

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def claims(self) -> dict[str, Any]:
        """What ``identity.claims`` carries for this key (limit plugins read ``limits``)."""
        claims: dict[str, Any] = {
            "sub": self.subject,
            "client_id": self.id,
            "limits": dict(self.limits),
        }
        if self.tier is not None:
            claims["tier"] = self.tier
        if self.models is not None:
            claims["models"] = sorted(self.models)
        return claims


class KeyRing:
    """The configured keys, looked up by the digest of a presented key."""

    def __init__(self, entries: Sequence[KeyEntry]) -> None:
        by_digest: dict[bytes, ApiKey] = {}
        by_id: dict[str, ApiKey] = {}
        for entry in entries:
            digest = bytes.fromhex(entry.hash)
            if entry.id in by_id:
                raise ValueError(f"duplicate key id {entry.id!r}")
            if digest in by_digest:
                raise ValueError(f"key {entry.id!r} has the same hash as {by_digest[digest].id!r}")
            key = ApiKey(
                entry.id,
                digest,
                entry.subject or entry.id,
                entry.tier,
                _timestamp(entry.expires),
                frozenset(entry.models) if entry.models is not None else None,
                dict(entry.limits),
            )
            by_digest[digest] = key
            by_id[entry.id] = key
        self._by_digest = by_digest
        self._by_id = by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def tiers(self) -> frozenset[str]:
        """Every tier some key has."""
        return frozenset(key.tier for key in self._by_id.values() if key.tier is not None)

    def match(self, presented: str) -> ApiKey | None:
        """The key whose hash is ``sha256(presented)``, compared in constant time."""
        digest = hashlib.sha256(presented.encode()).digest()
        key = self._by_digest.get(digest)
        if key is None or not hmac.compare_digest(key.digest, digest):
            return None
        return key

    def by_id(self, key_id: str) -> ApiKey | None:
        return self._by_id.get(key_id)


def load_keyring(keys_file: str | None, keys_env: str | None) -> KeyRing:
    """Read keys from a TOML/JSON file or a JSON env var; errors name the source and entry."""
    if keys_file:
        source = keys_file
        try:
            text = Path(keys_file).read_text()
        except OSError as exc:
            raise ValueError(f"keys_file: cannot read {keys_file}: {exc.strerror}") from None
        document = _parse(text, json_only=not keys_file.endswith(".toml"), source=source)
    elif keys_env:
        source = f"${keys_env}"
        text = os.environ.get(keys_env, "")
        if not text.strip():
            raise ValueError(f"keys_env: environment variable {keys_env} is not set or empty")
        document = _parse(text, json_only=True, source=source)
    else:
        raise ValueError("set one of keys_file, keys_env")
    raw = document.get("keys") if isinstance(document, dict) else document
    if not isinstance(raw, list):
        raise ValueError(f'{source}: expected a list of keys (or {{"keys": [...]}})')
    entries = []
    for index, item in enumerate(raw):
        try:
            entries.append(KeyEntry.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"{source}: keys[{index}]: {problems}") from None
    try:
        return KeyRing(entries)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def _parse(text: str, *, json_only: bool, source: str) -> Any:
    try:
        return json.loads(text) if json_only else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{source}: not valid {'JSON' if json_only else 'TOML'}: {exc}") from None


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # a time without a zone is read as UTC
    return value.timestamp()


def presented_key(ex: Exchange, header: str) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or the ``header`` (e.g. X-API-Key)."""
    value = ex.request_headers.get(header)
    if value and value.strip():
        return value.strip()
    auth = ex.request_headers.get("authorization")
    if auth:
        scheme, _, credentials = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return None
