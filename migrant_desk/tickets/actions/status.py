"""A holder (or an admin) changes a ticket's status, or its priority, category and team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...clock import iso, parse
from ...users import User
from .. import sla
from ..errors import ErrorCode, TicketError
from ..models import ASSIGNED, NEW
from .common import back_to_queue, current, move, require_holder

if TYPE_CHECKING:
    from ..service import TicketService


def set_status(desk: TicketService, ticket_id: int, target: str, actor: User) -> dict:
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        require_holder(ticket, actor)
        if target == NEW:
            back_to_queue(desk, d, ticket, f"user:{actor.id}", now)
        elif target == ASSIGNED and ticket["status"] == NEW:
            raise TicketError(ErrorCode.INVALID_TRANSITION, f"Ticket {ticket_id} is in the queue; use "
                                                            "claim-next or assign to give it to someone.")
        else:
            move(desk, d, ticket, target, f"user:{actor.id}", now)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def patch(desk: TicketService, ticket_id: int, changes: dict, actor: User) -> dict:
    """Priority, category, team. A priority change moves both SLA due times."""
    now = desk.now()
    if changes.get("team") is not None and not desk.tickets.team_exists(changes["team"]):
        raise TicketError(ErrorCode.UNKNOWN_TEAM, f"Field 'team': no team named '{changes['team']}'.")
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        if ticket["status"] != NEW:
            require_holder(ticket, actor)
        updates = {k: v for k, v in changes.items() if v is not None and v != ticket[k]}
        if "priority" in updates:
            first, resolution = sla.due_times(parse(ticket["created_at"]), updates["priority"],
                                              ticket["paused_seconds"], desk.settings)
            desk.tickets.update(d, ticket_id, {"first_response_due": first, "resolution_due": resolution})
        for field, value in updates.items():
            desk.tickets.event(d, ticket_id, iso(now), f"user:{actor.id}", field, ticket[field], value)
        if updates:
            desk.tickets.update(d, ticket_id, {**updates, "updated_at": iso(now)})
    return desk.get(ticket_id)
