"""The service's SQLite database (sqlite-utils): connection settings and schema migrations kept in code.

One file holds the product's state (tickets, translation memory, ...). WAL mode lets readers continue while
one writer writes; a busy timeout makes a second writer wait instead of failing. Each capability keeps its
migrations next to its code and registers them here by name; `migrate()` applies, in order, those not yet
recorded in `schema_migrations`, each in its own transaction.

Back up while the service runs with SQLite's online backup, e.g. `sqlite3 var/migrant-desk.db ".backup x.db"`
(a plain file copy can miss what is still in the WAL file).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
_MIGRATIONS: list[tuple[str, Migration]] = []
BUSY_TIMEOUT_MS = 5000


def register(name: str) -> Callable[[Migration], Migration]:
    """Decorator: `@db.register("tickets-001-create")` adds a migration; names must be unique and stable."""

    def wrap(fn: Migration) -> Migration:
        if any(existing == name for existing, _ in _MIGRATIONS):
            raise ValueError(f"migration {name!r} is registered twice")
        _MIGRATIONS.append((name, fn))
        return fn

    return wrap


def connect(path: Path) -> sqlite_utils.Database:
    """One connection in autocommit mode; use `transaction()` for anything that writes more than one row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Owner-only from the first byte (tickets hold migrants' conversations); SQLite gives its -wal and -shm
        # files the database file's permissions.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE takes the write lock up front, so two writers (threads or processes) never interleave."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Store:
    """The database file plus one connection per thread (sqlite3 connections must not be shared across threads
    mid-transaction). FastAPI runs sync endpoints in a thread pool, so each worker thread gets its own."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        migrate(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        conn = getattr(self._local, "db", None)
        if conn is None:
            conn = self._local.db = connect(self.path)
        return conn

    def transaction(self):
        return transaction(self.db)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    if not db["schema_migrations"].exists():
        db["schema_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["schema_migrations"].rows}
    applied = []
    for name, fn in _MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            fn(db)
            db["schema_migrations"].insert({"name": name, "applied_at": dt.datetime.now(dt.timezone.utc).isoformat()})
        applied.append(name)
    return applied
