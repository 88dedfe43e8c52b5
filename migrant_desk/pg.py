"""The PostgreSQL engine (psycopg 3): one connection that speaks the same small surface as the SQLite one.

The stores write one SQL for both engines, with SQLite's placeholders (`?` and `:name`); `PgDatabase.execute`
turns them into psycopg's (`%s`, `%(name)s`) and returns a cursor of tuples, as sqlite3 does. What cannot be
written once lives in db.Dialect (DDL types, row locks); nothing else here knows about a domain.

Transactions keep SQLite's promise: `transaction()` is BEGIN plus a transaction-scoped advisory lock, one for
the whole database, so write transactions run one at a time across every process and replica, exactly as
BEGIN IMMEDIATE makes them on SQLite. The stores' read-check-write steps (one active ticket per conversation,
a counselor's capacity, revision numbers, the claim of a queued ticket) were written for that promise and stay
correct without a lock of their own. Reads outside a transaction never wait for it.

Booleans are sent as integers: the schema stores flags as INTEGER 0/1 on both engines (SQLite has no boolean),
and a Python bool compared with an integer column would be a type error in PostgreSQL.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.rows import dict_row

# pg_advisory_xact_lock's key for "a write transaction is running": any fixed 64-bit number, the same in every
# process (it reads "migrantd" in ASCII).
WRITE_LOCK_KEY = 0x6D6967_72616E74_64 & 0x7FFF_FFFF_FFFF_FFFF
START_LOCK_KEY = WRITE_LOCK_KEY - 1  # db.starting: one server at a time creates the tables and seeds
# How long a write transaction waits for the lock before it fails; SQLite's busy timeout is 5 s, but here
# the waiters may be other replicas' transactions too.
LOCK_TIMEOUT = "20s"
# What the service's connections call themselves on the server (pg_stat_activity): a restore refuses a database
# that migrant-desk processes are connected to (pg_backup.py).
APPLICATION_NAME = "migrant-desk"


class _BoolAsInt(Dumper):
    """True/False as 1/0 (int4): the flags are INTEGER columns on both engines."""

    oid = psycopg.adapters.types["int4"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


# A placeholder, or something that may contain one but is not (a string, a quoted name, a comment, a cast).
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|\?|:([A-Za-z_][A-Za-z0-9_]*)|%")


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """SQLite's `?` and `:name` as psycopg's `%s` and `%(name)s`; a literal `%` doubled. Strings, quoted names,
    comments and `::` casts are left alone."""

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if match.group(1):
            return f"%({match.group(1)})s"
        if token == "%":
            return "%%"
        return token

    return _TOKEN.sub(replace, sql)


@contextmanager
def start_lock(url: str) -> Iterator[None]:
    """db.starting on PostgreSQL: a session advisory lock held by a connection of its own for the block; the
    server drops it if the process dies (its connection ends)."""
    with psycopg.connect(url, autocommit=True, application_name=APPLICATION_NAME) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [START_LOCK_KEY])
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [START_LOCK_KEY])


class PgDatabase:
    """One psycopg connection in autocommit mode (each statement commits, as sqlite3's with isolation_level
    None); `transaction()` for anything that writes more than one row."""

    def __init__(self, url: str):
        from .db import POSTGRESQL

        self.dialect = POSTGRESQL
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True, application_name=APPLICATION_NAME)
        self.conn.adapters.register_dumper(bool, _BoolAsInt)
        self.conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")

    @property
    def usable(self) -> bool:
        return not (self.conn.closed or self.conn.broken)

    def execute(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> psycopg.Cursor:
        """A cursor of tuples (fetchone, fetchall, iteration, rowcount, description), as sqlite3 gives."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(translate(sql), parameters)

    def query(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> Iterator[dict]:
        cursor = self.conn.cursor(row_factory=dict_row)
        cursor.execute(sql if parameters is None else translate(sql), parameters)
        yield from cursor

    def execute_returning_dicts(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> list[dict]:
        return list(self.query(sql, parameters))

    def executemany(self, sql: str, rows: Sequence[Sequence | dict[str, Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(translate(sql), rows)

    def insert_row(self, table: str, values: dict[str, Any], pk: str | None = "id") -> int | None:
        """Insert one row; returns its `pk` column (the new id), or None when pk is None."""
        columns = list(values)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        if pk is None:
            self.execute(sql, [values[c] for c in columns])
            return None
        return self.execute(f"{sql} RETURNING {pk}", [values[c] for c in columns]).fetchone()[0]

    def table_exists(self, name: str) -> bool:
        return self.execute("SELECT to_regclass(?) IS NOT NULL", [name]).fetchone()[0]

    def table_names(self) -> list[str]:
        return [r[0] for r in self.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]

    @contextmanager
    def transaction(self) -> Iterator["PgDatabase"]:
        """One write transaction at a time across all processes (the advisory lock), as BEGIN IMMEDIATE."""
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
            yield self

    def close(self) -> None:
        self.conn.close()


class PgConnections:
    """One connection per thread (a psycopg connection serves one thread at a time), all closed by `close()`.
    A connection the server dropped (a restart, a failover) is replaced on the thread's next use, and the
    connection of a thread that ended is closed when another thread opens one: the server's thread pool
    replaces idle threads, and their connections must not pile up on the database server."""

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[tuple[threading.Thread, PgDatabase]] = []

    def get(self) -> PgDatabase:
        database = getattr(self._local, "db", None)
        if database is None or not database.usable:
            database = self._local.db = PgDatabase(self.url)
            with self._lock:
                keep = []
                for thread, other in self._open:
                    if thread.is_alive() and other.usable:
                        keep.append((thread, other))
                    else:
                        other.close()
                self._open = keep + [(threading.current_thread(), database)]
        return database

    def count(self) -> int:
        """Connections this store holds open now."""
        with self._lock:
            return sum(1 for _, database in self._open if not database.conn.closed)

    def close(self) -> None:
        with self._lock:
            for _, database in self._open:
                database.close()
            self._open = []
