"""Spend aggregates: the additive upsert every instance flushes into, and the report over it.

The ledger (``ledger.py``) sums usage in memory per (day, key, team, model, provider) and
flushes a batch every few seconds; each row is an ``INSERT … ON CONFLICT DO UPDATE`` that
adds, so any number of instances flushing at once sum exactly, on SQLite and PostgreSQL
alike. Amounts are integer nano-dollars, never floats, so sums are exact too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from proxy.keys import tables as t

NANO = 1_000_000_000
_GROUP_COLUMNS = {"team": "team", "key": "key_id", "model": "model", "provider": "provider"}
GROUPS = tuple(_GROUP_COLUMNS)
_SUMMED = ("requests", "input_tokens", "output_tokens", "cost_nusd")


@dataclass(frozen=True, slots=True)
class SpendKey:
    day: str
    key_id: str
    team: str
    model: str
    provider: str


def add_spend(engine: Engine, batch: Mapping[SpendKey, Sequence[int]]) -> None:
    """Add a batch of aggregates, in one transaction: each row is an additive upsert,
    so any number of instances flushing at once sum exactly."""
    if not batch:
        return
    rows = [
        {
            "day": k.day,
            "key_id": k.key_id,
            "team": k.team,
            "model": k.model,
            "provider": k.provider,
            **dict(zip(_SUMMED, v, strict=True)),
        }
        for k, v in batch.items()
    ]
    with engine.begin() as c:
        c.execute(_upsert(engine.dialect.name), rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    """The additive upsert, built once per dialect: building it (its ``excluded`` alias)
    made ~100 objects in reference cycles every flush, left for the cyclic collector."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(t.spend)
    return statement.on_conflict_do_update(
        index_elements=["day", "key_id", "team", "model", "provider"],
        set_={name: t.spend.c[name] + statement.excluded[name] for name in _SUMMED},
    )


def spend_report(
    engine: Engine,
    group_by: Iterable[str],
    period: str,
    filters: Mapping[str, str],
    since: str | None,
    until: str | None,
) -> list[dict[str, Any]]:
    """Totals per ``period`` ("day" or "month") and per ``group_by`` columns."""
    group_by = list(group_by)
    columns = [t.spend.c[_GROUP_COLUMNS[g]] for g in group_by]
    conditions = [t.spend.c[_GROUP_COLUMNS[name]] == value for name, value in filters.items()]
    if since is not None:
        conditions.append(t.spend.c.day >= since)
    if until is not None:
        conditions.append(t.spend.c.day <= until)
    query = (
        select(t.spend.c.day, *columns, *(func.sum(t.spend.c[name]) for name in _SUMMED))
        .where(and_(True, *conditions))
        .group_by(t.spend.c.day, *columns)
    )
    totals: dict[tuple[str, ...], list[int]] = {}
    with engine.connect() as c:
        for row in c.execute(query):
            day, *groups = row[: 1 + len(columns)]
            numbers = row[1 + len(columns) :]
            bucket = day if period == "day" else day[:7]
            sums = totals.setdefault((bucket, *groups), [0, 0, 0, 0])
            for i, n in enumerate(numbers):
                sums[i] += int(n or 0)
    out = []
    for (bucket, *groups), (requests, tokens_in, tokens_out, nusd) in sorted(totals.items()):
        row_out: dict[str, Any] = {"period": bucket}
        row_out.update(zip(group_by, groups, strict=True))
        row_out.update(
            requests=requests,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            total_tokens=tokens_in + tokens_out,
            cost_usd=nusd / NANO,
        )
        out.append(row_out)
    return out


__all__ = ["GROUPS", "NANO", "SpendKey", "add_spend", "spend_report"]
