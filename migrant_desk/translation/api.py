"""POST /v1/translate (staff translate a message: original kept, gate verdict returned) and
GET /v1/translate/pairs (what the installed models can do).

Access is one FastAPI dependency passed to `translation_router(access=...)`. create_app passes the role check
of migrant_desk/auth.py (every staff role); a deployment or test can pass another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ..deps import SettingsDep, TranslationDep
from ..validation import CleanText, require_text
from ..errors import DomainError, ErrorCode
from ..languages import SUPPORTED_LANGUAGES, choose_language
from .translator import MessageTranslation, Translator


class TranslateIn(BaseModel):
    text: CleanText = Field(description="the message, as written")
    target_lang: str = Field(description="ISO 639-1 code of the reader's language")
    source_lang: str | None = Field(None, description="ISO 639-1 code; detected when omitted")


class TranslateOut(MessageTranslation):
    source_lang_reason: str = Field(description="declared | detected | fallback-short | fallback-uncertain")


class PairOut(BaseModel):
    source_lang: str
    target_lang: str
    path: list[str]
    model: str


def default_access() -> Callable[..., Any]:
    from ..auth import require_role
    from ..users import ROLES

    return require_role(*ROLES)


def available(translation: Translator | None) -> Translator:
    """The server's machine translation; 503 when it has none (checked in the handler, after the request's own
    validation, so an invalid request still gets its 4xx first)."""
    if translation is None:
        raise DomainError(ErrorCode.TRANSLATION_UNAVAILABLE, "Machine translation is not set up on this server.")
    return translation


def _check_lang(code: str, field: str) -> None:
    if code not in SUPPORTED_LANGUAGES:
        raise DomainError(ErrorCode.UNKNOWN_LANGUAGE,
                          f"Unknown language code '{code}' in '{field}'. Supported: {', '.join(SUPPORTED_LANGUAGES)}.")


def translation_router(access: Callable[..., Any] | None = None) -> APIRouter:
    router = APIRouter(tags=["translation"], dependencies=[Depends(access or default_access())])

    @router.post("/v1/translate", response_model=TranslateOut, responses={503: {}})
    def translate(body: TranslateIn, translation: TranslationDep, settings: SettingsDep) -> TranslateOut:
        translator = available(translation)
        require_text(body.text, settings.max_text_chars, "The text to translate is empty.", "The text")
        _check_lang(body.target_lang, "target_lang")
        if body.source_lang is not None:
            _check_lang(body.source_lang, "source_lang")
        choice = choose_language(body.text, body.source_lang, settings.default_lang)
        result = translator.translate_message(body.text, choice.lang, body.target_lang)
        return TranslateOut(**result.model_dump(), source_lang_reason=choice.reason)

    @router.get("/v1/translate/pairs", response_model=list[PairOut], responses={503: {}})
    def pairs(translation: TranslationDep) -> list[PairOut]:
        backend = available(translation).backend
        out = []
        for source, target in sorted(backend.reachable()):
            route = backend.route(source, target)
            if route is not None:
                out.append(PairOut(source_lang=source, target_lang=target, path=route.path, model=route.model_id))
        return out

    return router
