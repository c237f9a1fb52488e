"""Opening the store: URL forms, SQLite settings, and migrations under a lock.

SQLAlchemy's synchronous engine is used from a worker thread (``asyncio.to_thread``): every
use is off the request path (admin calls, a change poll every 250 ms, a ledger batch every
second), so an async driver would buy nothing but a second set of dependencies. SQLite runs
in WAL mode so that a reader (another instance polling) never waits for a writer.
Migrations are Alembic revisions, run on open (or by ``sluicegate db upgrade``); several
instances starting together take a lock first (an advisory lock on PostgreSQL, a file lock
beside the SQLite file), so exactly one of them migrates.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0002"
DEFAULT_FILE = "sluicegate.db"
_ADVISORY_LOCK = 0x51C6A7E  # any constant shared by every instance


def resolve_url(url: str | None, config_dir: Path) -> str:
    """The SQLAlchemy URL for ``[keys] url``: relative SQLite paths are read from the config's
    folder, ``postgresql://`` uses the psycopg (3) driver."""
    if not url:
        return f"sqlite:///{(config_dir / DEFAULT_FILE).resolve()}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url[len("sqlite:///") :]
        if relative and relative != ":memory:":
            return f"sqlite:///{(config_dir / relative).resolve()}"
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def redact(url: str) -> str:
    """The URL with its password hidden (for logs and /-/status)."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # No pre-ping: it doubles the round trips of every poll; a connection broken by a server
    # restart fails one poll, SQLAlchemy drops the pool, and the next poll reconnects.
    return create_engine(url, pool_size=4, max_overflow=4)


def _write_ahead(database: str | None) -> None:
    """Put the SQLite file in WAL mode, once, under the file lock.

    WAL is a property of the file, not of a connection. Switching to it needs the file to
    itself and is refused at once, busy timeout or not ("database is locked"), when another
    connection is switching too: instances or workers starting together on a new file failed
    that way (about 1 in 25 new files opened by four engines at once). Under the lock one
    of them switches; the others find it done.
    """
    if not database or database == ":memory:":
        return
    with _file_lock(database), sqlite3.connect(database, timeout=30) as connection:
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


@contextlib.contextmanager
def _file_lock(database: str) -> Iterator[None]:
    """An exclusive lock on a file beside the SQLite database, across processes and threads."""
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{database}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with _file_lock(database):
        yield


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception:
            return None
    return str(row[0]) if row else None


def upgrade(engine: Engine, to: str = "head") -> None:
    """Bring the schema to ``to`` (the newest revision by default); a no-op when it is."""
    if engine.dialect.name == "sqlite":
        _write_ahead(engine.url.database)
    if to == "head" and current_revision(engine) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, to)
