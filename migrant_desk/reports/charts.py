"""Each report as a table (columns, rows: what the page shows under the chart and what the CSV holds) and as an
SVG chart drawn from the same rows, so the chart, its table and its CSV cannot disagree.

Labels (titles, column headers, outcome names) come from the catalogue (locales/reports.yaml) in the page's
language; CSV headers are the stable machine names.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable

from pydantic import BaseModel

from ..clock import parse
from ..languages import SUPPORTED_LANGUAGES
from ..messages import message
from . import svg

# The outcome groups a manager reads; greeting and thanks are small talk, not questions answered.
OUTCOME_GROUPS = {"high": "high", "medium": "medium", "not_sure": "not_sure", "handed_off": "handed_off",
                  "greeting": "small_talk", "thanks": "small_talk"}
GROUPS = ("high", "medium", "not_sure", "handed_off", "small_talk")
TOP_LANGUAGES = 7  # questions per day: the busiest languages each get a colour, the rest are "other"
PUBLISH_WINDOW_DAYS = 7
MAX_PUBLISHES = 10
MAX_GAPS = 10


class Table(BaseModel):
    columns: list[str]  # machine names: the CSV header
    labels: list[str]  # the same columns, in the page's language
    rows: list[list[str | int | float | None]]


class Chart(BaseModel):
    id: str
    title: str
    svg: str
    table: Table
    link: str | None = None  # where to act on it (e.g. the gap report in the editor)
    link_label: str | None = None


def _table(columns: list[str], rows: list[list], lang: str) -> Table:
    return Table(columns=columns, rows=rows, labels=[
        message(f"report_outcome_{c}" if c in GROUPS else f"report_col_{c}", lang) for c in columns])


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _days(since: dt.date, until: dt.date) -> list[str]:
    return [(since + dt.timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]


def questions_per_day(rows: list[tuple], since: dt.date, until: dt.date, lang: str) -> Chart:
    """Questions (everything but handoffs) per day, stacked by language."""
    per_day: dict[str, Counter] = defaultdict(Counter)
    for day, q_lang, _category, outcome, count in rows:
        if outcome != "handed_off":
            per_day[day][q_lang] += count
    busiest = [code for code, _ in sum(per_day.values(), Counter()).most_common(TOP_LANGUAGES)]
    other = message("report_other", lang)
    days = _days(since, until)
    values = [[per_day[d][code] for code in busiest] + [sum(per_day[d].values()) - sum(per_day[d][c] for c in busiest)]
              for d in days]
    series = [SUPPORTED_LANGUAGES.get(c, c) for c in busiest] + [other]
    title = message("report_chart_questions_per_day", lang)
    drawing = (svg.vertical_bars(title, title, days, series, values) if busiest
               else svg.empty(title, message("report_no_data", lang)))
    table_rows = [[d, *v, sum(v)] for d, v in zip(days, values)]
    table = Table(columns=["day", *busiest, "other", "total"],
                  labels=[message("report_col_day", lang), *series, message("report_col_total", lang)],
                  rows=table_rows)
    return Chart(id="questions-per-day", title=title, svg=drawing, table=table)


def outcomes_by(rows: list[tuple], key: str, lang: str) -> Chart:
    """The share answered, uncertain, not sure, handed off (and small talk) per language or per category."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for _day, q_lang, category, outcome, count in rows:
        counts[q_lang if key == "lang" else (category or "-")][OUTCOME_GROUPS.get(outcome, "small_talk")] += count
    ordered = sorted(counts, key=lambda k: -sum(counts[k].values()))
    names = [SUPPORTED_LANGUAGES.get(k, k) if key == "lang" else k for k in ordered]
    values = [[counts[k][g] for g in GROUPS] for k in ordered]
    series = [message(f"report_outcome_{g}", lang) for g in GROUPS]
    chart_id = "outcomes-by-language" if key == "lang" else "outcomes-by-category"
    title = message("report_chart_outcomes_by_language" if key == "lang" else "report_chart_outcomes_by_category", lang)
    drawing = (svg.horizontal_bars(title, title, names, series, values, percent=True) if ordered
               else svg.empty(title, message("report_no_data", lang)))
    table_rows = []
    for k, v in zip(ordered, values):
        questions = sum(v) - counts[k]["small_talk"]
        table_rows.append([k, sum(v), *v, _share(counts[k]["high"], questions)])
    columns = ["language" if key == "lang" else "category", "total", *GROUPS, "answered_share"]
    return Chart(id=chart_id, title=title, svg=drawing, table=_table(columns, table_rows, lang))


