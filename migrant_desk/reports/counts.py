"""Counted, not stored: how many questions per day, language, category and outcome; nothing else.

Outcomes: high, medium, not_sure (the three bands), greeting, thanks, handed_off. No text, no conversation,
no address: a row is (day, language, category, outcome, count). Counts are kept in memory and added to the
database at most every FLUSH_SECONDS (and at shutdown), so an ask never waits for a write.
Read them at GET /v1/reports/outcomes (JSON) or /v1/reports/outcomes.csv, or `migrant-desk report`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from collections import Counter

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from . import db
from .auth import User, require_role
from .clock import utcnow

FLUSH_SECONDS = 5.0
OUTCOMES = ("high", "medium", "not_sure", "greeting", "thanks", "handed_off")


@db.register("reports-001-daily-outcomes")
def _create(d) -> None:
    d.execute("""
        CREATE TABLE daily_outcomes (
            day TEXT NOT NULL, lang TEXT NOT NULL, category TEXT NOT NULL, outcome TEXT NOT NULL,
            count INTEGER NOT NULL, PRIMARY KEY (day, lang, category, outcome))""")


class OutcomeRow(BaseModel):
    day: str
    lang: str
    category: str
    outcome: str
    count: int


class OutcomeCounter:
    def __init__(self, store: db.Store):
        self.store = store
        self._pending: Counter[tuple[str, str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def add(self, lang: str, category: str | None, outcome: str) -> None:
        key = (utcnow().date().isoformat(), lang, category or "", outcome)
        with self._lock:
            self._pending[key] += 1
            due = time.monotonic() - self._flushed >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
        if not pending:
            return
        with db.transaction(self.store.db) as d:
            d.conn.executemany(
                "INSERT INTO daily_outcomes (day, lang, category, outcome, count) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (day, lang, category, outcome) DO UPDATE SET count = count + excluded.count",
                [(*key, n) for key, n in pending.items()])

    def rows(self, since: dt.date, until: dt.date) -> list[OutcomeRow]:
        self.flush()
        return [OutcomeRow(day=r[0], lang=r[1], category=r[2], outcome=r[3], count=r[4]) for r in self.store.db.execute(
            "SELECT day, lang, category, outcome, count FROM daily_outcomes WHERE day BETWEEN ? AND ? "
            "ORDER BY day, lang, category, outcome", [since.isoformat(), until.isoformat()])]


def as_csv(rows: list[OutcomeRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "lang", "category", "outcome", "count"])
    writer.writerows([r.day, r.lang, r.category, r.outcome, r.count] for r in rows)
    return out.getvalue()


router = APIRouter(prefix="/v1/reports", tags=["reports"])
reader = require_role("editor", "admin")


def _window(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    until = until or utcnow().date()
    return since or until - dt.timedelta(days=30), until


@router.get("/outcomes", response_model=list[OutcomeRow])
def outcomes(request: Request, since: dt.date | None = Query(None), until: dt.date | None = Query(None),
             _: User = Depends(reader)) -> list[OutcomeRow]:
    """Questions per day, language, category and outcome (default: the last 30 days)."""
    return request.app.state.outcomes.rows(*_window(since, until))


@router.get("/outcomes.csv")
def outcomes_csv(request: Request, since: dt.date | None = Query(None), until: dt.date | None = Query(None),
                 _: User = Depends(reader)) -> Response:
    rows = request.app.state.outcomes.rows(*_window(since, until))
    return Response(as_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'})


def outcome_of(kind: str, band: str) -> str:
    return kind if kind in ("greeting", "thanks") else ("not_sure" if kind == "not_sure" else band)

