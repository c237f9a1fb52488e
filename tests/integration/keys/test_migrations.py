"""Schema migrations on real SQLite and PostgreSQL: from an empty database to the newest
revision, and from the previous revision (0001) with rows in it, which all survive."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import inspect, text

from proxy.config.models import KeysConfig
from proxy.keys import tables
from proxy.keys.db import HEAD, current_revision, make_engine, resolve_url, upgrade
from proxy.keys.models import KeyCreate, KeyRotate, TeamCreate
from proxy.keys.service import KeysService
from proxy.keys.store import KeyStore


def test_an_empty_database_is_brought_to_the_head_schema(store_url: str, tmp_path: Path) -> None:
    engine = make_engine(resolve_url(store_url, tmp_path))
    upgrade(engine)
    assert current_revision(engine) == HEAD
    found = inspect(engine)
    for table in tables.metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys())
    upgrade(engine)  # again: nothing to do
    engine.dispose()


def test_the_previous_schema_keeps_every_row(store_url: str, tmp_path: Path) -> None:
    engine = make_engine(resolve_url(store_url, tmp_path))
    upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO teams (name, budget_usd, budget_period, models, metadata, created_at, "
                "updated_at) VALUES ('search', 10, 'month', NULL, '{}', 1, 1)"
            )
        )
        team_id = c.execute(text("SELECT id FROM teams WHERE name = 'search'")).scalar_one()
        c.execute(
            text(
                "INSERT INTO keys (id, name, team_id, prefix, hash, budget_period, metadata, "
                "created_at, updated_at) VALUES ('key_old', 'legacy', :team, 'sg-abcdefg', :hash, "
                "'month', '{}', 1, 1)"
            ),
            {"team": team_id, "hash": "ab" * 32},
        )
        c.execute(
            text(
                "INSERT INTO audit (at, actor, action, target_type, target_id, detail) "
                "VALUES (1, 'admin', 'key.create', 'key', 'key_old', '{}')"
            )
        )
    upgrade(engine)
    assert current_revision(engine) == HEAD
    store = KeyStore(engine)
    assert store.team("search")["budget_usd"] == 10
    assert store.key("key_old")["team"] == "search"
    assert [row.id for row in store.snapshot()] == ["key_old"]
    assert store.list_audit(None, None, 10, 0)[1] == 1
    made = store.create_key(KeyCreate(team="search"), "test")  # the new columns work too
    assert (
        store.rotate_key(made["id"], KeyRotate(overlap_seconds=60), "test")["previous_expires_at"]
        is not None
    )
    engine.dispose()


async def test_instances_opening_together_migrate_once(store_url: str, tmp_path: Path) -> None:
    services = [KeysService(KeysConfig(url=store_url), tmp_path) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in services))
    try:
        services[0].store.create_team(TeamCreate(name="a"), "test")
        await asyncio.gather(*(s.refresh() for s in services))
        assert len({s.directory.revision for s in services}) == 1
    finally:
        for service in services:
            await service.close()


def test_engines_opened_together_on_a_new_sqlite_file_all_start(tmp_path: Path) -> None:
    """Switching a new file to WAL was refused at once ("database is locked") when another
    engine was switching too: instances and workers starting together. 50 new files, four
    engines each at once (about 1 in 25 files failed before)."""
    failures: list[str] = []

    def start(url: str) -> None:
        try:
            engine = make_engine(url)
            upgrade(engine)
            with engine.connect() as connection:
                mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                assert mode == "wal", mode
            engine.dispose()
        except Exception as exc:  # collected: the assertion below names them
            failures.append(f"{type(exc).__name__}: {exc}")

    for n in range(50):
        url = f"sqlite:///{tmp_path / f'keys-{n}.db'}"
        threads = [threading.Thread(target=start, args=(url,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
