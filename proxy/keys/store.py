"""The system of record: teams, keys, audit and spend, one transaction per change.

Every method is synchronous and runs in a worker thread (see ``db.py`` for why). Each
change writes its row, its audit entry and a bump of the ``revision`` counter in one
transaction: either all of it is there or none, and every instance polling the counter
learns of the change at its next poll.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from proxy.keys import tables as t
from proxy.keys.errors import AdminError, conflict, not_found
from proxy.keys.models import KeyCreate, KeyRotate, KeyUpdate, TeamCreate, TeamUpdate
from proxy.keys.rows import iso, key_out, team_out
from proxy.keys.spend import SpendKey, add_spend, spend_report

SECRET_PREFIX = "sg-"
PREFIX_SHOWN = 10


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


class KeyStore:
    def __init__(self, engine: Engine, clock: Any = time.time) -> None:
        self.engine = engine
        self.clock = clock

    # -- plumbing ---------------------------------------------------------------------------

    def _audit(
        self, c: Connection, actor: str, action: str, kind: str, ident: str, detail: Any
    ) -> None:
        c.execute(
            t.audit.insert().values(
                at=self.clock(),
                actor=actor,
                action=action,
                target_type=kind,
                target_id=ident,
                detail=detail,
            )
        )
        c.execute(
            update(t.revision).where(t.revision.c.id == 1).values(value=t.revision.c.value + 1)
        )

    def revision(self) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(select(t.revision.c.value).where(t.revision.c.id == 1)).scalar_one()
            )

    def _team_id(self, c: Connection, name: str | None, field: str = "team") -> int | None:
        if name is None:
            return None
        found = c.execute(select(t.teams.c.id).where(t.teams.c.name == name)).scalar()
        if found is None:
            raise not_found("team", name, field)
        return int(found)

    # -- teams ------------------------------------------------------------------------------

    def create_team(self, body: TeamCreate, actor: str) -> dict[str, Any]:
        now = self.clock()
        values = body.model_dump()
        try:
            with self.engine.begin() as c:
                c.execute(t.teams.insert().values(**values, created_at=now, updated_at=now))
                self._audit(c, actor, "team.create", "team", body.name, values)
                return self._team(c, body.name)
        except IntegrityError:
            raise conflict(f"a team named {body.name!r} already exists", "name") from None

    def _team(self, c: Connection, name: str) -> dict[str, Any]:
        row = c.execute(select(t.teams).where(t.teams.c.name == name)).mappings().first()
        if row is None:
            raise not_found("team", name, "name")
        keys = c.execute(
            select(func.count())
            .select_from(t.keys)
            .where(t.keys.c.team_id == row["id"], t.keys.c.revoked_at.is_(None))
        ).scalar_one()
        return team_out(row, int(keys))

    def team(self, name: str) -> dict[str, Any]:
        with self.engine.connect() as c:
            return self._team(c, name)

    def list_teams(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        with self.engine.connect() as c:
            total = c.execute(select(func.count()).select_from(t.teams)).scalar_one()
            counts: dict[Any, int] = dict(
                c.execute(
                    select(t.keys.c.team_id, func.count())
                    .where(t.keys.c.revoked_at.is_(None))
                    .group_by(t.keys.c.team_id)
                ).all()
            )
            rows = c.execute(
                select(t.teams).order_by(t.teams.c.name).limit(limit).offset(offset)
            ).mappings()
            return [team_out(r, int(counts.get(r["id"], 0))) for r in rows], int(total)

    def update_team(self, name: str, body: TeamUpdate, actor: str) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        if changes.get("budget_period", "") is None:
            changes["budget_period"] = "month"
        if "metadata" in changes and changes["metadata"] is None:
            changes["metadata"] = {}
        with self.engine.begin() as c:
            self._team(c, name)
            if changes:
                c.execute(
                    update(t.teams)
                    .where(t.teams.c.name == name)
                    .values(**changes, updated_at=self.clock())
                )
                self._audit(c, actor, "team.update", "team", name, changes)
            return self._team(c, name)

    def delete_team(self, name: str, actor: str) -> dict[str, Any]:
        with self.engine.begin() as c:
            team = self._team(c, name)
            if team["active_keys"]:
                raise conflict(
                    f"team {name!r} still has {team['active_keys']} active keys; revoke them "
                    "or move them to another team first",
                    "name",
                )
            team_id = c.execute(select(t.teams.c.id).where(t.teams.c.name == name)).scalar_one()
            c.execute(update(t.keys).where(t.keys.c.team_id == team_id).values(team_id=None))
            c.execute(t.teams.delete().where(t.teams.c.name == name))
            self._audit(c, actor, "team.delete", "team", name, {})
            return team

    # -- keys -------------------------------------------------------------------------------

    def create_key(self, body: KeyCreate, actor: str) -> dict[str, Any]:
        now = self.clock()
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        key_id = "key_" + secrets.token_hex(8)
        values = body.model_dump(exclude={"team"})
        with self.engine.begin() as c:
            team_id = self._team_id(c, body.team)
            c.execute(
                t.keys.insert().values(
                    id=key_id,
                    team_id=team_id,
                    prefix=secret[:PREFIX_SHOWN],
                    hash=_digest(secret),
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            detail = {**values, "team": body.team, "prefix": secret[:PREFIX_SHOWN]}
            self._audit(c, actor, "key.create", "key", key_id, detail)
            out = self._key(c, key_id)
        return {**out, "key": secret}

    def _key(self, c: Connection, key_id: str) -> dict[str, Any]:
        row = c.execute(_key_query().where(t.keys.c.id == key_id)).mappings().first()
        if row is None:
            raise not_found("key", key_id, "id")
        return key_out(row, self.clock())

    def key(self, key_id: str) -> dict[str, Any]:
        with self.engine.connect() as c:
            return self._key(c, key_id)

    def list_keys(
        self, team: str | None, status: str, limit: int, offset: int, search: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        now = self.clock()
        conditions = []
        if team is not None:
            conditions.append(t.teams.c.name == team)
        if search:
            # LIKE's wildcards are matched literally (escaped, not dropped: ids are "key_…" and a
            # prefix may hold "_" or "-", so a search for one must keep them).
            literal = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{literal}%"
            conditions.append(
                or_(
                    t.keys.c.id.ilike(pattern, escape="\\"),
                    t.keys.c.name.ilike(pattern, escape="\\"),
                    t.keys.c.prefix.ilike(pattern, escape="\\"),
                )
            )
        if status == "active":
            conditions += [
                t.keys.c.revoked_at.is_(None),
                or_(t.keys.c.expires_at.is_(None), t.keys.c.expires_at > now),
            ]
        elif status == "revoked":
            conditions.append(t.keys.c.revoked_at.is_not(None))
        elif status == "expired":
            conditions += [t.keys.c.revoked_at.is_(None), t.keys.c.expires_at <= now]
        where = and_(*conditions) if conditions else and_(True)
        with self.engine.connect() as c:
            total = c.execute(
                select(func.count())
                .select_from(t.keys.outerjoin(t.teams, t.keys.c.team_id == t.teams.c.id))
                .where(where)
            ).scalar_one()
            rows = c.execute(
                _key_query()
                .where(where)
                .order_by(t.keys.c.created_at, t.keys.c.id)
                .limit(limit)
                .offset(offset)
            ).mappings()
            return [key_out(r, now) for r in rows], int(total)

    def update_key(self, key_id: str, body: KeyUpdate, actor: str) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        with self.engine.begin() as c:
            current = self._key(c, key_id)
            if current["revoked_at"] is not None:
                raise conflict(f"key {key_id!r} is revoked; create a new key", "id")
            values = dict(changes)
            if "team" in values:
                values["team_id"] = self._team_id(c, values.pop("team"))
            if values.get("budget_period", "") is None:
                values["budget_period"] = "month"
            if "metadata" in values and values["metadata"] is None:
                values["metadata"] = {}
            if values:
                c.execute(
                    update(t.keys)
                    .where(t.keys.c.id == key_id)
                    .values(**values, updated_at=self.clock())
                )
                self._audit(c, actor, "key.update", "key", key_id, changes)
            return self._key(c, key_id)

    def revoke_key(self, key_id: str, actor: str) -> dict[str, Any]:
        with self.engine.begin() as c:
            current = self._key(c, key_id)
            if current["revoked_at"] is not None:
                return current  # revoking twice changes nothing
            now = self.clock()
            c.execute(
                update(t.keys)
                .where(t.keys.c.id == key_id)
                .values(
                    revoked_at=now, updated_at=now, previous_hash=None, previous_expires_at=None
                )
            )
            self._audit(c, actor, "key.revoke", "key", key_id, {})
            return self._key(c, key_id)

    def rotate_key(self, key_id: str, body: KeyRotate, actor: str) -> dict[str, Any]:
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            current = self._key(c, key_id)
            if current["revoked_at"] is not None:
                raise conflict(f"key {key_id!r} is revoked; create a new key", "id")
            old = c.execute(select(t.keys.c.hash).where(t.keys.c.id == key_id)).scalar_one()
            now = self.clock()
            until = now + body.overlap_seconds if body.overlap_seconds > 0 else None
            c.execute(
                update(t.keys)
                .where(t.keys.c.id == key_id)
                .values(
                    hash=_digest(secret),
                    prefix=secret[:PREFIX_SHOWN],
                    previous_hash=old if until else None,
                    previous_expires_at=until,
                    updated_at=now,
                )
            )
            detail = {"overlap_seconds": body.overlap_seconds, "prefix": secret[:PREFIX_SHOWN]}
            self._audit(c, actor, "key.rotate", "key", key_id, detail)
            out = self._key(c, key_id)
        return {**out, "key": secret}

    def snapshot(self) -> list[KeyRow]:
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
        with self.engine.connect() as c:
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

    # -- audit ------------------------------------------------------------------------------

    def list_audit(
        self, target: str | None, action: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        conditions = []
        if target is not None:
            conditions.append(t.audit.c.target_id == target)
        if action is not None:
            conditions.append(t.audit.c.action == action)
        where = and_(*conditions) if conditions else and_(True)
        with self.engine.connect() as c:
            total = c.execute(select(func.count()).select_from(t.audit).where(where)).scalar_one()
            rows = c.execute(
                select(t.audit)
                .where(where)
                .order_by(t.audit.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).mappings()
            return [
                {
                    "id": r["id"],
                    "at": iso(r["at"]),
                    "actor": r["actor"],
                    "action": r["action"],
                    "target_type": r["target_type"],
                    "target_id": r["target_id"],
                    "detail": r["detail"],
                }
                for r in rows
            ], int(total)

    # -- spend (the aggregate queries live in spend.py) ----------------------------------

    def add_spend(self, batch: Mapping[SpendKey, Sequence[int]]) -> None:
        add_spend(self.engine, batch)

    def spend(
        self,
        group_by: Iterable[str],
        period: str,
        filters: Mapping[str, str],
        since: str | None,
        until: str | None,
    ) -> list[dict[str, Any]]:
        return spend_report(self.engine, group_by, period, filters, since, until)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _models(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def _key_query() -> Any:
    return select(t.keys, t.teams.c.name.label("team_name")).select_from(
        t.keys.outerjoin(t.teams, t.keys.c.team_id == t.teams.c.id)
    )


__all__ = ["AdminError", "KeyRow", "KeyStore", "SpendKey", "iso"]
