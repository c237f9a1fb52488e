"""The system of record: teams and keys, one transaction per change.

Every method is synchronous and runs in a worker thread (see ``db.py`` for why). Each
change writes its row, its audit entry and a bump of the ``revision`` counter in one
transaction (``audit.py``): either all of it is there or none, and every instance polling
the counter learns of the change at its next poll. The directory's read of every usable
key is ``snapshot.py``'s, the spend aggregates ``spend.py``'s; ``KeyStore`` is the one
object the admin API, the CLI and the ledger hold, so it hands those on.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from proxy.keys import audit
from proxy.keys import tables as t
from proxy.keys.errors import AdminError, conflict, not_found
from proxy.keys.models import KeyCreate, KeyRotate, KeyUpdate, TeamCreate, TeamUpdate
from proxy.keys.rows import iso, key_out, team_out
from proxy.keys.snapshot import KeyRow, snapshot
from proxy.keys.spend import SpendKey, add_spend, spend_report

SECRET_PREFIX = "sg-"
PREFIX_SHOWN = 10


class KeyStore:
    def __init__(self, engine: Engine, clock: Any = time.time) -> None:
        self.engine = engine
        self.clock = clock

    # -- plumbing ---------------------------------------------------------------------------

    def _audit(
        self, c: Connection, actor: str, action: str, kind: str, ident: str, detail: Any
    ) -> None:
        audit.record(c, self.clock(), actor, action, kind, ident, detail)

    def revision(self) -> int:
        return audit.revision(self.engine)

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
        return snapshot(self.engine)

    # -- audit ------------------------------------------------------------------------------

    def list_audit(
        self, target: str | None, action: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        return audit.list_entries(self.engine, target, action, limit, offset)

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


def _key_query() -> Any:
    return select(t.keys, t.teams.c.name.label("team_name")).select_from(
        t.keys.outerjoin(t.teams, t.keys.c.team_id == t.teams.c.id)
    )


__all__ = ["AdminError", "KeyRow", "KeyStore", "SpendKey", "iso"]
