"""POST /v1/feedback (the migrant's yes/no under an answer) and GET /v1/editor/feedback (the editors' summary)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ..auth import User, app_store, require_role
from ..errors import DomainError, ErrorCode
from ..languages import SUPPORTED_LANGUAGES
from ..users import EDITOR_ROLES
from .store import FeedbackSummary, record, summary


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: str = Field(max_length=64, description="the entry that was shown")
    lang: str = Field(max_length=8, description="the language the answer was shown in")
    band: str = Field(pattern="^(high|medium)$", description="the band the answer was shown with")
    helpful: StrictBool = Field(description="true: 'yes, that is what I asked'; false: 'no'")


router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", status_code=204, responses={404: {}})
def post_feedback(body: FeedbackIn, request: Request) -> None:
    if body.lang not in SUPPORTED_LANGUAGES:
        raise DomainError(ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{body.lang}'.")
    if body.entry_id not in request.app.state.runtime.service.entries:
        raise DomainError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{body.entry_id}'.")
    record(app_store(request).db, body.lang, body.entry_id, body.band, body.helpful)


@router.get("/v1/editor/feedback", response_model=FeedbackSummary)
def get_feedback(request: Request, user: User = Depends(require_role(*EDITOR_ROLES))) -> FeedbackSummary:
    return summary(app_store(request).db)
