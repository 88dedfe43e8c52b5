"""The ticket tables, as named migrations (applied once each, in order, by migrant_desk.db.migrate; the users
domain's run first, see migrant_desk/schema.py, because tickets and messages refer to users).

Plain SQL rather than sqlite-utils' `create`, because ids use AUTOINCREMENT: a purged ticket's id is never
handed out again, so the anonymous audit line left by a purge can never be confused with a later ticket. Written
in SQLite's words; db.Dialect.ddl gives PostgreSQL's (an identity column keeps the same promise).
Timestamps are UTC ISO-8601 strings of one fixed width (see clock.py), so they sort as text.
"""

from __future__ import annotations

from .. import db

MIGRATIONS = db.Migrations("tickets")


@MIGRATIONS("tickets-001-create")
def create_tables(d: db.Database) -> None:
    # One statement at a time: executescript() would COMMIT the migration's transaction half-way.
    for statement in _SCHEMA.split(";\n"):
        if statement.strip():
            d.execute(d.dialect.ddl(statement))


_SCHEMA = """
CREATE TABLE teams (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new','assigned','waiting_on_migrant','open','resolved','closed')),
    lang TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','urgent')),
    category TEXT,
    team TEXT REFERENCES teams(name),
    assigned_to INTEGER REFERENCES users(id),
    contact TEXT,
    consent_at TEXT NOT NULL,
    access_token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    claimed_at TEXT,
    first_response_at TEXT,
    first_response_due TEXT NOT NULL,
    resolution_due TEXT NOT NULL,
    paused_at TEXT,
    paused_seconds REAL NOT NULL DEFAULT 0,
    resolved_at TEXT,
    closed_at TEXT,
    -- a ticket in the queue has no counselor, and a held one always has one
    CHECK (status IN ('resolved','closed') OR (assigned_to IS NULL) = (status = 'new'))
);
CREATE INDEX tickets_status ON tickets(status, created_at);
CREATE INDEX tickets_conversation ON tickets(conversation_id);
CREATE INDEX tickets_assigned ON tickets(assigned_to, status);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('migrant','bot','counselor','system')),
    author_id INTEGER REFERENCES users(id),
    internal INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL CHECK (origin IN ('transcript','ticket','ask','kb')),
    body TEXT NOT NULL,
    lang TEXT NOT NULL,
    translation TEXT,
    translation_lang TEXT,
    translation_status TEXT CHECK (translation_status IN ('machine','not_needed','unavailable','rejected')),
    translation_score REAL,
    translation_reason TEXT,
    kb_entry_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
-- The audit trail. ticket_id is deliberately not a foreign key: a purge deletes the ticket and keeps one
-- anonymous line here. actor is 'migrant', 'system', 'cli' or 'user:<id>'.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT
);
CREATE INDEX events_ticket ON events(ticket_id, id);
CREATE TABLE idempotency_keys (
    key_hash TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    token_salt TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""
