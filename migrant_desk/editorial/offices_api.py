"""Editor endpoints for office records (role editor or admin), beside the entry endpoints (api.py) with the same
roles and errors: list, one record, its history, save a draft, review, publish. A draft changes nothing live;
publishing replaces the service's office directory at once, so GET /v1/offices and the office shown in chat
use the new record without a restart or an index rebuild (offices are looked up, not embedded)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from .. import users
from ..auth import User, require_role
from ..db import Store
from ..deps import DeskDep, SettingsDep, StoreDep
from ..errors import DomainError, ErrorCode
from ..service import DeskService
from ..users import EDITOR_ROLES
from .offices_files import go_live
from .offices_store import OfficeRow, OfficeState, OfficeStore, known_districts
from .store import RevisionOut

router = APIRouter(prefix="/v1/editor/offices", tags=["editor"])
Editor = Annotated[User, Depends(require_role(*EDITOR_ROLES))]


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


def _offices(desk: DeskService, store: Store) -> OfficeStore:
    """Built in the handler, not in a dependency: the connection is the calling thread's (dependencies and the
    handler may run on different worker threads, and a SQLite connection stays on its own)."""
    # Districts are checked against the place names the service matches questions with (regions.json).
    directory = desk.offices
    return OfficeStore(store.db, known_districts(directory.districts if directory else []))



@router.get("", response_model=list[OfficeRow])
def list_offices(desk: DeskDep, store: StoreDep, _: Editor) -> list[OfficeRow]:
    """Every record's draft, in the files' order, with whether it is verified and published."""
    return _offices(desk, store).rows()


@router.get("/{office_id}", response_model=OfficeState)
def get_office(office_id: str, desk: DeskDep, store: StoreDep, _: Editor) -> OfficeState:
    offices = _offices(desk, store)
    state = offices.state(office_id)
    return state.model_copy(update={"head_author_name": users.actor_name(offices.database, state.head_author)})


@router.get("/{office_id}/revisions", response_model=list[RevisionOut])
def office_revisions(office_id: str, desk: DeskDep, store: StoreDep, _: Editor) -> list[RevisionOut]:
    offices = _offices(desk, store)
    return [r.model_copy(update={"author_name": users.actor_name(offices.database, r.author)})
            for r in offices.revisions(office_id)]


@router.post("", response_model=OfficeSaved, status_code=201)
def create_office(body: OfficeIn, desk: DeskDep, store: StoreDep, user: Editor) -> OfficeSaved:
    number = _offices(desk, store).save(body.office, f"user:{user.id}", body.note, create=True)
    return OfficeSaved(id=body.office["id"], revision=number)


@router.put("/{office_id}", response_model=OfficeSaved)
def update_office(office_id: str, body: OfficeIn, desk: DeskDep, store: StoreDep, user: Editor) -> OfficeSaved:
    if body.office.get("id") != office_id:
        raise DomainError(ErrorCode.ID_MISMATCH, f"Field 'office.id' must be '{office_id}', the id in the path.")
    return OfficeSaved(id=office_id, revision=_offices(desk, store).save(body.office, f"user:{user.id}", body.note))


@router.post("/{office_id}/review")
def approve_office(office_id: str, desk: DeskDep, store: StoreDep, user: Editor) -> dict:
    return {"id": office_id, "approved_revision": _offices(desk, store).approve(office_id, f"user:{user.id}")}


@router.post("/{office_id}/publish", response_model=OfficePublished)
def publish_office(office_id: str, desk: DeskDep, store: StoreDep, settings: SettingsDep,
                   user: Editor) -> OfficePublished:
    """Make the draft live now. Needs a second editor's review when the service requires it for entries
    (MIGRANT_DESK_REQUIRE_REVIEW): an office's phone or district is as consequential as an answer."""
    offices = _offices(desk, store)
    number = offices.mark_published(office_id, settings.require_review)
    return OfficePublished(id=office_id, revision=number, offices=len(go_live(offices, desk).offices))
