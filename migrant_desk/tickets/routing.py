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

`pick` runs inside the caller's BEGIN IMMEDIATE transaction: the choice and the update that takes the ticket
happen under one write lock, so two counselors (threads or processes) can never take the same ticket.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from ..users import User
from ..clock import iso
from .store import PRIORITY_RANK_SQL


def _in_list(prefix: str, values: list[str], params: dict) -> str:
    """`(:p0, :p1, ...)` for an IN clause. An empty list becomes an empty subquery, which IN never matches and
    NOT IN always does (a literal `(NULL)` would make NOT IN unknown)."""
    if not values:
        return "(SELECT NULL WHERE 0)"
    names = [f":{prefix}{i}" for i in range(len(values))]
    params.update({f"{prefix}{i}": v for i, v in enumerate(values)})
    return f"({', '.join(names)})"


def pick(database: sqlite_utils.Database, user: User, staff: list[dict], now: dt.datetime,
         spill_after: dt.timedelta) -> int | None:
    """The id of the best `new` ticket for `user`, or None."""
    params: dict = {"spill_cutoff": iso(now - spill_after)}
    mine = _in_list("mine", list(user.languages), params)
    spoken = _in_list("spoken", sorted({code for p in staff for code in p["languages"]}), params)
    my_teams = _in_list("myteam", list(user.teams), params)
    staffed = _in_list("staffed", sorted({team for p in staff for team in p["teams"]}), params)
    tier = f"CASE WHEN t.lang IN {mine} THEN 0 WHEN t.lang NOT IN {spoken} THEN 1 ELSE 2 END"
    sql = f"""
        SELECT t.id, {tier} AS tier FROM tickets t
        WHERE t.status = 'new'
          AND (t.team IS NULL OR t.team IN {my_teams} OR t.team NOT IN {staffed})
          AND ({tier} < 2 OR t.created_at <= :spill_cutoff)
        ORDER BY tier, {PRIORITY_RANK_SQL} DESC, t.first_response_due, t.created_at, t.id
        LIMIT 1"""
    row = database.execute(sql, params).fetchone()
    return row[0] if row else None