def handoffs_and_sla(tickets: list[dict], now: dt.datetime, lang: str) -> Chart:
    """Handoffs per team and language, and how many got their first reply and resolution in time."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for t in tickets:
        groups[(t["team"] or "-", t["lang"])].append(t)
    table_rows, by_team = [], defaultdict(Counter)
    for (team, t_lang), members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        first = Counter(_first_response(t, now) for t in members)
        resolution = Counter(_resolution(t, now) for t in members)
        minutes = [(parse(t["first_response_at"]) - parse(t["created_at"])).total_seconds() / 60
                   for t in members if t["first_response_at"]]
        table_rows.append([team, t_lang, len(members), first["met"], first["missed"], first["pending"],
                           round(statistics.median(minutes), 1) if minutes else None,
                           resolution["met"], resolution["missed"]])
        by_team[team].update({"met": first["met"], "missed": first["missed"], "pending": first["pending"]})
    title = message("report_chart_handoffs_sla", lang)
    teams = sorted(by_team, key=lambda k: -sum(by_team[k].values()))
    series = [message("report_col_first_response_met", lang), message("report_col_first_response_missed", lang),
              message("report_col_pending", lang)]
    drawing = (svg.horizontal_bars(title, title, teams, series,
                                   [[by_team[t]["met"], by_team[t]["missed"], by_team[t]["pending"]] for t in teams])
               if teams else svg.empty(title, message("report_no_data", lang)))
    columns = ["team", "language", "handoffs", "first_response_met", "first_response_missed", "pending",
               "median_first_response_minutes", "resolution_met", "resolution_missed"]
    return Chart(id="handoffs-sla", title=title, svg=drawing, table=_table(columns, table_rows, lang))


def _first_response(ticket: dict, now: dt.datetime) -> str:
    if ticket["first_response_at"]:
        return "met" if ticket["first_response_at"] <= ticket["first_response_due"] else "missed"
    return "missed" if parse(ticket["first_response_due"]) < now and not ticket["paused_at"] else "pending"


def _resolution(ticket: dict, now: dt.datetime) -> str:
    if ticket["resolved_at"]:
        return "met" if ticket["resolved_at"] <= ticket["resolution_due"] else "missed"
    return "missed" if parse(ticket["resolution_due"]) < now and not ticket["paused_at"] else "pending"


def content_gaps(groups: list, lang: str) -> Chart:
    """The largest open groups of questions the desk could not answer well (the editors' gap report)."""
    top = groups[:MAX_GAPS]
    title = message("report_chart_content_gaps", lang)
    names = [g.examples[0] if g.examples else str(g.gap_id) for g in top]
    drawing = (svg.horizontal_bars(title, title, names, [message("report_col_questions", lang)],
                                   [[g.count] for g in top])
               if top else svg.empty(title, message("report_no_data", lang)))
    rows = [[g.gap_id, g.count, " ".join(f"{k}:{v}" for k, v in sorted(g.languages.items(), key=lambda kv: -kv[1])),
             names[i], " ".join(g.nearest_entries)] for i, g in enumerate(top)]
    columns = ["gap", "questions", "languages", "example", "nearest_entries"]
    return Chart(id="content-gaps", title=title, svg=drawing, table=_table(columns, rows, lang),
                 link="/editor#gaps", link_label=message("report_open_gap_report", lang))


def publish_effect(publishes: list[tuple], entry_rows: Callable[[str, dt.date, dt.date], list[tuple]],
                   entry_feedback: Callable[[str, dt.date, dt.date], list[tuple]], today: dt.date, lang: str) -> Chart:
    """For each publish: the entry's answers per day, the share answered with high confidence and the share of
    "yes, that is what I asked", in the PUBLISH_WINDOW_DAYS before and after (after: up to today)."""
    rows, labels, values = [], [], []
    for entry_id, revision, published_at, _by in publishes[:MAX_PUBLISHES]:
        day = dt.date.fromisoformat(published_at[:10])
        before = _window_stats(entry_rows(entry_id, day - dt.timedelta(days=PUBLISH_WINDOW_DAYS),
                                          day - dt.timedelta(days=1)),
                               entry_feedback(entry_id, day - dt.timedelta(days=PUBLISH_WINDOW_DAYS),
                                              day - dt.timedelta(days=1)), PUBLISH_WINDOW_DAYS)
        after_days = max(1, min(PUBLISH_WINDOW_DAYS, (today - day).days + 1))
        after_end = day + dt.timedelta(days=after_days - 1)
        after = _window_stats(entry_rows(entry_id, day, after_end), entry_feedback(entry_id, day, after_end),
                              after_days)
        rows.append([entry_id, revision, published_at[:16].replace("T", " "), *before, *after])
        labels.append(f"{entry_id} r{revision}")
        values.append((before[0], after[0]))
    title = message("report_chart_publish_effect", lang)
    series = [message("report_col_before", lang), message("report_col_after", lang)]
    drawing = (svg.horizontal_bars(title, title, [f"{name} · {series[i]}" for name in labels for i in (0, 1)],
                                   [message("report_col_answers_per_day", lang)],
                                   [[v[i]] for v in values for i in (0, 1)])
               if rows else svg.empty(title, message("report_no_data", lang)))
    columns = ["entry", "revision", "published", "answers_per_day_before", "high_share_before",
               "feedback_yes_share_before", "answers_per_day_after", "high_share_after", "feedback_yes_share_after"]
    return Chart(id="publish-effect", title=title, svg=drawing, table=_table(columns, rows, lang))


def _window_stats(outcomes: list[tuple], feedback: list[tuple], days: int) -> tuple:
    answered = Counter()
    for _day, outcome, count in outcomes:
        answered[outcome] += count
    total = answered["high"] + answered["medium"]
    yes = sum(r[3] or 0 for r in feedback)
    no = sum(r[4] or 0 for r in feedback)
    return round(total / days, 2), _share(answered["high"], total), _share(yes, yes + no)
