"""Which queued ticket a counselor gets next (`POST /v1/tickets/claim-next`).

Order, best first:
  1. language: a ticket in a language the counselor speaks (tier 0); then one in a language no active
     counselor speaks (tier 1, flagged `language_covered: false`; both sides read machine translations);
     then one in a language another counselor speaks (tier 2), but only once it has waited
     `spill_after_minutes`, so it goes to a speaker when one is around and to anyone when none comes;
  2. priority (urgent, high, normal, low);
  3. first-response due time (earliest first);
  4. age (oldest first), then id.
A ticket meant for a team goes to that team's members, unless no active counselor belongs to the team (then to
anyone, so it is never stuck). A counselor at capacity gets nothing.

`pick` runs inside the caller's write transaction: the choice and the update that takes the ticket happen under
one write lock (SQLite's BEGIN IMMEDIATE; on PostgreSQL the database-wide advisory lock of pg.py, and the row
is also read FOR UPDATE SKIP LOCKED), so two counselors (threads, processes or replicas) can never take the same
ticket. The order above is one query (TicketStore.best_queued); this module says what goes into it.
"""

from __future__ import annotations

import datetime as dt

from ..clock import iso
from ..db import Database
from ..users import User
from .store import TicketStore


def pick(database: Database, user: User, staff: list[dict], now: dt.datetime,
         spill_after: dt.timedelta) -> int | None:
    """The id of the best `new` ticket for `user`, or None."""
    return TicketStore.best_queued(
        database, mine=list(user.languages), spoken=sorted({code for p in staff for code in p["languages"]}),
        my_teams=list(user.teams), staffed_teams=sorted({team for p in staff for team in p["teams"]}),
        spill_cutoff=iso(now - spill_after))
