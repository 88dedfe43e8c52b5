"""What is live, as a number per domain that every change to it raises: how several replicas on one database
notice each other's publishes.

Each server serves the published entries (and office records) it read at some moment, and remembers the
version it read them at. A publish, an archive, a `kb import` or an office publish raises its domain's version
in the same transaction as the change, so a replica that reads a higher (or just a different: a restore can
lower it) version knows that what it serves is behind, and reloads (replicas.py). Reading the versions is one
query on a one-row-per-domain table, cheap enough to repeat every half second; on PostgreSQL the transaction
that raises a version can also NOTIFY, and a replica LISTENing reloads without waiting for its next look.

The version is read *before* the state it stands for, so a change landing between the two reads is seen
again on the next look (one reload too many), never missed.
"""

from __future__ import annotations

from . import db
from .clock import iso, utcnow

KB = "kb"  # published entries (kb_entries.published_revision, archived)
OFFICES = "offices"  # published office records (office_records.published_revision)

MIGRATIONS = db.Migrations("live")


@MIGRATIONS("live-001-versions")
def _create_table(d: db.Database) -> None:
    d.execute(d.dialect.ddl("""
        CREATE TABLE live_versions (
            domain TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            changed_at TEXT NOT NULL
        )"""))


def bump(database: db.Database, domain: str) -> None:
    """Inside the caller's transaction, with the change itself: the domain's live state changed."""
    database.execute(
        "INSERT INTO live_versions (domain, version, changed_at) VALUES (?, 1, ?) "
        "ON CONFLICT (domain) DO UPDATE SET version = live_versions.version + 1, changed_at = excluded.changed_at",
        [domain, iso(utcnow())])


def read(database: db.Database) -> dict[str, int]:
    """Every domain's version; a domain never changed since the database was made is absent (version 0)."""
    return {row[0]: row[1] for row in database.execute("SELECT domain, version FROM live_versions")}


def version(database: db.Database, domain: str) -> int:
    return read(database).get(domain, 0)
