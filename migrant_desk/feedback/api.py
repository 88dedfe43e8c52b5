"""POST /v1/feedback (the migrant's yes/no under an answer) and GET /v1/editor/feedback (the editors' summary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ..auth import User, require_role
from ..deps import DeskDep, StoreDep
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
def post_feedback(body: FeedbackIn, desk: DeskDep, store: StoreDep) -> None:
    if body.lang not in SUPPORTED_LANGUAGES:
        raise DomainError(ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{body.lang}'.")
    if body.entry_id not in desk.entries:
        raise DomainError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{body.entry_id}'.")
    record(store.db, body.lang, body.entry_id, body.band, body.helpful)


@router.get("/v1/editor/feedback", response_model=FeedbackSummary)
def get_feedback(store: StoreDep, _: Annotated[User, Depends(require_role(*EDITOR_ROLES))]) -> FeedbackSummary:
    return summary(store.db)
