"""All reports for a date range, in one language: what GET /v1/reports/charts, the CSVs, the /reports page and
`migrant-desk report --chart` share."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from .. import db
from ..editorial import gaps
from . import charts, store

# The charts drawn from the daily outcome counts, then the others.
OUTCOME_CHARTS = ("questions-per-day", "outcomes-by-language", "outcomes-by-category")
CHART_IDS = (*OUTCOME_CHARTS, "handoffs-sla", "content-gaps", "publish-effect")


def report_charts(database: db.Database, since: dt.date, until: dt.date, lang: str,
                  now: dt.datetime, only: str | None = None) -> list[charts.Chart]:
    """Every chart (or only the one with id `only`). Counts must be flushed to the database first."""
    wanted = set(CHART_IDS) if only is None else {only}
    out: list[charts.Chart] = []
    outcome_rows = store.outcome_rows(database, since, until) if wanted & set(OUTCOME_CHARTS) else []
    if "questions-per-day" in wanted:
        out.append(charts.questions_per_day(outcome_rows, since, until, lang))
    if "outcomes-by-language" in wanted:
        out.append(charts.outcomes_by(outcome_rows, "lang", lang))
    if "outcomes-by-category" in wanted:
        out.append(charts.outcomes_by(outcome_rows, "category", lang))
    if "handoffs-sla" in wanted:
        out.append(charts.handoffs_and_sla(store.ticket_rows(database, since, until), now, lang))
    if "content-gaps" in wanted:
        out.append(charts.content_gaps(gaps.report(database), lang))
    if "publish-effect" in wanted:
        out.append(charts.publish_effect(
            store.publishes(database, since, until),
            lambda entry, start, end: store.entry_outcome_rows(database, entry, start, end),
            lambda entry, start, end: store.feedback_rows(database, start, end, entry_id=entry),
            now.date(), lang))
    return out


def csv_text(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A header line and the rows, empty cells for None: every CSV the reports give."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def table_csv(table: charts.Table) -> str:
    return csv_text(table.columns, table.rows)
