"""How a team or key row reads in the admin API: the one shape the API, the console and the
CLI show, with times as ISO 8601 UTC and a key's status derived from its revocation and
expiry (never stored, so it cannot go stale)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def team_out(row: Any, active_keys: int) -> dict[str, Any]:
    return {
        "name": row["name"],
        "budget_usd": row["budget_usd"],
        "budget_period": row["budget_period"],
        "rpm": row["rpm"],
        "tpm": row["tpm"],
        "models": row["models"],
        "metadata": row["metadata"],
        "active_keys": active_keys,
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def key_out(row: Any, now: float) -> dict[str, Any]:
    if row["revoked_at"] is not None:
        status = "revoked"
    elif row["expires_at"] is not None and row["expires_at"] <= now:
        status = "expired"
    else:
        status = "active"
    return {
        "id": row["id"],
        "name": row["name"],
        "team": row["team_name"],
        "prefix": row["prefix"],
        "status": status,
        "tier": row["tier"],
        "models": row["models"],
        "rpm": row["rpm"],
        "tpm": row["tpm"],
        "budget_usd": row["budget_usd"],
        "budget_period": row["budget_period"],
        "expires_at": iso(row["expires_at"]),
        "revoked_at": iso(row["revoked_at"]),
        "previous_expires_at": iso(row["previous_expires_at"]),
        "metadata": row["metadata"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


__all__ = ["iso", "key_out", "team_out"]
