"""Backing up and restoring the service's SQLite database: `migrant-desk backup OUT` and `migrant-desk restore IN`
(a PostgreSQL database goes to pg_backup.py, with pg_dump and pg_restore).

Both copy with SQLite's online backup API (`sqlite3.Connection.backup`), never with a file copy, which can miss
what is still in the `-wal` file. A backup is taken in one step: it reads one consistent snapshot of the
database (a read transaction; in WAL mode writers keep writing meanwhile), so it is safe while the server runs.
(Copying a few pages per step would let each write by the server restart the copy from the beginning.) The copy
is written next to OUT and renamed into place once it passed `PRAGMA integrity_check`, so OUT is never half a
database.

A restore refuses a database a running server holds (the server's shared lock, db.serving) unless `force`,
because the server keeps answering from what it loaded at start; and it refuses a file that is not a
migrant-desk database: not SQLite, no `schema_migrations`, migrations this version does not know (written by a
newer version), or damaged. It writes through the backup API too, so a forced restore under a running server
replaces the content in one transaction; restart that server afterwards. Pending migrations of an older backup
are applied after the restore.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import time
from pathlib import Path

from pydantic import BaseModel

from . import db

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"  # pg_dump's custom format: a PostgreSQL backup (pg_backup.py)


class BackupError(RuntimeError):
    """A backup or restore refused or failed; the message names the file and what to do."""


class CopyReport(BaseModel):
    source: str
    target: str
    tables: int
    rows: int
    bytes: int
    seconds: float
    migrations: list[str]  # the schema version: the migrations the copied database has
    applied_now: list[str] = []  # restore: migrations an older backup lacked, applied after the copy


def _known_migrations(dialect: str = "sqlite") -> list[str]:
    from .schema import DOMAINS

    return [name for name, _ in db.steps_of(DOMAINS, dialect)]


def _is_pg_dump(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(PG_DUMP_HEADER)) == PG_DUMP_HEADER


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=db.BUSY_TIMEOUT_MS / 1000)


def check_database(path: Path, integrity: bool = True) -> list[str]:
    """The migrations `path` has, if it is an intact migrant-desk database this version can read; else
    BackupError naming the file. `integrity=False` skips the full integrity check (the live database before a
    backup: the copy is checked instead, which reads it once, not twice)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if _is_pg_dump(path):
        from . import pg_backup

        return pg_backup.check_dump(path)
    with open(path, "rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not an SQLite database (it does not start with the SQLite header)")
    try:
        conn = _read_only(path)
        try:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                            ).fetchone() is None:
                raise BackupError(f"{path} is not a migrant-desk database: it has no schema_migrations table")
            applied = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY rowid")]
            damage = conn.execute("PRAGMA integrity_check").fetchall() if integrity else [("ok",)]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as an SQLite database: {exc}") from None
    if not applied:
        raise BackupError(f"{path} is not a migrant-desk database: schema_migrations is empty")
    unknown = [name for name in applied if name not in _known_migrations()]
    if unknown:
        raise BackupError(f"{path} was written by a newer migrant-desk: it has migrations this version does not "
                          f"know ({', '.join(unknown)}); restore it with that version")
    if damage != [("ok",)]:
        raise BackupError(f"{path} is damaged: {'; '.join(str(r[0]) for r in damage[:5])}")
    return applied


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%'")]
    return len(tables), sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db_path: Path | str, out: Path, overwrite: bool = False) -> CopyReport:
    """Copy the database at `db_path` to `out` (a new file, owner-only), consistently, while a server may be
    writing to it. A postgresql:// URL is dumped with pg_dump (pg_backup.py)."""
    if db.sqlite_path(db_path) is None:
        from . import pg_backup

        return pg_backup.backup(str(db_path), Path(out), overwrite)
    db_path, out = db.sqlite_path(db_path), Path(out)
    started = time.perf_counter()
    migrations = check_database(db_path, integrity=False)
    if out.exists() and out.resolve() == db_path.resolve():
        raise BackupError(f"{out} is the database itself; back up to another file")
    if out.exists() and not overwrite:
        raise BackupError(f"{out} exists; choose a new file, or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only from the first byte
    try:
        source = sqlite3.connect(db_path, timeout=db.BUSY_TIMEOUT_MS / 1000)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # one step: one consistent snapshot (see the module's docstring)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            if target.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                raise BackupError(f"the copy of {db_path} failed its integrity check; {out} was not written")
            tables, rows = _counts(target)
        finally:
            target.close()
            source.close()
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
        _fsync_dir(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    return CopyReport(source=str(db_path), target=str(out), tables=tables, rows=rows, bytes=out.stat().st_size,
                      seconds=round(time.perf_counter() - started, 3), migrations=migrations)


def _exclusive(db_path: Path) -> int | None:
    """The serve lock taken exclusively (a file descriptor to close afterwards), or None while a server holds it."""
    lock = db.serve_lock_path(db_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def restore(source: Path, db_path: Path | str, force: bool = False) -> CopyReport:
    """Replace the content of the database at `db_path` with the backup `source`. Refused while a server holds
    the database, unless `force` (then restart that server: it still serves what it loaded at start). A
    postgresql:// URL is restored from a pg_dump file (pg_backup.py); a backup restores into its own engine."""
    source = Path(source)
    is_dump = source.is_file() and _is_pg_dump(source)
    if db.sqlite_path(db_path) is None:
        from . import pg_backup

        if source.is_file() and not is_dump:
            raise BackupError(f"{source} is not a PostgreSQL backup (pg_dump's custom format); a backup restores "
                              "into the engine it was taken from")
        return pg_backup.restore(source, str(db_path), force)
    if is_dump:
        raise BackupError(f"{source} is a PostgreSQL backup; restore it with --db postgresql://...")
    db_path = db.sqlite_path(db_path)
    started = time.perf_counter()
    migrations = check_database(source)
    if db_path.exists() and source.resolve() == db_path.resolve():
        raise BackupError(f"{source} is the database itself; restore from a backup file")
    lock = _exclusive(db_path)
    if lock is None and not force:
        raise BackupError(f"{db_path} is in use by a running migrant-desk server (it holds "
                          f"{db.serve_lock_path(db_path)}); stop the server first, or pass --force to restore "
                          "into it while it runs and restart it afterwards")
    try:
        if not db_path.exists():
            db_path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only, like db.connect
        reader = _read_only(source)
        target = sqlite3.connect(db_path, timeout=db.BUSY_TIMEOUT_MS / 1000)
        try:
            reader.backup(target)  # one transaction on the target: a reader sees the old content or the new
            target.execute("PRAGMA journal_mode=WAL")  # the service's mode (db.connect), whatever the backup's
            tables, rows = _counts(target)
        finally:
            target.close()
            reader.close()
        restored = db.connect(db_path)
        try:
            applied_now = db.migrate(restored)  # an older backup gets this version's new tables
        finally:
            restored.conn.close()
    finally:
        if lock is not None:
            os.close(lock)
    return CopyReport(source=str(source), target=str(db_path), tables=tables, rows=rows,
                      bytes=db_path.stat().st_size, seconds=round(time.perf_counter() - started, 3),
                      migrations=migrations, applied_now=applied_now)
