"""Who holds a ticket: claim-next (routing.py picks), claim a chosen one, an admin's assign, release one, and
release everything a departing counselor holds."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ... import users
from ...clock import iso
from ...users import TICKET_ROLES, User
from .. import routing
from ..errors import ErrorCode, TicketError
from ..models import ASSIGNED, HELD_STATUSES, NEW
from .common import back_to_queue, current, move, require_holder
from .retention import close_expired

if TYPE_CHECKING:
    from ..service import TicketService


def claim_next(desk: TicketService, user: User) -> dict | None:
    close_expired(desk)
    now = desk.now()
    with desk.tickets.transaction() as d:
        _check_capacity(desk, d, user)
        ticket_id = routing.pick(d, user, desk.tickets.staff(d), now,
                                 dt.timedelta(minutes=desk.settings.spill_after_minutes))
        if ticket_id is None:
            return None
        _take(desk, d, desk.tickets.ticket(ticket_id, d), user, now)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def claim(desk: TicketService, ticket_id: int, user: User) -> dict:
    """A counselor takes a ticket they picked from the queue (claim_next picks one for them)."""
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        if ticket["status"] != NEW:
            raise TicketError(ErrorCode.NOT_IN_QUEUE,
                              f"Ticket {ticket_id} is no longer in the queue (it is "
                              f"{ticket['status'].replace('_', ' ')}); reload to see who has it.")
        _check_capacity(desk, d, user)
        _take(desk, d, ticket, user, now)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def assign(desk: TicketService, ticket_id: int, counselor: User, actor: User) -> dict:
    """An admin gives a ticket to a counselor, or moves it from one to another (capacity is theirs to judge)."""
    if not counselor.active or counselor.role not in TICKET_ROLES:
        raise TicketError(ErrorCode.NOT_A_COUNSELOR, f"'{counselor.name}' is not an active counselor.")
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        if ticket["status"] not in (NEW, *HELD_STATUSES):
            raise TicketError(ErrorCode.INVALID_TRANSITION, f"Ticket {ticket_id} is {ticket['status']}; only a "
                                                            "queued or held ticket can be assigned.")
        before = ticket["assigned_to"]
        if ticket["status"] == NEW:
            move(desk, d, ticket, ASSIGNED, f"user:{actor.id}", now,
                 {"assigned_to": counselor.id, "claimed_at": iso(now)})
        else:
            desk.tickets.update(d, ticket_id, {"assigned_to": counselor.id, "updated_at": iso(now)})
        desk.tickets.event(d, ticket_id, iso(now), f"user:{actor.id}", "assigned",
                           f"user:{before}" if before else None, f"user:{counselor.id}")
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def release(desk: TicketService, ticket_id: int, actor: User) -> dict:
    """Back to the queue, e.g. the counselor is going away. Keeps the messages and the SLA clock."""
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        require_holder(ticket, actor)
        back_to_queue(desk, d, ticket, f"user:{actor.id}", now)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def release_all(desk: TicketService, user_id: int, actor: str, deactivate: bool = False) -> list[int]:
    """Every ticket `user_id` holds goes back to the queue; with `deactivate`, the user's token stops working
    in the same transaction, so no ticket is left with a holder who is gone."""
    now = desk.now()
    with desk.tickets.transaction() as d:
        if deactivate:
            users.deactivate(d, user_id, iso(now))
        held = desk.tickets.held_by(d, user_id)
        for ticket in held:
            back_to_queue(desk, d, ticket, actor, now)
    for ticket in held:
        desk.notifier.notify(ticket["id"])
    return [t["id"] for t in held]


def _check_capacity(desk: TicketService, d, user: User) -> None:
    if desk.tickets.held_count(user.id, d) >= user.capacity:
        raise TicketError(ErrorCode.AT_CAPACITY, f"You hold {user.capacity} ticket(s), your capacity; resolve "
                                                 "or release one first.")


def _take(desk: TicketService, d, ticket: dict, user: User, now: dt.datetime) -> None:
    """A counselor claims a queued ticket for themselves (claim_next and claim)."""
    move(desk, d, ticket, ASSIGNED, f"user:{user.id}", now, {"assigned_to": user.id, "claimed_at": iso(now)})
    desk.tickets.event(d, ticket["id"], iso(now), f"user:{user.id}", "assigned", None, f"user:{user.id}")
