"""The users table: staff accounts (counselor, editor, admin) with the hash of their token.

The domain's schema steps live here; migrant_desk/schema.py says when they run (first: tickets refer to users).
"""

from __future__ import annotations

from typing import Literal

import sqlite_utils

from . import db

# The roles a staff token can have, and who may do what; routes and services read these, nothing else spells them.
ROLES: tuple[str, ...] = ("counselor", "editor", "admin")
COUNSELOR, EDITOR, ADMIN = ROLES
Role = Literal[ROLES]  # type: ignore[valid-type]  (built from the tuple, so the names are written once)
TICKET_ROLES = (COUNSELOR, ADMIN)  # may hold tickets and read the queue
EDITOR_ROLES = (EDITOR, ADMIN)  # may edit and publish entries and read the reports

MIGRATIONS = db.Migrations("users")


@MIGRATIONS("auth-001-users")
def _create_users(d: sqlite_utils.Database) -> None:
    d.execute("""
        CREATE TABLE users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('counselor','editor','admin')),
            languages TEXT NOT NULL DEFAULT '[]',
            teams TEXT NOT NULL DEFAULT '[]',
            capacity INTEGER NOT NULL DEFAULT 5 CHECK (capacity >= 0),
            token_hash TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            deactivated_at TEXT
        )""")
