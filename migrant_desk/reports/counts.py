"""Counted, not stored: how many questions per day, language, category, entry and outcome; nothing else.

Outcomes: high, medium, not_sure (the three bands), greeting, thanks, handed_off. No text, no conversation,
no address: a row is (day, language, category, outcome, count), and per entry (day, entry, outcome, count) for
the effect of a publish. Counts are kept in memory and added to the database at most every FLUSH_SECONDS (and
when read), so an ask never waits for a write.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

from pydantic import BaseModel

from .. import db
from ..clock import utcnow
from . import store

FLUSH_SECONDS = 5.0
OUTCOMES = ("high", "medium", "not_sure", "greeting", "thanks", "handed_off")


class OutcomeRow(BaseModel):
    day: str
    lang: str
    category: str
    outcome: str
    count: int


class OutcomeCounter:
    def __init__(self, database: db.Store):
        self.store = database
        self._pending: Counter[tuple[str, str, str, str]] = Counter()
        self._pending_entries: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def add(self, lang: str, category: str | None, outcome: str, entry_id: str | None = None) -> None:
        day = utcnow().date().isoformat()
        with self._lock:
            self._pending[(day, lang, category or "", outcome)] += 1
            if entry_id:
                self._pending_entries[(day, entry_id, outcome)] += 1
            due = time.monotonic() - self._flushed >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            entries, self._pending_entries = self._pending_entries, Counter()
            self._flushed = time.monotonic()
        if pending or entries:
            store.add_counts(self.store.db, pending, entries)

    def rows(self, since: dt.date, until: dt.date) -> list[OutcomeRow]:
        self.flush()
        return [OutcomeRow(day=r[0], lang=r[1], category=r[2], outcome=r[3], count=r[4])
                for r in store.outcome_rows(self.store.db, since, until)]


def outcome_of(kind: str, band: str) -> str:
    return kind if kind in ("greeting", "thanks") else ("not_sure" if kind == "not_sure" else band)
