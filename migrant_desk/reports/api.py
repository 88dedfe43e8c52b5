"""/v1/reports: the counts and the charts for editors and admins, as JSON and as CSV (the page is /reports)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ..auth import User, require_role
from ..deps import OutcomesDep, StoreDep
from ..clock import utcnow
from ..errors import DomainError, ErrorCode
from ..languages import SUPPORTED_LANGUAGES
from ..users import EDITOR_ROLES
from .charts import Chart
from .counts import OutcomeRow
from .service import CHART_IDS, csv_text, report_charts, table_csv

MAX_RANGE_DAYS = 366

router = APIRouter(prefix="/v1/reports", tags=["reports"])


Reader = Annotated[User, Depends(require_role(*EDITOR_ROLES))]
Since = Annotated[dt.date | None, Query(description="first day (UTC), default: 30 days before `until`")]
Until = Annotated[dt.date | None, Query(description="last day (UTC), default: today")]


class CSVResponse(Response):
    media_type = "text/csv; charset=utf-8"  # also what the OpenAPI schema documents for the operation


def window(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    until = until or utcnow().date()
    since = since or until - dt.timedelta(days=30)
    if since > until:
        raise DomainError(ErrorCode.INVALID_RANGE, f"'since' ({since}) is after 'until' ({until}).")
    if (until - since).days >= MAX_RANGE_DAYS:
        raise DomainError(ErrorCode.INVALID_RANGE, f"A report covers at most {MAX_RANGE_DAYS} days.")
    return since, until


def as_csv(rows: list[OutcomeRow]) -> str:
    return csv_text(["day", "lang", "category", "outcome", "count"],
                    ([r.day, r.lang, r.category, r.outcome, r.count] for r in rows))


@router.get("/outcomes", response_model=list[OutcomeRow])
def outcomes(counter: OutcomesDep, _: Reader, since: Since = None, until: Until = None) -> list[OutcomeRow]:
    """Questions per day, language, category and outcome (default: the last 30 days)."""
    return counter.rows(*window(since, until))


@router.get("/outcomes.csv", response_class=CSVResponse)
def outcomes_csv(counter: OutcomesDep, _: Reader, since: Since = None, until: Until = None) -> Response:
    return CSVResponse(as_csv(counter.rows(*window(since, until))),
                       headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'})


@router.get("/charts", response_model=list[Chart])
def charts(store: StoreDep, counter: OutcomesDep, _: Reader, since: Since = None, until: Until = None,
           lang: Annotated[str, Query(description="language of the labels", max_length=8)] = "en") -> list[Chart]:
    """Every report for the range: title, SVG chart and its data table, labels in `lang`."""
    if lang not in SUPPORTED_LANGUAGES:
        raise DomainError(ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{lang}'.")
    counter.flush()
    return report_charts(store.db, *window(since, until), lang, utcnow())


@router.get("/{chart_id}.csv", response_class=CSVResponse, responses={404: {}})
def chart_csv(chart_id: str, store: StoreDep, counter: OutcomesDep, _: Reader, since: Since = None,
              until: Until = None) -> Response:
    """One chart's data table as CSV (machine column names), the same rows the chart is drawn from."""
    if chart_id not in CHART_IDS:
        raise DomainError(ErrorCode.CHART_NOT_FOUND, f"No report '{chart_id}'; reports: {', '.join(CHART_IDS)}.")
    counter.flush()
    chart = report_charts(store.db, *window(since, until), "en", utcnow(), only=chart_id)[0]
    return CSVResponse(table_csv(chart.table),
                       headers={"Content-Disposition": f'attachment; filename="{chart_id}.csv"'})
