"""Helpers for the ticket tests: a TicketService on a fresh database, users, handoffs, an app on a temp DB."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import psycopg

from migrant_desk import auth
from migrant_desk.clock import FixedClock
from migrant_desk.db import Store
from migrant_desk.tickets.models import HandoffIn
from migrant_desk.tickets.service import TicketService
from migrant_desk.tickets.settings import TicketSettings
from migrant_desk.tickets.store import TicketStore

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
# A constraint refused the row, on either engine.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def make_service(database_url: str, clock=None, translator=None, **settings) -> TicketService:
    """On the database the `database_url` fixture gives (SQLite or PostgreSQL)."""
    store = Store(database_url)
    return TicketService(store, TicketSettings(**settings), translator, clock or FixedClock(START))


def add_user(service: TicketService, name: str, role: str = "counselor", languages=("ko",), teams=(),
             capacity: int = 5) -> tuple[auth.User, str]:
    user, token = auth.create_user(service.tickets.db, name, role, list(languages), list(teams), capacity)
    with service.tickets.transaction() as d:
        TicketStore.ensure_teams(d, list(teams), "2026-01-01T00:00:00.000000Z")
    return user, token


def open_ticket(service: TicketService, conversation: str, lang: str = "vi", key: str | None = None,
                **fields) -> tuple[dict, str]:
    request = HandoffIn(conversation_id=conversation, lang=lang, consent=True, **fields)
    ticket, token, _ = service.handoff(request, key)
    return ticket, token


def app_with_db(runtime, database_url: str):
    """The real app on the shared runtime (model, index), with its own ticket database (a URL: either engine)."""
    from migrant_desk.api import create_app

    settings = runtime.settings.model_copy(update={"database_url": database_url})
    return create_app(runtime=dataclasses.replace(runtime, settings=settings, store=Store(database_url)))


def database_text(database) -> str:
    """Everything the database holds, as text (SQLite's dump; on PostgreSQL every row of every table), for
    checks that a secret was never written."""
    if database.dialect.name == "sqlite":
        return "\n".join(database.conn.iterdump())
    return "\n".join(row[0] for table in database.table_names()
                     for row in database.execute(f"SELECT CAST(t AS text) FROM {table} t"))
