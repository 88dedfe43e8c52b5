"""`migrant-desk users ...` and `migrant-desk tickets ...`: staff accounts and ticket retention.

Registered from cli.build_parser with `register(sub)`. Each command opens the database the service uses
(MIGRANT_DESK_DB_PATH, or --db) and works while the service runs (SQLite WAL; writes wait for the lock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from .. import auth
from ..config import Settings
from ..db import Store, open_store


def _store(args: argparse.Namespace) -> Store:
    from ..cli import database_overrides

    return open_store(Settings(**database_overrides(args.db)))


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _fail(message: str, code: int = 2) -> int:
    print(f"migrant-desk: error: {message}", file=sys.stderr)
    return code


def cmd_users_add(args: argparse.Namespace) -> int:
    from ..clock import iso, utcnow
    from .store import TicketStore

    store = _store(args)
    teams = _split(args.teams)
    try:
        user, token = auth.create_user(store.db, args.name, args.role, _split(args.languages), teams, args.capacity)
    except auth.UserError as exc:
        return _fail(str(exc))
    with store.transaction() as d:
        TicketStore.ensure_teams(d, teams, iso(utcnow()))
    print(f"created {user.role} {user.name} (id {user.id}; languages {','.join(user.languages) or '-'}; "
          f"teams {','.join(user.teams) or '-'}; capacity {user.capacity})", file=sys.stderr)
    print("token (shown once; only its hash is stored):", file=sys.stderr)
    print(token)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from .store import TicketStore

    store = _store(args)
    tickets = TicketStore(store)
    for user in auth.list_users(store.db):
        state = "active" if user.active else "deactivated"
        print(f"{user.id}\t{user.name}\t{user.role}\t{','.join(user.languages) or '-'}\t{','.join(user.teams) or '-'}"
              f"\tcapacity {user.capacity}\t{tickets.held_count(user.id)} held\t{state}")
    return 0


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    """The person leaves: their token stops working and every ticket they hold goes back to the queue."""
    from .service import TicketService

    store = _store(args)
    user = auth.find_user(store.db, args.name)
    if user is None:
        return _fail(f"name {args.name!r}: no such user")
    released = TicketService(store).release_all(user.id, "cli", deactivate=True)
    print(f"deactivated {user.name}; {len(released)} ticket(s) returned to the queue: "
          f"{', '.join(map(str, released)) or '-'}")
    return 0


def cmd_users_token(args: argparse.Namespace) -> int:
    try:
        token = auth.rotate_token(_store(args).db, args.name)
    except auth.UserError as exc:
        return _fail(str(exc))
    print(f"new token for {args.name} (the old one no longer works; shown once):", file=sys.stderr)
    print(token)
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--closed-before {value!r}: use a date like 2026-01-31") from None


def cmd_tickets_purge(args: argparse.Namespace) -> int:
    from ..editorial import gaps
    from .service import TicketService

    store = _store(args)
    purged = TicketService(store).purge(args.closed_before, actor="cli", dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {len(purged)} closed ticket(s) closed before {args.closed_before.isoformat()}"
          f"{': ' + ', '.join(map(str, purged)) if purged else ''}")
    if not args.dry_run:  # the content-gap log's retention runs with the tickets' (README, "Limits and guarantees")
        settings = Settings()
        pruned = gaps.prune(store.db, settings.gap_retention_days, settings.gap_max_rows)
        print(f"deleted {pruned} logged question(s) past {settings.gap_retention_days} days or beyond the newest "
              f"{settings.gap_max_rows}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="the service database, a file or a postgresql:// URL (default: "
                                    "MIGRANT_DESK_DATABASE_URL, MIGRANT_DESK_DB_PATH or var/)")

    users = sub.add_parser("users", help="staff accounts and their tokens").add_subparsers(dest="action",
                                                                                           required=True)
    p = users.add_parser("add", help="create a user and print their token once")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    p.add_argument("--languages", help="comma-separated ISO 639-1 codes, e.g. ko,vi (required for counselors)")
    p.add_argument("--teams", help="comma-separated team names; new teams are created")
    p.add_argument("--capacity", type=int, default=auth.DEFAULT_CAPACITY,
                   help=f"tickets held at once (default {auth.DEFAULT_CAPACITY})")
    db_option(p)
    p.set_defaults(func=cmd_users_add)
    p = users.add_parser("list", help="list users")
    db_option(p)
    p.set_defaults(func=cmd_users_list)
    p = users.add_parser("deactivate", help="disable a user's token and return their tickets to the queue")
    p.add_argument("name")
    db_option(p)
    p.set_defaults(func=cmd_users_deactivate)
    p = users.add_parser("token", help="replace a user's token and print the new one once")
    p.add_argument("name")
    db_option(p)
    p.set_defaults(func=cmd_users_token)

    tickets = sub.add_parser("tickets", help="ticket retention").add_subparsers(dest="action", required=True)
    p = tickets.add_parser("purge", help="delete closed tickets with their messages, leaving an anonymous audit line")
    p.add_argument("--closed-before", required=True, type=_date, help="YYYY-MM-DD (UTC)")
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    db_option(p)
    p.set_defaults(func=cmd_tickets_purge)
