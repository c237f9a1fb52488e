"""The audit trail: one entry per change, written in the change's own transaction.

``record`` is called by every change of ``store.py`` inside its transaction, and bumps the
``revision`` counter in the same breath: an instance polling the counter learns of the
change at its next poll, and a change is never there without its entry (or the other way
round). ``list_entries`` is the admin API's read of the trail, newest first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select, update

from proxy.keys import tables as t
from proxy.keys.rows import iso


def record(
    c: Connection,
    at: float,
    actor: str,
    action: str,
    kind: str,
    ident: str,
    detail: Any,
) -> None:
    """Write one audit entry and bump the revision, in ``c``'s transaction."""
    c.execute(
        t.audit.insert().values(
            at=at, actor=actor, action=action, target_type=kind, target_id=ident, detail=detail
        )
    )
    c.execute(update(t.revision).where(t.revision.c.id == 1).values(value=t.revision.c.value + 1))


def revision(engine: Engine) -> int:
    """The change counter every instance polls."""
    with engine.connect() as c:
        return int(c.execute(select(t.revision.c.value).where(t.revision.c.id == 1)).scalar_one())


def list_entries(
    engine: Engine, target: str | None, action: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the trail, newest first, and how many entries match in all."""
    conditions = []
    if target is not None:
        conditions.append(t.audit.c.target_id == target)
    if action is not None:
        conditions.append(t.audit.c.action == action)
    where = and_(*conditions) if conditions else and_(True)
    with engine.connect() as c:
        total = c.execute(select(func.count()).select_from(t.audit).where(where)).scalar_one()
        rows = c.execute(
            select(t.audit).where(where).order_by(t.audit.c.id.desc()).limit(limit).offset(offset)
        ).mappings()
        return [_entry(r) for r in rows], int(total)


def _entry(r: Any) -> dict[str, Any]:
    return {
        "id": r["id"],
        "at": iso(r["at"]),
        "actor": r["actor"],
        "action": r["action"],
        "target_type": r["target_type"],
        "target_id": r["target_id"],
        "detail": r["detail"],
    }
