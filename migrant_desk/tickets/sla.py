"""Service levels: when the first reply and the resolution are due, and which tickets are overdue.

Due times count wall-clock minutes from the handoff, by priority (TicketSettings.first_response_minutes,
resolution_minutes). The clock stops while a ticket waits on the migrant: entering waiting_on_migrant records
`paused_at`; leaving it adds the pause to `paused_seconds` and moves both due times later by as much. A
priority change recomputes both due times from the handoff time, keeping the pauses.
"""

from __future__ import annotations

import datetime as dt

from ..clock import iso, parse
from .models import ACTIVE_STATUSES
from .settings import TicketSettings


def due_times(created_at: dt.datetime, priority: str, paused_seconds: float,
              settings: TicketSettings) -> tuple[str, str]:
    pause = dt.timedelta(seconds=paused_seconds)
    first = created_at + dt.timedelta(minutes=settings.first_response_minutes[priority]) + pause
    resolution = created_at + dt.timedelta(minutes=settings.resolution_minutes[priority]) + pause
    return iso(first), iso(resolution)


def pause_changes(ticket: dict, new_status: str, now: dt.datetime, settings: TicketSettings) -> dict:
    """Column updates for the SLA clock when `ticket` moves to `new_status` (empty when nothing changes)."""
    was_waiting = ticket["status"] == "waiting_on_migrant"
    will_wait = new_status == "waiting_on_migrant"
    if will_wait and not was_waiting:
        return {"paused_at": iso(now)}
    if was_waiting and not will_wait and ticket["paused_at"]:
        paused = ticket["paused_seconds"] + (now - parse(ticket["paused_at"])).total_seconds()
        first, resolution = due_times(parse(ticket["created_at"]), ticket["priority"], paused, settings)
        return {"paused_at": None, "paused_seconds": paused, "first_response_due": first,
                "resolution_due": resolution}
    return {}


def is_overdue(ticket: dict, now: dt.datetime) -> bool:
    """An active ticket whose clock runs past a due time (store.OVERDUE_SQL is the same rule in SQL)."""
    if ticket["status"] not in ACTIVE_STATUSES or ticket["paused_at"]:
        return False
    stamp = iso(now)
    return (ticket["first_response_at"] is None and ticket["first_response_due"] < stamp) or \
        ticket["resolution_due"] < stamp
