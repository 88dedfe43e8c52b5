"""How long a ticket lives: resolved tickets close once their reopen window has passed, and closed tickets are
purged on the operator's command, leaving one anonymous audit line each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...clock import iso
from ..models import CLOSED
from .common import move

if TYPE_CHECKING:
    from ..service import TicketService


def close_expired(desk: TicketService) -> list[int]:
    """Resolved tickets whose reopen window has passed become closed (the system does it, on the next claim or
    listing, and before a purge)."""
    now = desk.now()
    cutoff = iso(now - dt.timedelta(days=desk.settings.reopen_window_days))
    if not desk.tickets.resolved_before(cutoff, limit=1):
        return []
    with desk.tickets.transaction() as d:
        expired = desk.tickets.resolved_before(cutoff, d)
        for ticket in expired:
            move(desk, d, ticket, CLOSED, "system", now)
    return [t["id"] for t in expired]


def purge(desk: TicketService, closed_before: dt.date, actor: str = "cli", dry_run: bool = False) -> list[int]:
    """Deletes closed tickets (closed before the date, UTC) with their messages, contact details and audit
    trail, leaving one anonymous line per ticket: its id, the day it closed, how many messages went."""
    close_expired(desk)
    cutoff = iso(dt.datetime.combine(closed_before, dt.time(), tzinfo=dt.timezone.utc))
    now = desk.now()
    with desk.tickets.transaction() as d:
        doomed = desk.tickets.closed_before(d, cutoff)
        if dry_run:
            return [t["id"] for t in doomed]
        for ticket in doomed:
            count = desk.tickets.message_count(ticket["id"], d)
            desk.tickets.delete(d, ticket["id"])
            desk.tickets.event(d, ticket["id"], iso(now), actor, "purged", f"closed {ticket['closed_at'][:10]}",
                               f"{count} messages deleted")
    return [t["id"] for t in doomed]
