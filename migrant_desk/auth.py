"""Who is calling: staff users (counselor, editor, admin) and migrants holding one ticket's token.

Tokens are 32 random bytes (URL-safe text) with a prefix that says what they open: `mds_` a staff user,
`mdt_` one ticket. Only their SHA-256 is stored, so a copy of the database does not let anyone in; a token is
shown once, when it is made. SHA-256 without a salt is enough here because the tokens are random and long (a
password would need a slow hash).

Other modules protect their routes with the FastAPI dependencies below, e.g.
`user: User = Depends(require_role(*TICKET_ROLES))`; a request without a valid token gets 401, a
valid token of the wrong role 403, both as {"code", "message"}.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass

import sqlite_utils
from fastapi import Request

from . import db
from .clock import iso, utcnow
from .errors import DomainError, ErrorCode
from .openapi_errors import raises
from .languages import SUPPORTED_LANGUAGES
from .users import COUNSELOR, ROLES, TICKET_ROLES  # noqa: F401  (ROLES re-exported: the CLI's choices)

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


@dataclass(frozen=True)
class Principal:
    """The caller: a staff user, or a migrant whose token opens exactly one ticket."""

    user: User | None = None
    ticket_id: int | None = None

    @property
    def role(self) -> str:
        return self.user.role if self.user else "migrant"

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"user:{self.user.id}" if self.user else "migrant"


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


def create_user(database: sqlite_utils.Database, name: str, role: str, languages: list[str] | None = None,
                teams: list[str] | None = None, capacity: int = DEFAULT_CAPACITY) -> tuple[User, str]:
    """Returns the user and their token; the token is not stored and cannot be shown again."""
    languages, teams = list(dict.fromkeys(languages or [])), list(dict.fromkeys(teams or []))
    _validate(name, role, languages, capacity)
    token = new_token(STAFF_TOKEN_PREFIX)
    with db.transaction(database):
        if database.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise UserError(f"name {name!r}: a user with this name exists (rotate their token with `users token`)")
        cursor = database.execute(
            "INSERT INTO users (name, role, languages, teams, capacity, token_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, role, json.dumps(languages), json.dumps(teams), capacity, hash_token(token), iso(utcnow())])
        user_id = cursor.lastrowid
    return get_user(database, user_id), token


def rotate_token(database: sqlite_utils.Database, name: str) -> str:
    token = new_token(STAFF_TOKEN_PREFIX)
    with db.transaction(database):
        cursor = database.execute("UPDATE users SET token_hash = ? WHERE name = ?", [hash_token(token), name])
        if cursor.rowcount != 1:
            raise UserError(f"name {name!r}: no such user")
    return token


def get_user(database: sqlite_utils.Database, user_id: int) -> User:
    rows = list(database["users"].rows_where("id = ?", [user_id]))
    if not rows:
        raise UserError(f"no user with id {user_id}")
    return User.from_row(rows[0])


def find_user(database: sqlite_utils.Database, name: str) -> User | None:
    rows = list(database["users"].rows_where("name = ?", [name]))
    return User.from_row(rows[0]) if rows else None


def list_users(database: sqlite_utils.Database) -> list[User]:
    return [User.from_row(r) for r in database["users"].rows_where(order_by="id")]


def authenticate(database: sqlite_utils.Database, token: str) -> Principal | None:
    """The principal a token stands for, or None. Deactivated users' tokens no longer work."""
    digest = hash_token(token)
    if token.startswith(STAFF_TOKEN_PREFIX):
        rows = list(database["users"].rows_where("token_hash = ? AND active = 1", [digest]))
        return Principal(user=User.from_row(rows[0])) if rows else None
    if token.startswith(MIGRANT_TOKEN_PREFIX) and database["tickets"].exists():
        row = database.execute("SELECT id FROM tickets WHERE access_token_hash = ?", [digest]).fetchone()
        return Principal(ticket_id=row[0]) if row else None
    return None


# --- FastAPI side -------------------------------------------------------------------------------------------

_store_lock = threading.Lock()


def app_store(request_or_app) -> db.Store:
    """The app's database: the runtime's (app.state.store), or Settings.db_path opened on first use."""
    app = request_or_app.app if isinstance(request_or_app, Request) else request_or_app
    state = app.state
    if getattr(state, "store", None) is None:
        with _store_lock:
            if getattr(state, "store", None) is None:
                state.store = db.Store(state.runtime.settings.db_path)
    return state.store


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@raises(401)
def current_principal(request: Request) -> Principal:
    """Dependency: any valid token (staff or migrant); 401 otherwise."""
    token = bearer_token(request)
    if token is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Send a token in the Authorization header as 'Bearer <token>'.")
    principal = authenticate(app_store(request).db, token)
    if principal is None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The token is not valid (unknown, rotated or deactivated).")
    return principal


def require_role(*roles: str):
    """Dependency factory: the calling staff user, if their role is one of `roles`; 401/403 otherwise."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}")

    @raises(401, 403)
    def dependency(request: Request) -> User:
        principal = current_principal(request)
        if principal.user is None or principal.user.role not in roles:
            raise DomainError(ErrorCode.FORBIDDEN, f"This needs the role {' or '.join(roles)}; the token is a "
                                                   f"{principal.role} token.")
        return principal.user

    return dependency
