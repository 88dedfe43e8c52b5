"""The SQL behind the reports: adding counts, and reading counts, tickets, feedback and publishes for a date range.

Read-only over the other domains' tables (tickets, answer_feedback, kb_publishes): reports never change them.
Dates are UTC days as 'YYYY-MM-DD'; ticket times are ISO timestamps, compared as text (they sort as time).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from .. import db


def add_counts(database: db.Database, outcomes: Counter, entries: Counter) -> None:
    # The table's own count is named with the table: PostgreSQL finds a bare `count` ambiguous beside excluded's.
    with db.transaction(database) as d:
        d.executemany(
            "INSERT INTO daily_outcomes (day, lang, category, outcome, count) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (day, lang, category, outcome) DO UPDATE SET count = daily_outcomes.count + excluded.count",
            [(*key, n) for key, n in outcomes.items()])
        d.executemany(
            "INSERT INTO daily_entry_outcomes (day, entry_id, outcome, count) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (day, entry_id, outcome) DO UPDATE SET count = daily_entry_outcomes.count + excluded.count",
            [(*key, n) for key, n in entries.items()])


def outcome_rows(database: db.Database, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, lang, category, outcome, count)"""
    return list(database.execute(
        "SELECT day, lang, category, outcome, count FROM daily_outcomes WHERE day BETWEEN ? AND ? "
        "ORDER BY day, lang, category, outcome", [since.isoformat(), until.isoformat()]))


def entry_outcome_rows(database: db.Database, entry_id: str, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, outcome, count) for one entry"""
    return list(database.execute(
        "SELECT day, outcome, count FROM daily_entry_outcomes WHERE entry_id = ? AND day BETWEEN ? AND ? "
        "ORDER BY day, outcome", [entry_id, since.isoformat(), until.isoformat()]))


def feedback_rows(database: db.Database, since: dt.date, until: dt.date,
                  entry_id: str | None = None) -> list[tuple]:
    """(day, lang, band, yes, no)"""
    where, args = "day BETWEEN ? AND ?", [since.isoformat(), until.isoformat()]
    if entry_id is not None:
        where, args = where + " AND entry_id = ?", [*args, entry_id]
    return list(database.execute(
        f"SELECT day, lang, band, SUM(helpful), SUM(1 - helpful) FROM answer_feedback WHERE {where} "
        "GROUP BY day, lang, band ORDER BY day, lang, band", args))


def ticket_rows(database: db.Database, since: dt.date, until: dt.date) -> list[dict]:
    """Tickets created in the range, with what the SLA report needs (no text, no contact, no conversation)."""
    return list(database.query(
        "SELECT id, lang, COALESCE(team, '') AS team, status, created_at, first_response_at, first_response_due, paused_at, "
        "resolved_at, resolution_due FROM tickets WHERE substr(created_at, 1, 10) BETWEEN ? AND ? ORDER BY id",
        [since.isoformat(), until.isoformat()]))


def publishes(database: db.Database, since: dt.date, until: dt.date) -> list[tuple]:
    """(entry_id, revision, published_at, published_by), newest first"""
    return list(database.execute(
        "SELECT entry_id, revision, published_at, published_by FROM kb_publishes "
        "WHERE substr(published_at, 1, 10) BETWEEN ? AND ? ORDER BY published_at DESC, id DESC",
        [since.isoformat(), until.isoformat()]))
