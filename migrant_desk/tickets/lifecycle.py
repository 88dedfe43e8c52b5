"""The ticket lifecycle: which status may follow which, and what a message does to the status.

    new ──claim/assign──> assigned ──counselor replies──> waiting_on_migrant ⇄ open ──> resolved ──> closed
                                                       (migrant writes / counselor replies)   │
                          resolved ──migrant writes within the reopen window──> open  <───────┘

A held ticket (assigned, waiting_on_migrant, open) can go back to `new` (the counselor released it or went
away). `closed` is final: a migrant who writes later starts a new conversation. Every check raises
`InvalidTransition` with a sentence that names both statuses and what is allowed instead.
"""

from __future__ import annotations

import datetime as dt

from .errors import ErrorCode, TicketError

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("assigned",),
    "assigned": ("waiting_on_migrant", "open", "resolved", "new"),
    "waiting_on_migrant": ("open", "resolved", "new"),
    "open": ("waiting_on_migrant", "resolved", "new"),
    "resolved": ("open", "closed"),
    "closed": (),
}


class InvalidTransition(TicketError):
    def __init__(self, message: str, code: ErrorCode = ErrorCode.INVALID_TRANSITION):
        super().__init__(code, message)


def check(ticket_id: int, current: str, target: str) -> None:
    allowed = TRANSITIONS[current]
    if target not in allowed:
        instead = f"allowed from {current}: {', '.join(allowed)}" if allowed else f"{current} is final"
        raise InvalidTransition(f"Ticket {ticket_id} cannot go from {current} to {target} ({instead}).")


def after_counselor_reply(ticket_id: int, current: str) -> str:
    """A public reply hands the turn to the migrant."""
    if current in ("assigned", "open", "waiting_on_migrant"):
        return "waiting_on_migrant"
    if current == "new":
        raise InvalidTransition(f"Ticket {ticket_id} is in the queue; claim it before replying.",
                                ErrorCode.NOT_ASSIGNED)
    raise InvalidTransition(f"Ticket {ticket_id} is {current}; reopen it before replying.")


def after_migrant_message(ticket_id: int, current: str, resolved_at: dt.datetime | None, now: dt.datetime,
                          reopen_window: dt.timedelta) -> str:
    """The migrant's turn: waiting → open; resolved within the window → open (reopened). Past the window the
    ticket is closed, and a closed ticket takes no more messages (the caller closes it and refuses)."""
    if current == "waiting_on_migrant":
        return "open"
    if current == "resolved":
        if resolved_at is not None and now - resolved_at <= reopen_window:
            return "open"
        return "closed"
    if current == "closed":
        raise InvalidTransition(f"Ticket {ticket_id} is closed.", ErrorCode.TICKET_CLOSED)
    return current
