"""Backing up and restoring a PostgreSQL database: `migrant-desk backup OUT` and `restore IN` when the service
runs on PostgreSQL (MIGRANT_DESK_DATABASE_URL, or --db postgresql://...). backup.py does the same for SQLite.

A backup is pg_dump's custom format, taken from one snapshot: this module opens a REPEATABLE READ transaction,
exports its snapshot, counts the rows in it and hands it to pg_dump (`--snapshot`), so the counts in the report
are those of the file, and the copy is one consistent moment while the replicas keep writing. The file is
written owner-only next to OUT, read back with `pg_restore --list`, and renamed into place.

A restore replaces every table of the target database with the backup's in one transaction (the current
tables dropped, then the dump's script, through `psql --single-transaction`): a reader sees the old content or
the new, never half. It is refused while a migrant-desk process is connected to the target (each connection
says `application_name=migrant-desk`, pg.py), unless `force`; then restart the replicas, which still serve what
they loaded. A file that is not a migrant-desk dump, or one with migrations this version does not know, is
refused by name. Pending migrations of an older backup are applied afterwards. Identity counters are restored
too: a purged ticket's id never comes back.

pg_dump, pg_restore and psql come from the PostgreSQL client (Debian: postgresql-client-15); the newest
installed under /usr/lib/postgresql is used, or MIGRANT_DESK_PG_BIN, or the ones on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from . import db
from .pg import APPLICATION_NAME

def _tool(name: str) -> str:
    candidates = [os.environ.get("MIGRANT_DESK_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        from .backup import BackupError

        raise BackupError(f"{name} is not installed; install the PostgreSQL client (Debian: postgresql-client-15)")
    return found


def _run(command: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    from .backup import BackupError

    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    done = subprocess.run(command, **kwargs)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace") if isinstance(done.stderr, bytes) else done.stderr
        raise BackupError(f"{what} failed: {err.strip()[-2000:]}")
    return done


def _applied(conn: psycopg.Connection, where: str) -> list[str]:
    from .backup import BackupError

    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
        raise BackupError(f"{where} is not a migrant-desk database: it has no schema_migrations table")
    return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")]


def _known(names: list[str], where: str) -> list[str]:
    from .backup import BackupError, _known_migrations

    if not names:
        raise BackupError(f"{where} is not a migrant-desk database: schema_migrations is empty")
    known = _known_migrations("postgresql")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BackupError(f"{where} was written by a newer migrant-desk: it has migrations this version does not "
                          f"know ({', '.join(unknown)}); restore it with that version")
    return names


def _counts(conn: psycopg.Connection) -> tuple[int, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
    return len(tables), sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)


def check_dump(path: Path) -> list[str]:
    """The migrations the dump at `path` holds, if it is a readable migrant-desk dump this version can restore."""
    from .backup import BackupError

    listing = _run([_tool("pg_restore"), "--list", str(path)], f"reading {path}", text=True).stdout
    if " TABLE public schema_migrations " not in listing and " TABLE DATA public schema_migrations " not in listing:
        raise BackupError(f"{path} is not a migrant-desk database: it has no schema_migrations table")
    data = _run([_tool("pg_restore"), "--data-only", "--table=schema_migrations", "--file=-", str(path)],
                f"reading {path}", text=True).stdout
    rows, copying = [], False
    for line in data.splitlines():
        if line.startswith("COPY ") and "schema_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            break
        elif copying:
            rows.append(tuple(line.split("\t")))
    names = [name for name, _ in sorted(rows, key=lambda r: (r[1], r[0]))]
    return _known(names, str(path))


def backup(url: str, out: Path, overwrite: bool = False):
    from .backup import BackupError, CopyReport, _fsync_dir

    out = Path(out)
    started = time.perf_counter()
    if out.exists() and not overwrite:
        raise BackupError(f"{out} exists; choose a new file, or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600)  # owner-only from the first byte
    try:
        with psycopg.connect(url, application_name=f"{APPLICATION_NAME}-backup") as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            migrations = _known(_applied(conn, db.describe(url)), db.describe(url))
            tables, rows = _counts(conn)
            # pg_dump reads the very snapshot the counts were taken in (the transaction stays open meanwhile).
            _run([_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges",
                  f"--dbname={url}"], f"pg_dump of {db.describe(url)}", stdout=fd)
            conn.rollback()
        os.fsync(fd)
        os.close(fd)
        fd = -1
        _run([_tool("pg_restore"), "--list", str(partial)], f"reading back the dump of {db.describe(url)}")
        os.replace(partial, out)
        _fsync_dir(out.parent)
    finally:
        if fd >= 0:
            os.close(fd)
        partial.unlink(missing_ok=True)
    return CopyReport(source=db.describe(url), target=str(out), tables=tables, rows=rows,
                      bytes=out.stat().st_size, seconds=round(time.perf_counter() - started, 3), migrations=migrations)


def connected_servers(url: str) -> int:
    """migrant-desk connections to the database other than this one: running replicas (or tools)."""
    with psycopg.connect(url, application_name=f"{APPLICATION_NAME}-restore", autocommit=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND application_name = %s AND pid <> pg_backend_pid()", [APPLICATION_NAME]).fetchone()[0]


def restore(source: Path, url: str, force: bool = False):
    from .backup import BackupError, CopyReport

    source = Path(source)
    started = time.perf_counter()
    migrations = check_dump(source)
    where = db.describe(url)
    if connected_servers(url) and not force:
        raise BackupError(f"{where} is in use by a running migrant-desk server (it is connected to the database); "
                          "stop the replicas first, or pass --force to restore into it while they run and restart "
                          "them afterwards")
    with psycopg.connect(url, application_name=f"{APPLICATION_NAME}-restore", autocommit=True) as conn:
        current = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
    # One transaction for all of it (psql --single-transaction runs the -c and the -f in one): the current
    # tables go, the dump's come, so a replica reading meanwhile sees the old content or the new.
    drops = ["-c", "".join(f'DROP TABLE IF EXISTS "{t}" CASCADE;' for t in current)] if current else []
    with tempfile.TemporaryFile() as restore_err, tempfile.TemporaryFile() as script_err:
        reader = subprocess.Popen([_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)],
                                  stdout=subprocess.PIPE, stderr=restore_err)
        script = subprocess.run([_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", *drops,
                                 "-f", "-", f"--dbname={url}"], stdin=reader.stdout, stdout=subprocess.DEVNULL,
                                stderr=script_err, env={**os.environ, "PGAPPNAME": f"{APPLICATION_NAME}-restore"})
        reader.stdout.close()
        if reader.wait() != 0 or script.returncode != 0:
            restore_err.seek(0)
            script_err.seek(0)
            err = (restore_err.read() + script_err.read()).decode("utf-8", "replace").strip()
            raise BackupError(f"restoring {source} into {where} failed; nothing was changed: {err[-2000:]}")
    store = db.Store(url, [])
    try:
        applied_now = db.migrate(store.db)  # an older backup gets this version's new tables
    finally:
        store.close()
    with psycopg.connect(url, application_name=f"{APPLICATION_NAME}-restore") as conn:
        tables, rows = _counts(conn)
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return CopyReport(source=str(source), target=where, tables=tables, rows=rows, bytes=size,
                      seconds=round(time.perf_counter() - started, 3), migrations=migrations, applied_now=applied_now)
