"""Editor endpoints for office records (role editor or admin), beside the entry endpoints (api.py) with the same
roles and errors: list, one record, its history, save a draft, review, publish. A draft changes nothing live;
publishing replaces the service's office directory at once, so GET /v1/offices and the office shown in chat
use the new record without a restart or an index rebuild (offices are looked up, not embedded)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from .. import auth
from ..auth import User, app_store, require_role
from ..errors import ApiError
from .offices_files import go_live
from .offices_store import OfficeRow, OfficeState, OfficeStore, known_districts
from .store import RevisionOut

router = APIRouter(prefix="/v1/editor/offices", tags=["editor"])
editor = require_role("editor", "admin")


class OfficeIn(BaseModel):
    office: dict[str, Any] = Field(description="the whole record, as in knowledge_base/offices/<kind>.json")
    note: str = Field("", max_length=500, description="why: shown in the history")


class OfficeSaved(BaseModel):
    id: str
    revision: int


class OfficePublished(BaseModel):
    id: str
    revision: int
    offices: int = Field(description="records the service answers from now")


def _runtime(request: Request):
    return request.app.state.runtime


def _store(request: Request) -> OfficeStore:
    # Districts are checked against the place names the service matches questions with (regions.json).
    directory = _runtime(request).service.offices
    return OfficeStore(app_store(request).db, known_districts(directory.districts if directory else []))


def _person(request: Request, actor: str) -> str | None:
    """"user:3" -> the user's name; other actors ("seed", "import") have none."""
    if not actor.startswith("user:"):
        return None
    try:
        return auth.get_user(app_store(request).db, int(actor.removeprefix("user:"))).name
    except (ValueError, auth.UserError):
        return None


@router.get("", response_model=list[OfficeRow])
def list_offices(request: Request, _: User = Depends(editor)) -> list[OfficeRow]:
    """Every record's draft, in the files' order, with whether it is verified and published."""
    return _store(request).rows()


@router.get("/{office_id}", response_model=OfficeState)
def get_office(office_id: str, request: Request, _: User = Depends(editor)) -> OfficeState:
    state = _store(request).state(office_id)
    return state.model_copy(update={"head_author_name": _person(request, state.head_author)})


@router.get("/{office_id}/revisions", response_model=list[RevisionOut])
def office_revisions(office_id: str, request: Request, _: User = Depends(editor)) -> list[RevisionOut]:
    return [r.model_copy(update={"author_name": _person(request, r.author)})
            for r in _store(request).revisions(office_id)]


@router.post("", response_model=OfficeSaved, status_code=201)
def create_office(body: OfficeIn, request: Request, user: User = Depends(editor)) -> OfficeSaved:
    number = _store(request).save(body.office, f"user:{user.id}", body.note, create=True)
    return OfficeSaved(id=body.office["id"], revision=number)


@router.put("/{office_id}", response_model=OfficeSaved)
def update_office(office_id: str, body: OfficeIn, request: Request, user: User = Depends(editor)) -> OfficeSaved:
    if body.office.get("id") != office_id:
        raise ApiError(422, "id_mismatch", f"Field 'office.id' must be '{office_id}', the id in the path.")
    return OfficeSaved(id=office_id, revision=_store(request).save(body.office, f"user:{user.id}", body.note))


@router.post("/{office_id}/review")
def approve_office(office_id: str, request: Request, user: User = Depends(editor)) -> dict:
    return {"id": office_id, "approved_revision": _store(request).approve(office_id, f"user:{user.id}")}


@router.post("/{office_id}/publish", response_model=OfficePublished)
def publish_office(office_id: str, request: Request, user: User = Depends(editor)) -> OfficePublished:
    """Make the draft live now. Needs a second editor's review when the service requires it for entries
    (MIGRANT_DESK_REQUIRE_REVIEW): an office's phone or district is as consequential as an answer."""
    runtime = _runtime(request)
    store = _store(request)
    number = store.mark_published(office_id, runtime.settings.require_review)
    return OfficePublished(id=office_id, revision=number, offices=len(go_live(store, runtime.service).offices))
