"""Which text of an entry a migrant gets, and what the response says about it (used by service.DeskService).

1. A human-written variant in the migrant's language: `translation="human"`.
2. Else a machine translation from the memory that an editor reviewed or that passed the gate:
   `translation="machine"`, with the source language and the original text, and the `machine_translated`
   notice.
3. Else the best human-written language (the migrant's → English → Korean) with `translation="none"` and a
   notice saying why: the gate rejected the machine translation (`translation_unreliable`), a model exists but
   this entry is not translated yet (`no_translation_available`), or no model covers the language
   (`answer_in_other_language`).

Only the memory is read here (a few indexed SQLite lookups): /v1/ask never waits for a model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from ..knowledge_base import Entry
from ..languages import FALLBACK_ORDER
from ..messages import language_name, message
from .memory import MemoryRow
from .translator import question_text, source_candidates

log = logging.getLogger(__name__)
Kind = Literal["human", "machine", "none"]
Untranslated = Literal["no_model", "not_translated_yet", "unreliable"]


class AnswerTranslations(Protocol):
    def best(self, text: str, source_lang: str, target_lang: str) -> MemoryRow | None: ...

    def languages_with_model(self) -> set[str]: ...


@dataclass(frozen=True)
class ShownAnswer:
    question: str
    answer: str
    lang: str
    translation: Kind
    notice: str | None = None
    source_lang: str | None = None  # machine: the language translated from
    original_question: str | None = None
    original_answer: str | None = None
    translation_status: Literal["machine", "reviewed"] | None = None
    translation_model: str | None = None
    translation_score: float | None = None
    untranslated_reason: Untranslated | None = None


def _fallback_lang(entry: Entry, lang: str) -> str:
    if lang in entry.translations:
        return lang
    return next((c for c in FALLBACK_ORDER if c in entry.translations), next(iter(entry.translations)))


def choose_answer(entry: Entry, lang: str, translations: AnswerTranslations | None) -> ShownAnswer:
    if lang in entry.translations:
        return ShownAnswer(question_text(entry, lang), entry.translations[lang].answer, lang, "human")
    rejected = found_any = False
    if translations is not None:
        for src in source_candidates(entry):
            question, answer = question_text(entry, src), entry.translations[src].answer
            try:
                q_row = translations.best(question, src, lang)
                a_row = translations.best(answer, src, lang)
            except Exception:  # noqa: BLE001 - e.g. the database is locked: answer without the translation
                log.exception("translation memory lookup failed; answering without machine translation")
                break
            if q_row is None or a_row is None:
                continue
            found_any = True
            if q_row.usable and a_row.usable:
                reviewed = q_row.status == a_row.status == "reviewed"
                scores = [s for s in (q_row.gate_score, a_row.gate_score) if s is not None]
                return ShownAnswer(
                    question=q_row.text, answer=a_row.text, lang=lang, translation="machine",
                    notice=message("machine_translated", lang, source_language=language_name(src, lang)),
                    source_lang=src, original_question=question, original_answer=answer,
                    translation_status="reviewed" if reviewed else "machine", translation_model=a_row.model_id,
                    translation_score=min(scores) if scores else None)
            rejected = True
    shown = _fallback_lang(entry, lang)
    values = {"language": language_name(lang), "answer_language": language_name(shown, lang)}
    if rejected:
        reason, notice = "unreliable", message("translation_unreliable", lang, **values)
    elif translations is not None and (found_any or lang in translations.languages_with_model()):
        reason, notice = "not_translated_yet", message("no_translation_available", lang, **values)
    else:
        reason, notice = "no_model", message("answer_in_other_language", lang, **values)
    return ShownAnswer(question_text(entry, shown), entry.translations[shown].answer, shown, "none",
                       notice=notice, untranslated_reason=reason)
