"""The reports' own tables: daily counts per language, category and outcome, and per entry (counts.py)."""

from __future__ import annotations

from .. import db

MIGRATIONS = db.Migrations("reports")


@MIGRATIONS("reports-001-daily-outcomes")
def _create(d) -> None:
    d.execute(d.dialect.ddl("""
        CREATE TABLE daily_outcomes (
            day TEXT NOT NULL, lang TEXT NOT NULL, category TEXT NOT NULL, outcome TEXT NOT NULL,
            count INTEGER NOT NULL, PRIMARY KEY (day, lang, category, outcome))"""))


@MIGRATIONS("reports-002-daily-entry-outcomes")
def _create_entry_counts(d) -> None:
    # Which entry answered, so a manager can compare an entry's days before and after a publish.
    d.execute(d.dialect.ddl("""
        CREATE TABLE daily_entry_outcomes (
            day TEXT NOT NULL, entry_id TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (day, entry_id, outcome))"""))
