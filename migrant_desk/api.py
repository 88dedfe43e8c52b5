"""HTTP API (FastAPI). Thin: validates input, calls the service, shapes errors as {"code", "message"}."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

from . import __version__, http_errors, redaction
from .config import Settings
from .languages import SUPPORTED_LANGUAGES
from .offices import KIND_PATTERN, Office
from .limits import BodyLimitAndNoStore, Limits, client_key
from .metrics import Metrics, RequestMetrics
from .metrics import router as metrics_router
from .reports.api import router as reports_router
from .reports.counts import OutcomeCounter, outcome_of
from .validation import CleanText
from .runtime import Runtime, start
from . import openapi_errors
from .errors import DomainError, ErrorCode
from .service import AskResult
from .editorial.api import router as editor_router
from .editorial.offices_api import router as offices_editor_router
from .feedback import router as feedback_router
from .tickets.api import router as tickets_router
from .tickets.api import silenced_answer
from .translation.api import translation_router
from .web import router as web_router


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
    version: str


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """`runtime` lets tests share one loaded model; otherwise it is built at startup from `settings`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.runtime = runtime or start(settings or Settings())
        app.state.runtime.service.embedder.observe = app.state.metrics.observe_batch
        app.state.outcomes = OutcomeCounter(app.state.runtime.store)
        app.state.store = app.state.runtime.store  # one database handle for every router
        redaction.install()  # after uvicorn set up its log handlers
        yield
        app.state.outcomes.flush()  # counts of the last seconds before shutdown

    app = FastAPI(title="migrant-desk", version=__version__, lifespan=lifespan,
                  description="Answers migrants' questions from a multilingual knowledge base, or hands them "
                              "to a counselor.")

    http_errors.install(app)  # every refusal as {"code", "message"}, its status from one table

    limit_settings = runtime.settings if runtime is not None else (settings or Settings())
    app.add_middleware(BodyLimitAndNoStore, max_body_bytes=limit_settings.max_body_bytes)
    app.state.metrics = Metrics()
    app.state.metrics.add_state_collector(app)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics, json_lines=limit_settings.log_format == "json")
    app.state.limits = Limits(limit_settings.ask_per_minute, limit_settings.ask_burst, limit_settings.handoff_per_hour,
                              limit_settings.handoff_burst, limit_settings.long_polls_per_token,
                              limit_settings.long_polls_total)

    def rt(request: Request) -> Runtime:
        return request.app.state.runtime

    @app.post("/v1/ask", response_model=AskResult, responses={429: {}})
    def ask(body: AskIn, request: Request) -> AskResult:
        runtime = rt(request)
        limit = runtime.settings.max_text_chars
        if not body.text.strip():
            raise DomainError(ErrorCode.EMPTY_TEXT, "The question text is empty.")
        if len(body.text) > limit:
            raise DomainError(ErrorCode.TEXT_TOO_LONG, f"The question is {len(body.text)} characters; the limit is {limit}.")
        for code in (body.lang, body.lang_hint):
            if code is not None and code not in SUPPORTED_LANGUAGES:
                raise DomainError(ErrorCode.UNKNOWN_LANGUAGE,
                               f"Unknown language code '{code}'. Supported: {', '.join(SUPPORTED_LANGUAGES)}.")
        request.app.state.limits.ask.check(client_key(request), "questions")
        held = silenced_answer(request, body.text, body.lang, body.conversation_id)  # a counselor has the case
        if held is not None:
            return held
        result = runtime.service.ask(body.text, body.lang, body.conversation_id, lang_hint=body.lang_hint)
        request.app.state.metrics.asks.labels(result.lang, result.confidence, result.kind).inc()
        request.app.state.outcomes.add(result.lang, result.answer.category if result.answer else None,
                                       outcome_of(result.kind, result.confidence),
                                       result.answer.id if result.answer else None)
        request.state.log_extra = {"lang": result.lang, "outcome": result.kind, "band": result.confidence}
        return result

    @app.get("/v1/languages", response_model=list[LanguageOut])
    def languages(request: Request) -> list[LanguageOut]:
        entries = rt(request).service.entries.values()  # the live snapshot: publishes and restarts included
        return [LanguageOut(code=c, name=n, entries=sum(c in e.translations for e in entries))
                for c, n in SUPPORTED_LANGUAGES.items()]

    @app.get("/v1/entries/{entry_id}")
    def entry(entry_id: str, request: Request) -> dict:
        found = rt(request).service.entries.get(entry_id)
        if found is None:
            raise DomainError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{entry_id}'.")
        return found.dump()

    @app.get("/v1/offices", response_model=OfficeAnswer, responses={404: {}, 409: {}})
    def office(request: Request, region: str = Query(min_length=1, max_length=100),
               kind: str = Query("immigration", pattern=KIND_PATTERN),
               lang: str = Query("ko", max_length=8)) -> OfficeAnswer:
        """The office of `kind` that handles `region` (a district or province name in any of the 15 languages)."""
        directory = rt(request).service.offices
        matches = directory.find_regions(region) if directory else []
        if not matches:
            raise DomainError(ErrorCode.REGION_NOT_FOUND, f"No district or province called '{region}' is known.")
        if len(matches) > 1:
            names = ", ".join(f"{m.province} {m.district or ''}".strip() for m in matches)
            raise DomainError(ErrorCode.REGION_AMBIGUOUS, f"'{region}' names several places ({names}); add the city.")
        found = directory.office_for(matches[0], kind)
        if found is None:
            raise DomainError(ErrorCode.OFFICE_NOT_FOUND, f"No {kind} office on record covers {matches[0].district or matches[0].province}.")
        return OfficeAnswer(province=matches[0].province, district=matches[0].district, office=found)

    @app.get("/healthz", response_model=HealthOut)
    def healthz(request: Request) -> HealthOut:
        runtime = rt(request)
        m = runtime.service.index.manifest  # the index answering now, not the one loaded at start
        return HealthOut(status="ok", model=m.model_id, index_build=m.build_id, entries=m.entry_count,
                         vectors=m.vector_count, skipped_entries=len(runtime.problems), version=__version__)

    app.include_router(metrics_router)
    app.include_router(reports_router)
    app.include_router(feedback_router)
    app.include_router(tickets_router)
    app.include_router(editor_router)
    app.include_router(offices_editor_router)  # /v1/editor/offices
    app.include_router(translation_router())  # POST /v1/translate (staff roles, see translation/api.py)
    app.include_router(web_router)  # the chat page (/), /console and /editor (see docs/web.md)
    openapi_errors.document(app)
    return app
