"""The in-process copy of the store's keys that the request path reads: no query per request.

``match`` hashes the presented key and finds it in a dict, exactly as a key file does
(``plugins/_keys.py``), so a store key costs what a file key costs. The copy is replaced
whole when the store's ``revision`` counter moves (``service.py`` polls it): building a
new dict and swapping one reference means a request sees either the old set or the new
one, never half of each.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from proxy.keys.store import KeyRow

Unit = Literal["requests", "tokens", "usd"]


@dataclass(frozen=True, slots=True)
class Allowance:
    """At most ``limit`` ``unit`` per calendar ``window`` for the counter ``scope``."""

    scope: str  # "key=<id>" or "team=<name>"
    unit: Unit
    window: Literal["minute", "day", "month"]
    limit: float


@dataclass(frozen=True, slots=True)
class RuntimeKey:
    id: str
    digest: bytes
    team: str | None
    tier: str | None
    expires_at: float | None
    models: frozenset[str] | None
    allowances: tuple[Allowance, ...]
    claims: dict[str, Any]

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _allowances(row: KeyRow) -> tuple[Allowance, ...]:
    out: list[Allowance] = []
    for scope, rpm, tpm, budget, period in (
        (f"key={row.id}", row.rpm, row.tpm, row.budget_usd, row.budget_period),
        (
            f"team={row.team}",
            row.team_rpm,
            row.team_tpm,
            row.team_budget_usd,
            row.team_budget_period,
        ),
    ):
        if scope == "team=None":
            continue
        if rpm is not None:
            out.append(Allowance(scope, "requests", "minute", float(rpm)))
        if tpm is not None:
            out.append(Allowance(scope, "tokens", "minute", float(tpm)))
        if budget is not None:
            out.append(Allowance(scope, "usd", "day" if period == "day" else "month", budget))
    return tuple(out)


def _models(row: KeyRow) -> frozenset[str] | None:
    if row.models is not None and row.team_models is not None:
        return frozenset(row.models) & frozenset(row.team_models)
    chosen = row.models if row.models is not None else row.team_models
    return frozenset(chosen) if chosen is not None else None


def build_key(row: KeyRow) -> RuntimeKey:
    models = _models(row)
    claims: dict[str, Any] = {"sub": row.id, "client_id": row.id, "limits": {}}
    if row.team is not None:
        claims["team"] = row.team
    if row.tier is not None:
        claims["tier"] = row.tier
    if models is not None:
        claims["models"] = sorted(models)
    return RuntimeKey(
        row.id,
        bytes.fromhex(row.hash),
        row.team,
        row.tier,
        row.expires_at,
        models,
        _allowances(row),
        claims,
    )


class KeyDirectory:
    """Store keys by digest; ``revision`` is the store revision this copy reflects."""

    def __init__(self) -> None:
        self._by_digest: dict[bytes, RuntimeKey] = {}
        self._count = 0
        self.revision = -1
        self.loaded = False
        # Set by a plugin that serves keys from here: then the gateway does not start
        # without its store.
        self.required = False

    def __len__(self) -> int:
        return self._count

    def load(self, rows: Iterable[KeyRow], revision: int) -> None:
        by_digest: dict[bytes, RuntimeKey] = {}
        for row in rows:
            key = build_key(row)
            by_digest[key.digest] = key
            if row.previous_hash and row.previous_expires_at is not None:
                until = row.previous_expires_at
                if key.expires_at is not None:
                    until = min(until, key.expires_at)
                old = replace(key, digest=bytes.fromhex(row.previous_hash), expires_at=until)
                by_digest[old.digest] = old
        self._by_digest = by_digest
        self._count = len({k.id for k in by_digest.values()})
        self.revision = revision
        self.loaded = True

    def match(self, presented: str) -> RuntimeKey | None:
        digest = hashlib.sha256(presented.encode()).digest()
        key = self._by_digest.get(digest)
        if key is None or not hmac.compare_digest(key.digest, digest):
            return None
        return key
