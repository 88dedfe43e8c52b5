"""The migrant's yes/no under a medium- (or high-) confidence answer: the desk's honest measure of its bands.

Stored anonymously: the day, the language, the entry, the band and the answer, nothing else (no text, no
conversation id, no address). Editors read the precision per band and the entries most often said "no" to
(GET /v1/editor/feedback); the content-gap report's readers use it to see which answers miss.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .. import db
from ..clock import utcnow

MIGRATIONS = db.Migrations("feedback")


@MIGRATIONS("feedback-001-answers")
def _create(d) -> None:
    d.execute(d.dialect.ddl("""
        CREATE TABLE answer_feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            day TEXT NOT NULL,
            lang TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            band TEXT NOT NULL CHECK (band IN ('high','medium')),
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1))
        )"""))


class BandFeedback(BaseModel):
    yes: int
    no: int
    precision: float | None = Field(description="yes / (yes + no): how often the band's answers were right")


class FeedbackSummary(BaseModel):
    bands: dict[str, BandFeedback]
    most_said_no: list[dict] = Field(description="entries with the most 'no', with their counts per language")


def record(database: db.Database, lang: str, entry_id: str, band: str, helpful: bool) -> None:
    database.insert_row("answer_feedback", {"day": utcnow().date().isoformat(), "lang": lang, "entry_id": entry_id,
                                            "band": band, "helpful": int(helpful)})


def summary(database: db.Database) -> FeedbackSummary:
    bands = {}
    for band in ("high", "medium"):
        yes, no = database.execute(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM answer_feedback WHERE band = ?",
            [band]).fetchone()
        bands[band] = BandFeedback(yes=yes, no=no, precision=round(yes / (yes + no), 4) if yes + no else None)
    rows = database.execute(
        "SELECT entry_id, lang, COUNT(*) FROM answer_feedback WHERE helpful = 0 GROUP BY entry_id, lang").fetchall()
    per_entry: dict[str, dict[str, int]] = {}
    for entry_id, lang, n in rows:
        per_entry.setdefault(entry_id, {})[lang] = n
    ranked = sorted(per_entry.items(), key=lambda kv: -sum(kv[1].values()))[:20]
    return FeedbackSummary(bands=bands, most_said_no=[{"entry_id": e, "no": sum(l.values()), "languages": l}
                                                      for e, l in ranked])
