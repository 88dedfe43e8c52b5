"""Where CachedEmbedder keeps knowledge-base vectors: a store interface with one implementation per set-up.

* `FileEmbeddingCache` — SQLite, a file of its own in the cache folder (the default, as before): a cache, not
  the product's state, so it stays out of the service database and its backups, and every database on the
  machine shares it.
* `SharedEmbeddingCache` — the `embedding_cache` table of the service's PostgreSQL database: replicas share it,
  so a text one replica embedded (a publish) is not embedded again by the others when they build the same
  index. Its table is the `embeddings` domain's migration, declared for PostgreSQL only (migrant_desk/schema.py).
* `TieredEmbeddingCache` — what a replica on PostgreSQL uses: its machine's file first, then the shared table.
  A machine whose file is warm (an earlier run, a move from SQLite) embeds nothing when it first meets an empty
  table, and reads the network only for what it has not seen.

A row is (key, model, vector): the key is a hash of (model, kind, text), the vector float32 bytes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .. import db

log = logging.getLogger(__name__)
MIGRATIONS = db.Migrations("embeddings", dialects=("postgresql",))
CHUNK = 500  # keys per lookup: well under SQLite's 999 placeholders


@MIGRATIONS("embeddings-001-cache")
def _create(d: db.Database) -> None:
    d.execute(d.dialect.ddl("CREATE TABLE embedding_cache (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
                            "vector BLOB NOT NULL)"))


class EmbeddingCache(Protocol):
    def get(self, keys: list[str]) -> dict[str, tuple[str, bytes]]:
        """(model, vector as stored bytes) of those keys that are cached."""

    def put(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """(key, model, vector bytes); a key already there keeps its vector (the same text gives the same one)."""


def _lookup(database: db.Database, table: str, keys: list[str]) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i:i + CHUNK]
        marks = ",".join("?" * len(chunk))
        for key, model, vector in database.execute(
                f"SELECT key, model, vector FROM {table} WHERE key IN ({marks})", chunk):
            found[key] = (model or "", bytes(vector))
    return found


class FileEmbeddingCache:
    """One SQLite connection shared by the threads that build indexes, behind a lock."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = db.SqliteDatabase(sqlite3.connect(path, check_same_thread=False, isolation_level=None))
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        # The table sqlite-utils created in earlier versions: the same columns, so old caches stay valid.
        self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, model TEXT, vector BLOB)")

    def get(self, keys: list[str]) -> dict[str, tuple[str, bytes]]:
        with self._lock:
            return _lookup(self._db, "embeddings", keys)

    def put(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        rows = list(rows)
        try:
            with self._lock, db.transaction(self._db):
                self._db.executemany("INSERT INTO embeddings (key, model, vector) VALUES (?, ?, ?) "
                                     "ON CONFLICT (key) DO NOTHING", rows)
        except sqlite3.OperationalError as exc:
            # Replicas on one machine share this file and may embed the same new texts at once; one that waited
            # past the busy timeout for the other's write still has its vectors: only the caching is lost.
            log.warning("embedding cache not written (%s): %d texts will be embedded again next time", exc, len(rows))


class SharedEmbeddingCache:
    """The service database's table; each thread uses its Store connection. Writes are plain inserts outside the
    write transaction: two replicas embedding the same text at once insert the same row, and one of them wins."""

    def __init__(self, store: db.Store):
        self.store = store

    def get(self, keys: list[str]) -> dict[str, tuple[str, bytes]]:
        return _lookup(self.store.db, "embedding_cache", keys)

    def put(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        import psycopg

        rows = list(rows)
        try:
            self.store.db.executemany("INSERT INTO embedding_cache (key, model, vector) VALUES (?, ?, ?) "
                                      "ON CONFLICT (key) DO NOTHING", rows)
        except psycopg.OperationalError as exc:  # the database is away: the vectors are still there to use
            log.warning("shared embedding cache not written (%s): %d texts", exc, len(rows))


class TieredEmbeddingCache:
    """`near` (this machine's file) before `shared` (the database's table). What only the table had is kept in the
    file too; what is new goes to both. What only the file had is not copied to the table: the table fills with
    what replicas embed, not with every machine's history."""

    def __init__(self, near: EmbeddingCache, shared: EmbeddingCache):
        self.near, self.shared = near, shared

    def get(self, keys: list[str]) -> dict[str, tuple[str, bytes]]:
        found = self.near.get(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            from_shared = self.shared.get(missing)
            if from_shared:
                self.near.put((key, model, vector) for key, (model, vector) in from_shared.items())
            found.update(from_shared)
        return found

    def put(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        rows = list(rows)
        self.near.put(rows)
        self.shared.put(rows)


def open_cache(store: db.Store | None, cache_dir: Path) -> EmbeddingCache:
    """On PostgreSQL this machine's file, then the database's shared table; else the file in the cache folder."""
    near = FileEmbeddingCache(Path(cache_dir) / "embeddings.db")
    if store is not None and store.dialect.name == "postgresql":
        return TieredEmbeddingCache(near, SharedEmbeddingCache(store))
    return near
