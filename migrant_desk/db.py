"""The service's SQLite database (sqlite-utils): connection settings and schema migrations kept in code.

One file holds the product's state (tickets, translation memory, ...). WAL mode lets readers continue while
one writer writes; a busy timeout makes a second writer wait instead of failing.

Migrations: each domain declares its steps in a `Migrations` object next to its code (the model is
sqlite-migrate's `Migrations`), and migrant_desk/schema.py lists the domains in the order they are applied.
Nothing registers itself on import: which tables a database gets, and in which order, is read in one place.
`migrate()` applies the steps not yet recorded in `schema_migrations`, each in its own transaction.

A running server holds a shared lock on `<database>.serve.lock` (`serving`), so `migrant-desk restore` can tell
that a server has the database open (backup.py). Back up and restore with `migrant-desk backup` and `restore`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import sqlite3
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
BUSY_TIMEOUT_MS = 5000


class Migrations:
    """One domain's schema steps, applied in the order they are written. A step's name is recorded in
    `schema_migrations` once applied, so names must be unique and never change:

        MIGRATIONS = db.Migrations("tickets")

        @MIGRATIONS("tickets-001-create")
        def create_tables(d): ...
    """

    def __init__(self, domain: str):
        self.domain = domain
        self.steps: list[tuple[str, Migration]] = []

    def __call__(self, name: str) -> Callable[[Migration], Migration]:
        def add(fn: Migration) -> Migration:
            if any(existing == name for existing, _ in self.steps):
                raise ValueError(f"migration {name!r} is declared twice in {self.domain}")
            self.steps.append((name, fn))
            return fn

        return add


def steps_of(domains: Sequence[Migrations]) -> list[tuple[str, Migration]]:
    """Every step of `domains`, domain by domain in the given order; a name used twice is an error."""
    out: list[tuple[str, Migration]] = []
    for domain in domains:
        for name, fn in domain.steps:
            if any(existing == name for existing, _ in out):
                raise ValueError(f"migration {name!r} is declared twice (again in {domain.domain})")
            out.append((name, fn))
    return out


def _default_domains() -> Sequence[Migrations]:
    # Imported here, not at the top: the domains' schema modules import this module.
    from .schema import DOMAINS

    return DOMAINS


def serve_lock_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".serve.lock")


@contextmanager
def serving(path: Path) -> Iterator[None]:
    """Held by a server for as long as it runs: a shared flock on the database's lock file. Several servers may
    hold it at once; `migrant-desk restore` asks for it exclusively and is refused while any server holds it.
    The kernel drops the lock when the process ends, however it ends (kill -9 included), so it never goes stale.
    A server starting while a restore runs waits here until the restore is done."""
    lock = serve_lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def starting(path: Path) -> Iterator[None]:
    """Held while a server creates tables and seeds an empty database: an exclusive flock on
    `<database>.start.lock`, so two replicas started at the same moment on one database do not both seed it
    (the second finds it seeded). Released when the block ends, or by the kernel if the process dies."""
    lock = Path(path).with_name(Path(path).name + ".start.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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

    def __init__(self, path: Path, domains: Sequence[Migrations] | None = None):
        """Opens (or creates) the database and applies pending migrations: by default every domain's, in the
        order migrant_desk/schema.py declares."""
        self.path = Path(path)
        self._local = threading.local()
        migrate(self.db, domains)

    @property
    def db(self) -> sqlite_utils.Database:
        conn = getattr(self._local, "db", None)
        if conn is None:
            conn = self._local.db = connect(self.path)
        return conn

    def transaction(self):
        return transaction(self.db)


def migrate(db: sqlite_utils.Database, domains: Sequence[Migrations] | None = None) -> list[str]:
    """Apply pending migrations (of `domains`, by default all of them); returns the names applied now."""
    # IF NOT EXISTS and the check inside each step's transaction: two processes may migrate one file at once
    db.execute("CREATE TABLE IF NOT EXISTS [schema_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT)")
    done = {row["name"] for row in db["schema_migrations"].rows}
    applied = []
    for name, fn in steps_of(_default_domains() if domains is None else domains):
        if name in done:
            continue
        with transaction(db):
            if db.execute("SELECT 1 FROM schema_migrations WHERE name = ?", [name]).fetchone():
                continue  # another process applied it since we looked (replicas starting together)
            fn(db)
            db["schema_migrations"].insert({"name": name, "applied_at": dt.datetime.now(dt.timezone.utc).isoformat()})
        applied.append(name)
    return applied
