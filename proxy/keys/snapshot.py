"""What the in-process key directory loads: every usable key with its team's settings.

One query over keys joined to their teams, read into frozen rows, so the directory
(``directory.py``) can rebuild its lookup tables without touching the database again;
``store.py`` keeps the changes, this module the read the gateway serves from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from proxy.keys import tables as t


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One usable key as the in-process directory needs it (from ``snapshot``)."""

    id: str
    hash: str
    previous_hash: str | None
    previous_expires_at: float | None
    team: str | None
    tier: str | None
    models: tuple[str, ...] | None
    rpm: int | None
    tpm: int | None
    budget_usd: float | None
    budget_period: str
    expires_at: float | None
    team_budget_usd: float | None
    team_budget_period: str
    team_rpm: int | None
    team_tpm: int | None
    team_models: tuple[str, ...] | None


def snapshot(engine: Engine) -> list[KeyRow]:
    """Every key that is not revoked, with its team's settings (the directory's source)."""
    query = (
        select(
            t.keys,
            t.teams.c.name.label("team_name"),
            t.teams.c.budget_usd.label("team_budget_usd"),
            t.teams.c.budget_period.label("team_budget_period"),
            t.teams.c.rpm.label("team_rpm"),
            t.teams.c.tpm.label("team_tpm"),
            t.teams.c.models.label("team_models"),
        )
        .select_from(t.keys.outerjoin(t.teams, t.keys.c.team_id == t.teams.c.id))
        .where(t.keys.c.revoked_at.is_(None))
    )
    with engine.connect() as c:
        return [
            KeyRow(
                r["id"],
                r["hash"],
                r["previous_hash"],
                r["previous_expires_at"],
                r["team_name"],
                r["tier"],
                _models(r["models"]),
                r["rpm"],
                r["tpm"],
                r["budget_usd"],
                r["budget_period"],
                r["expires_at"],
                r["team_budget_usd"],
                r["team_budget_period"] or "month",
                r["team_rpm"],
                r["team_tpm"],
                _models(r["team_models"]),
            )
            for r in c.execute(query).mappings()
        ]


def _models(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else None
