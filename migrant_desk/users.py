"""Staff accounts (counselor, editor, admin) and their tokens: the users table and every query on it.

Tokens are 32 random bytes (URL-safe text) with a prefix that says what they open: `mds_` a staff user,
`mdt_` one ticket. Only their SHA-256 is stored, so a copy of the database does not let anyone in; a token is
shown once, when it is made. SHA-256 without a salt is enough here because the tokens are random and long (a
password would need a slow hash). auth.py turns a token into the caller; the domain's schema steps are below,
and migrant_desk/schema.py says when they run (first: tickets refer to users).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from . import db
from .clock import iso, utcnow
from .languages import SUPPORTED_LANGUAGES

# The roles a staff token can have, and who may do what; routes and services read these, nothing else spells them.
ROLES: tuple[str, ...] = ("counselor", "editor", "admin")
COUNSELOR, EDITOR, ADMIN = ROLES
Role = Literal[ROLES]  # type: ignore[valid-type]  (built from the tuple, so the names are written once)
TICKET_ROLES = (COUNSELOR, ADMIN)  # may hold tickets and read the queue
EDITOR_ROLES = (EDITOR, ADMIN)  # may edit and publish entries and read the reports

STAFF_TOKEN_PREFIX = "mds_"
MIGRANT_TOKEN_PREFIX = "mdt_"
NAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")
DEFAULT_CAPACITY = 5


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    languages: tuple[str, ...]
    teams: tuple[str, ...]
    capacity: int
    active: bool

    @classmethod
    def from_row(cls, row: dict) -> "User":
        return cls(id=row["id"], name=row["name"], role=row["role"], languages=tuple(json.loads(row["languages"])),
                   teams=tuple(json.loads(row["teams"])), capacity=row["capacity"], active=bool(row["active"]))


MIGRATIONS = db.Migrations("users")


@MIGRATIONS("auth-001-users")
def _create_users(d: db.Database) -> None:
    d.execute(d.dialect.ddl("""
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
        )"""))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message names the field."""


def _validate(name: str, role: str, languages: list[str], capacity: int) -> None:
    if not NAME_PATTERN.match(name):
        raise UserError(f"name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    unknown = [code for code in languages if code not in SUPPORTED_LANGUAGES]
    if unknown:
        raise UserError(f"languages: unknown code(s) {', '.join(unknown)}; supported: {', '.join(SUPPORTED_LANGUAGES)}")
    if role == COUNSELOR and not languages:
        raise UserError("languages: a counselor needs at least one language (routing goes by language)")
    if capacity < 0:
        raise UserError("capacity: must be 0 or more")


def create_user(database: db.Database, name: str, role: str, languages: list[str] | None = None,
                teams: list[str] | None = None, capacity: int = DEFAULT_CAPACITY) -> tuple[User, str]:
    """Returns the user and their token; the token is not stored and cannot be shown again."""
    languages, teams = list(dict.fromkeys(languages or [])), list(dict.fromkeys(teams or []))
    _validate(name, role, languages, capacity)
    token = new_token(STAFF_TOKEN_PREFIX)
    with db.transaction(database):
        if database.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise UserError(f"name {name!r}: a user with this name exists (rotate their token with `users token`)")
        user_id = database.insert_row("users", {
            "name": name, "role": role, "languages": json.dumps(languages), "teams": json.dumps(teams),
            "capacity": capacity, "token_hash": hash_token(token), "created_at": iso(utcnow())})
    return get_user(database, user_id), token


def rotate_token(database: db.Database, name: str) -> str:
    token = new_token(STAFF_TOKEN_PREFIX)
    with db.transaction(database):
        cursor = database.execute("UPDATE users SET token_hash = ? WHERE name = ?", [hash_token(token), name])
        if cursor.rowcount != 1:
            raise UserError(f"name {name!r}: no such user")
    return token


def get_user(database: db.Database, user_id: int) -> User:
    rows = list(database.query("SELECT * FROM users WHERE id = ?", [user_id]))
    if not rows:
        raise UserError(f"no user with id {user_id}")
    return User.from_row(rows[0])


def actor_name(database: db.Database, actor: str) -> str | None:
    """A revision's author as a name: "user:3" -> "lan"; other actors ("import", "seed", "cli") have none."""
    if not actor.startswith("user:"):
        return None
    try:
        return get_user(database, int(actor.removeprefix("user:"))).name
    except (ValueError, UserError):
        return None


def find_user(database: db.Database, name: str) -> User | None:
    rows = list(database.query("SELECT * FROM users WHERE name = ?", [name]))
    return User.from_row(rows[0]) if rows else None


def list_users(database: db.Database) -> list[User]:
    return [User.from_row(r) for r in database.query("SELECT * FROM users ORDER BY id")]


def user_for_token_hash(database: db.Database, digest: str) -> User | None:
    """The active user whose token has this hash (a deactivated user's token opens nothing)."""
    rows = list(database.query("SELECT * FROM users WHERE token_hash = ? AND active = 1", [digest]))
    return User.from_row(rows[0]) if rows else None


def is_active(database: db.Database, user_id: int) -> bool:
    row = database.execute("SELECT active FROM users WHERE id = ?", [user_id]).fetchone()
    return bool(row and row[0])


def deactivate(database: db.Database, user_id: int, at: str) -> None:
    """Inside the caller's transaction (tickets' release_all: the user's tickets go back in the same one)."""
    database.execute("UPDATE users SET active = 0, deactivated_at = ? WHERE id = ?", [at, user_id])
