"""Steps the ticket actions share: the ticket as it is inside the transaction, the holder check, one status move
(lifecycle, SLA clock, audit event) and sending a held ticket back to the queue."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...clock import iso
from ...messages import message
from ...users import ADMIN, User
from .. import lifecycle, sla
from ..errors import ErrorCode, TicketError
from ..models import CLOSED, NEW, RESOLVED

if TYPE_CHECKING:
    from ..service import TicketService


def current(desk: TicketService, d, ticket_id: int) -> dict:
    """The ticket as it is now, read inside the caller's transaction."""
    ticket = desk.tickets.ticket(ticket_id, d)
    if ticket is None:
        raise not_found(ticket_id)
    return ticket


def not_found(ticket_id: int) -> TicketError:
    return TicketError(ErrorCode.TICKET_NOT_FOUND, f"No ticket with id {ticket_id}.")


def closed_error(ticket: dict) -> TicketError:
    """The refusal a migrant reads, in their language, when they write to a closed ticket."""
    return TicketError(ErrorCode.TICKET_CLOSED, message("ticket_closed", ticket["lang"]))


def require_holder(ticket: dict, user: User) -> None:
    if user.role != ADMIN and ticket["assigned_to"] != user.id:
        raise TicketError(ErrorCode.NOT_YOUR_TICKET, f"Ticket {ticket['id']} is not assigned to you; claim it, or "
                                                     "ask an admin to assign it.")


def move(desk: TicketService, d, ticket: dict, target: str, actor: str, now: dt.datetime,
         extra: dict | None = None) -> None:
    """One status change: checked against the lifecycle, the SLA clock paused or resumed, an event written."""
    lifecycle.check(ticket["id"], ticket["status"], target)
    updates = {"status": target, "updated_at": iso(now), **sla.pause_changes(ticket, target, now, desk.settings),
               **(extra or {})}
    if target == RESOLVED:
        updates["resolved_at"] = iso(now)
    elif target == CLOSED:
        updates["closed_at"] = iso(now)
    elif ticket["status"] == RESOLVED:
        updates["resolved_at"] = None  # reopened
    desk.tickets.update(d, ticket["id"], updates)
    desk.tickets.event(d, ticket["id"], iso(now), actor, "status", ticket["status"], target)
    ticket.update(updates)


def back_to_queue(desk: TicketService, d, ticket: dict, actor: str, now: dt.datetime) -> None:
    """A held ticket goes back to the queue, keeping its messages and its SLA clock."""
    holder = ticket["assigned_to"]
    move(desk, d, ticket, NEW, actor, now, {"assigned_to": None, "claimed_at": None})
    desk.tickets.event(d, ticket["id"], iso(now), actor, "released", f"user:{holder}", None)
