"""The migrant's side of the API: /v1/ask, the languages, an entry by id, the office for a place, and /healthz.

Every answer here reads the desk's live snapshot (entries and index, swapped as one object by a publish), the
same one the ask path uses, so /healthz and /v1/languages never report an index that no longer answers.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from . import __version__
from .deps import DeskDep, LimitsDep, MetricsDep, OutcomesDep, ProblemsDep, PublisherDep, SettingsDep, TicketsDep
from .errors import DomainError, ErrorCode
from .languages import SUPPORTED_LANGUAGES
from .limits import client_key
from .offices import KIND_PATTERN, Office
from .reports.counts import outcome_of
from .service import AskResult
from .tickets.api import silenced_answer
from .validation import CleanText, require_text

router = APIRouter()


class AskIn(BaseModel):
    text: CleanText = Field(description="the question, in any language")
    lang: str | None = Field(None, description="ISO 639-1 code; forces the reply language")
    lang_hint: str | None = Field(None, description="the language the page is showing: used when the text is too "
                                                    "short or uncertain to identify (then the default language)")
    conversation_id: str | None = Field(None, max_length=128)


class LanguageOut(BaseModel):
    code: str
    name: str
    entries: int = Field(description="entries with a human-written variant in this language")


class OfficeAnswer(BaseModel):
    province: str
    district: str | None
    office: Office


class HealthOut(BaseModel):
    status: str
    model: str
    index_build: str
    entries: int
    vectors: int
    skipped_entries: int
    published_version: int = Field(description="the version of the published entries this process serves; "
                                               "replicas on one database converge on the same one")
    version: str


@router.post("/v1/ask", response_model=AskResult, responses={429: {}})
def ask(body: AskIn, request: Request, desk: DeskDep, tickets: TicketsDep, settings: SettingsDep,
        limits: LimitsDep, metrics: MetricsDep, outcomes: OutcomesDep) -> AskResult:
    require_text(body.text, settings.max_text_chars, "The question text is empty.", "The question")
    for code in (body.lang, body.lang_hint):
        if code is not None and code not in SUPPORTED_LANGUAGES:
            raise DomainError(ErrorCode.UNKNOWN_LANGUAGE,
                              f"Unknown language code '{code}'. Supported: {', '.join(SUPPORTED_LANGUAGES)}.")
    limits.ask.check(client_key(request), "questions")
    held = silenced_answer(tickets, desk.calibration.threshold, body.text, body.lang,
                           body.conversation_id)  # a counselor has the case
    if held is not None:
        return held
    result = desk.ask(body.text, body.lang, body.conversation_id, lang_hint=body.lang_hint)
    metrics.asks.labels(result.lang, result.confidence, result.kind).inc()
    outcomes.add(result.lang, result.answer.category if result.answer else None,
                 outcome_of(result.kind, result.confidence), result.answer.id if result.answer else None)
    request.state.log_extra = {"lang": result.lang, "outcome": result.kind, "band": result.confidence}
    return result


@router.get("/v1/languages", response_model=list[LanguageOut])
def languages(desk: DeskDep) -> list[LanguageOut]:
    entries = desk.snapshot.entries.values()  # the live snapshot: publishes and restarts included
    return [LanguageOut(code=c, name=n, entries=sum(c in e.translations for e in entries))
            for c, n in SUPPORTED_LANGUAGES.items()]


@router.get("/v1/entries/{entry_id}")
def entry(entry_id: str, desk: DeskDep) -> dict:
    found = desk.snapshot.entries.get(entry_id)
    if found is None:
        raise DomainError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{entry_id}'.")
    return found.dump()


@router.get("/v1/offices", response_model=OfficeAnswer, responses={404: {}, 409: {}})
def office(desk: DeskDep, region: str = Query(min_length=1, max_length=100),
           kind: str = Query("immigration", pattern=KIND_PATTERN),
           lang: str = Query("ko", max_length=8)) -> OfficeAnswer:
    """The office of `kind` that handles `region` (a district or province name in any of the 15 languages)."""
    directory = desk.offices
    matches = directory.find_regions(region) if directory else []
    if not matches:
        raise DomainError(ErrorCode.REGION_NOT_FOUND, f"No district or province called '{region}' is known.")
    if len(matches) > 1:
        names = ", ".join(f"{m.province} {m.district or ''}".strip() for m in matches)
        raise DomainError(ErrorCode.REGION_AMBIGUOUS, f"'{region}' names several places ({names}); add the city.")
    found = directory.office_for(matches[0], kind)
    if found is None:
        raise DomainError(ErrorCode.OFFICE_NOT_FOUND,
                          f"No {kind} office on record covers {matches[0].district or matches[0].province}.")
    return OfficeAnswer(province=matches[0].province, district=matches[0].district, office=found)


@router.get("/healthz", response_model=HealthOut)
def healthz(desk: DeskDep, problems: ProblemsDep, publisher: PublisherDep) -> HealthOut:
    m = desk.snapshot.index.manifest  # the index answering now (the ask path's snapshot), not the one at start
    return HealthOut(status="ok", model=m.model_id, index_build=m.build_id, entries=m.entry_count,
                     vectors=m.vector_count, skipped_entries=len(problems),
                     published_version=publisher.served_version, version=__version__)
