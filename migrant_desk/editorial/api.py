"""Editor endpoints (role editor or admin): entries, variants, revisions, review, publish, translation
status and the content-gap report. Saves are drafts; the live service changes only on publish."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from .. import users
from ..auth import User, require_role
from ..deps import DeskDep, EditorialDep, MetricsDep, PublisherDep, SettingsDep, StoreDep
from ..errors import DomainError, ErrorCode
from ..validation import PathId
from ..languages import SUPPORTED_LANGUAGES
from ..users import EDITOR_ROLES
from . import gaps
from .publish import PublishResult
from .store import EntryState, RevisionOut
from .worddiff import FieldDiff, entry_diff

router = APIRouter(prefix="/v1/editor", tags=["editor"])
Editor = Annotated[User, Depends(require_role(*EDITOR_ROLES))]


class EntryIn(BaseModel):
    entry: dict[str, Any] = Field(description="the whole entry, as in the YAML/JSONL format")
    note: str = Field("", max_length=500)


class VariantIn(BaseModel):
    question: str = ""
    alternates: list[str] = []
    answer: str


class SavedOut(BaseModel):
    id: str
    revision: int


class ResolveIn(BaseModel):
    entry_id: str


def _lang(lang: str) -> str:
    if lang not in SUPPORTED_LANGUAGES:
        raise DomainError(ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{lang}'.")
    return lang


@router.get("/entries")
def list_entries(store: EditorialDep, _: Editor, q: str = "") -> list[dict]:
    store = store
    rows = store.list_states()
    if q:
        needle = q.lower()
        drafts = {e.id: e for e in store.draft_entries()}
        rows = [r for r in rows if r["id"] in drafts and (needle in r["id"] or any(
            needle in (v.question + " " + v.answer).lower() for v in drafts[r["id"]].translations.values()))]
    return rows



@router.get("/entries/{entry_id}", response_model=EntryState)
def get_entry(entry_id: str, store: EditorialDep, _: Editor) -> EntryState:
    state = store.state(entry_id)
    return state.model_copy(update={"head_author_name": users.actor_name(store.database, state.head_author)})


@router.post("/entries", response_model=SavedOut, status_code=201)
def create_entry(body: EntryIn, store: EditorialDep, user: Editor) -> SavedOut:
    number = store.save(body.entry, f"user:{user.id}", body.note, create=True)
    return SavedOut(id=body.entry["id"], revision=number)


@router.put("/entries/{entry_id}", response_model=SavedOut)
def update_entry(entry_id: str, body: EntryIn, store: EditorialDep, user: Editor) -> SavedOut:
    if body.entry.get("id") != entry_id:
        raise DomainError(ErrorCode.ID_MISMATCH, f"Field 'entry.id' must be '{entry_id}', the id in the path.")
    number = store.save(body.entry, f"user:{user.id}", body.note)
    return SavedOut(id=entry_id, revision=number)


@router.put("/entries/{entry_id}/translations/{lang}", response_model=SavedOut)
def save_variant(entry_id: str, lang: str, body: VariantIn, store: EditorialDep,
                 user: Editor) -> SavedOut:
    number = store.save_variant(entry_id, _lang(lang), body.model_dump(), f"user:{user.id}")
    return SavedOut(id=entry_id, revision=number)


@router.delete("/entries/{entry_id}/translations/{lang}", response_model=SavedOut)
def delete_variant(entry_id: str, lang: str, store: EditorialDep, user: Editor) -> SavedOut:
    return SavedOut(id=entry_id, revision=store.delete_variant(entry_id, lang, f"user:{user.id}"))


@router.post("/entries/{entry_id}/translations/{lang}/accept")
def accept_variant(entry_id: str, lang: str, store: EditorialDep, user: Editor) -> dict:
    store.accept_variant(entry_id, _lang(lang), f"user:{user.id}")
    return {"id": entry_id, "lang": lang, "status": "reviewed"}


@router.get("/entries/{entry_id}/revisions", response_model=list[RevisionOut])
def revisions(entry_id: str, store: EditorialDep, _: Editor) -> list[RevisionOut]:
    return [r.model_copy(update={"author_name": users.actor_name(store.database, r.author)})
            for r in store.revisions(entry_id)]


class DiffOut(BaseModel):
    id: str
    old: int
    new: int
    diff: str = Field(description="unified diff of the two revisions as YAML")
    fields: list[FieldDiff] = Field(description="each changed field, word by word (what the editor shows)")


@router.get("/entries/{entry_id}/diff", response_model=DiffOut)
def diff(entry_id: str, store: EditorialDep, old: int, new: int, _: Editor) -> DiffOut:
    return DiffOut(id=entry_id, old=old, new=new, diff=store.diff(entry_id, old, new),
                   fields=entry_diff(store.revision_data(entry_id, old), store.revision_data(entry_id, new)))


@router.post("/entries/{entry_id}/rollback/{revision}", response_model=SavedOut)
def rollback(entry_id: str, revision: PathId, store: EditorialDep, user: Editor) -> SavedOut:
    return SavedOut(id=entry_id, revision=store.rollback(entry_id, revision, f"user:{user.id}"))


@router.post("/entries/{entry_id}/archive")
def archive(entry_id: str, store: EditorialDep, publisher: PublisherDep, user: Editor) -> PublishResult:
    store.set_archived(entry_id, True, f"user:{user.id}")
    return publisher.publish().result()


@router.post("/entries/{entry_id}/review")
def approve(entry_id: str, store: EditorialDep, user: Editor) -> dict:
    return {"id": entry_id, "approved_revision": store.approve(entry_id, f"user:{user.id}")}


@router.post("/entries/{entry_id}/publish", response_model=PublishResult)
def publish(entry_id: str, store: EditorialDep, publisher: PublisherDep, settings: SettingsDep,
            metrics: MetricsDep, user: Editor, wait: bool = True) -> PublishResult | dict:
    """Publish the entry's draft head. The index is rebuilt in the background; with wait=true (default) the
    response comes when the new index answers, and says how long that took."""
    store.mark_published(entry_id, settings.require_review, by=f"user:{user.id}")
    result = publisher.publish().result()
    metrics.publish_seconds.observe(result.seconds)
    return result


@router.get("/translations/{lang}")
def translation_status(lang: str, store: EditorialDep, _: Editor) -> dict:
    return {"lang": _lang(lang), **store.translation_report(lang)}


class DatedEntry(BaseModel):
    id: str
    updated: str
    review_by: str | None
    valid_until: str | None
    reason: str = Field(description="expired: past valid_until (answers carry a notice); review: past review_by")


@router.get("/expiring", response_model=list[DatedEntry])
def expiring(desk: DeskDep, _: Editor) -> list[DatedEntry]:
    """Published entries whose facts have expired or are due for a check, oldest first."""
    today = desk.today()
    out = []
    for e in desk.entries.values():
        reason = ("expired" if e.valid_until and e.valid_until < today
                  else "review" if e.review_by and e.review_by < today else None)
        if reason:
            out.append(DatedEntry(id=e.id, updated=e.updated.isoformat(), reason=reason,
                                  review_by=e.review_by.isoformat() if e.review_by else None,
                                  valid_until=e.valid_until.isoformat() if e.valid_until else None))
    return sorted(out, key=lambda d: (d.valid_until or d.review_by or ""))


@router.get("/gaps", response_model=list[gaps.GapGroup])
def gap_report(store: StoreDep, _: Editor) -> list[gaps.GapGroup]:
    return gaps.report(store.db)


@router.get("/gaps/resolved")
def gaps_resolved(store: StoreDep, _: Editor) -> list[dict]:
    return gaps.resolved_summary(store.db)


@router.post("/gaps/{gap_id}/resolve")
def resolve_gap(gap_id: PathId, body: ResolveIn, editorial: EditorialDep, store: StoreDep, _: Editor) -> dict:
    if not editorial.exists(body.entry_id):
        raise DomainError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{body.entry_id}'.")
    try:
        marked = gaps.resolve(store.db, gap_id, body.entry_id)
    except KeyError:
        raise DomainError(ErrorCode.GAP_NOT_FOUND, f"No open gap contains question {gap_id}.")
    return {"gap_id": gap_id, "entry_id": body.entry_id, "questions_resolved": marked}
