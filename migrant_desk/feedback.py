"""The migrant's yes/no under a medium- (or high-) confidence answer: the desk's honest measure of its bands.

Stored anonymously: the day, the language, the entry, the band and the answer, nothing else (no text, no
conversation id, no address). Editors read the precision per band and the entries most often said "no" to
(GET /v1/editor/feedback); the content-gap report's readers use it to see which answers miss.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from . import db
from .auth import User, app_store, require_role
from .clock import utcnow
from .errors import ApiError
from .languages import SUPPORTED_LANGUAGES


@db.register("feedback-001-answers")
def _create(d) -> None:
    d.execute("""
        CREATE TABLE answer_feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            day TEXT NOT NULL,
            lang TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            band TEXT NOT NULL CHECK (band IN ('high','medium')),
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1))
        )""")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: str = Field(max_length=64, description="the entry that was shown")
    lang: str = Field(max_length=8, description="the language the answer was shown in")
    band: str = Field(pattern="^(high|medium)$", description="the band the answer was shown with")
    helpful: StrictBool = Field(description="true: 'yes, that is what I asked'; false: 'no'")


class BandFeedback(BaseModel):
    yes: int
    no: int
    precision: float | None = Field(description="yes / (yes + no): how often the band's answers were right")


class FeedbackSummary(BaseModel):
    bands: dict[str, BandFeedback]
    most_said_no: list[dict] = Field(description="entries with the most 'no', with their counts per language")


def record(database, body: FeedbackIn) -> None:
    database["answer_feedback"].insert({"day": utcnow().date().isoformat(), "lang": body.lang,
                                        "entry_id": body.entry_id, "band": body.band, "helpful": int(body.helpful)})


def summary(database) -> FeedbackSummary:
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


router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", status_code=204, responses={404: {}})
def post_feedback(body: FeedbackIn, request: Request) -> None:
    if body.lang not in SUPPORTED_LANGUAGES:
        raise ApiError(422, "unknown_language", f"Unknown language code '{body.lang}'.")
    if body.entry_id not in request.app.state.runtime.service.entries:
        raise ApiError(404, "entry_not_found", f"No entry with id '{body.entry_id}'.")
    record(app_store(request).db, body)


@router.get("/v1/editor/feedback", response_model=FeedbackSummary)
def get_feedback(request: Request, user: User = Depends(require_role("editor", "admin"))) -> FeedbackSummary:
    return summary(app_store(request).db)
