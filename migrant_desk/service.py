"""The ask path: language → embedding → index → confidence gate → the answer in the asker's language.

/v1/ask, `migrant-desk ask` and `migrant-desk eval` all go through `DeskService.rank`, so what eval measures
is what users get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from .abstention import Band, Calibration, Decision, decide
from .embedding.embedder import Embedder
from .index import EntryHit, EntryIndex
from .knowledge_base import Entry, Variant, normalise_text
from .languages import LanguageChoice, choose_language
from .messages import language_name, message

MAX_ALTERNATIVES = 4
# When the asker's language has no human-written variant: English, then Korean (both always exist).
FALLBACK_ORDER = ("en", "ko")


class SourceOut(BaseModel):
    title: str
    url: str


class ContactOut(BaseModel):
    agency: str
    phone: str | None = None
    url: str | None = None


class AnswerOut(BaseModel):
    id: str
    category: str
    question: str
    answer: str
    answer_lang: str = Field(description="language of question/answer; differs from `lang` when no variant exists")
    translation: Literal["human"] = "human"
    updated: str
    source: SourceOut
    contact: ContactOut | None = None


class AlternativeOut(BaseModel):
    id: str
    question: str
    question_lang: str
    score: float


class AskResult(BaseModel):
    lang: str = Field(description="the language used for the reply")
    lang_reason: str = Field(description="declared | detected | fallback-short | fallback-uncertain")
    detected_lang: str | None = None
    answered: bool
    confidence: Band
    score: float = Field(description="top entry score (language-centred cosine fusion, see index.py)")
    confidence_value: float = Field(description="estimated probability that the top entry is right")
    threshold: float = Field(description="the probability at which the service answers")
    answer: AnswerOut | None = None
    notice: str | None = Field(None, description="localized notice, e.g. the answer is in another language")
    message: str | None = Field(None, description="localized message when not answered")
    offer_counselor: bool
    alternatives: list[AlternativeOut]
    conversation_id: str | None = None


@dataclass(frozen=True)
class Ranking:
    choice: LanguageChoice
    hits: list[EntryHit]  # every entry, best first
    decision: Decision


def pick_variant(entry: Entry, lang: str) -> tuple[str, Variant]:
    if lang in entry.translations:
        return lang, entry.translations[lang]
    for code in FALLBACK_ORDER:
        if code in entry.translations:
            return code, entry.translations[code]
    code = next(iter(entry.translations))
    return code, entry.translations[code]


def _question_of(entry: Entry, lang: str) -> tuple[str, str]:
    code, variant = pick_variant(entry, lang)
    return code, variant.question or (variant.alternates[0] if variant.alternates else variant.answer[:120])


class DeskService:
    def __init__(self, entries: list[Entry], index: EntryIndex, embedder: Embedder, calibration: Calibration,
                 default_lang: str = "ko"):
        self.entries = {e.id: e for e in entries}
        self.index = index
        self.embedder = embedder
        self.calibration = calibration
        self.default_lang = default_lang

    def rank(self, text: str, lang: str | None = None) -> Ranking:
        choice = choose_language(text, lang, self.default_lang)
        vector = self.embedder.embed([normalise_text(text)], "query")[0]
        hits = self.index.search(vector, k=len(self.entries) or 1)
        return Ranking(choice=choice, hits=hits, decision=decide(hits, self.calibration))

    def ask(self, text: str, lang: str | None = None, conversation_id: str | None = None) -> AskResult:
        ranking = self.rank(text, lang)
        reply_lang = ranking.choice.lang
        hits = [h for h in ranking.hits if h.entry_id in self.entries]
        decision = ranking.decision
        answered = decision.answered and bool(hits)
        answer = notice = msg = None
        alt_hits = hits[1 : 1 + MAX_ALTERNATIVES] if answered else hits[:MAX_ALTERNATIVES]
        if answered:
            entry = self.entries[hits[0].entry_id]
            answer_lang, variant = pick_variant(entry, reply_lang)
            answer = AnswerOut(
                id=entry.id, category=entry.category, question=_question_of(entry, reply_lang)[1],
                answer=variant.answer, answer_lang=answer_lang, updated=entry.updated.isoformat(),
                source=SourceOut(title=entry.source.title, url=str(entry.source.url)),
                contact=ContactOut(**entry.contact.model_dump(mode="json")) if entry.contact else None,
            )
            if answer_lang != reply_lang:
                notice = message("answer_in_other_language", reply_lang, language=language_name(reply_lang),
                                 answer_language=language_name(answer_lang))
        else:
            msg = message("not_confident", reply_lang)
        alternatives = []
        for h in alt_hits:
            q_lang, question = _question_of(self.entries[h.entry_id], reply_lang)
            alternatives.append(AlternativeOut(id=h.entry_id, question=question, question_lang=q_lang,
                                               score=round(h.score, 4)))
        return AskResult(
            lang=reply_lang, lang_reason=ranking.choice.reason, detected_lang=ranking.choice.detected,
            answered=answered, confidence=decision.band, score=round(hits[0].score, 4) if hits else 0.0,
            confidence_value=round(decision.value, 4), threshold=round(decision.threshold, 4),
            answer=answer, notice=notice, message=msg, offer_counselor=not answered,
            alternatives=alternatives, conversation_id=conversation_id,
        )
