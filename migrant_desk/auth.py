"""Who is calling: a staff user (users.py) or a migrant holding one ticket's token, as FastAPI dependencies.

Other modules protect their routes with the dependencies below, e.g.
`user: User = Depends(require_role(*TICKET_ROLES))`; a request without a valid token gets 401, a
valid token of the wrong role 403, both as {"code", "message"}. Tokens and their hashes: users.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from . import db
from .deps import StoreDep
from .errors import DomainError, ErrorCode
from .openapi_errors import raises
from .tickets.store import ticket_id_for_token_hash
# Re-exported: callers (the CLI, tests) create and find users through auth as before.
from .users import (  # noqa: F401
    DEFAULT_CAPACITY,
    MIGRANT_TOKEN_PREFIX,
    ROLES,
    STAFF_TOKEN_PREFIX,
    TICKET_ROLES,
    User,
    UserError,
    create_user,
    find_user,
    get_user,
    hash_token,
    list_users,
    new_token,
    rotate_token,
    user_for_token_hash,
)


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


def authenticate(database: db.Database, token: str) -> Principal | None:
    """The principal a token stands for, or None. Deactivated users' tokens no longer work."""
    digest = hash_token(token)
    if token.startswith(STAFF_TOKEN_PREFIX):
        user = user_for_token_hash(database, digest)
        return Principal(user=user) if user else None
    if token.startswith(MIGRANT_TOKEN_PREFIX):
        ticket_id = ticket_id_for_token_hash(database, digest)
        return Principal(ticket_id=ticket_id) if ticket_id is not None else None
    return None


# --- FastAPI side -------------------------------------------------------------------------------------------

def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@raises(401)
def current_principal(request: Request, store: StoreDep) -> Principal:
    """Dependency: any valid token (staff or migrant); 401 otherwise."""
    token = bearer_token(request)
    if token is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Send a token in the Authorization header as 'Bearer <token>'.")
    principal = authenticate(store.db, token)
    if principal is None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The token is not valid (unknown, rotated or deactivated).")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: str):
    """Dependency factory: the calling staff user, if their role is one of `roles`; 401/403 otherwise."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}")

    @raises(401, 403)
    def dependency(principal: PrincipalDep) -> User:
        if principal.user is None or principal.user.role not in roles:
            raise DomainError(ErrorCode.FORBIDDEN, f"This needs the role {' or '.join(roles)}; the token is a "
                                                   f"{principal.role} token.")
        return principal.user

    return dependency
