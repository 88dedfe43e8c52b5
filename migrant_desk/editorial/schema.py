"""The editorial tables: entries with their revisions and variant statuses, the content-gap question log, and
the publish log. Applied in this order by migrant_desk.db.migrate (the order of domains: migrant_desk/schema.py).
"""

from __future__ import annotations


from .. import db

MIGRATIONS = db.Migrations("editorial")


@MIGRATIONS("editorial-001-entries")
def _create_tables(d: db.Database) -> None:
    d.execute(d.dialect.ddl("""
        CREATE TABLE kb_entries (
            id TEXT PRIMARY KEY,
            head_revision INTEGER NOT NULL,
            published_revision INTEGER,
            archived INTEGER NOT NULL DEFAULT 0,
            review_approved_revision INTEGER,
            review_approved_by TEXT
        )"""))
    d.execute(d.dialect.ddl("""
        CREATE TABLE kb_revisions (
            entry_id TEXT NOT NULL REFERENCES kb_entries(id),
            number INTEGER NOT NULL,
            data TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (entry_id, number)
        )"""))
    d.execute(d.dialect.ddl("""
        CREATE TABLE kb_variant_status (
            entry_id TEXT NOT NULL REFERENCES kb_entries(id),
            lang TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('human','machine','reviewed','stale')),
            source_lang TEXT,
            source_hash TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entry_id, lang)
        )"""))


@MIGRATIONS("editorial-002-question-log")
def _create_log(d: db.Database) -> None:
    d.execute(d.dialect.ddl("""
        CREATE TABLE question_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            lang TEXT NOT NULL,
            text TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('abstained','low_confidence','handoff')),
            top_entry TEXT,
            confidence REAL,
            vector BLOB NOT NULL,
            resolved_entry TEXT,
            resolved_at TEXT
        )"""))


@MIGRATIONS("editorial-003-publishes")
def _create_publish_log(d: db.Database) -> None:
    # When each revision went live and who published it: the reports compare an entry's outcomes before and
    # after (reports/). Seeding and `kb import` publish too, but are not an editor's change: not logged.
    d.execute(d.dialect.ddl("""
        CREATE TABLE kb_publishes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id TEXT NOT NULL REFERENCES kb_entries(id),
            revision INTEGER NOT NULL,
            published_at TEXT NOT NULL,
            published_by TEXT NOT NULL
        )"""))
