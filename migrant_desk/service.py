"""The ask path: greeting? → language → embedding → dense + lexical retrieval → confidence gate (three bands)
→ the answer in the asker's language.

/v1/ask, `migrant-desk ask` and `migrant-desk eval` all go through `DeskService.rank`, so what eval measures
is what users get.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from . import contacts, greetings
from .abstention import Band, Calibration, Decision, decide
from .embedding.embedder import Embedder
from .index import EntryIndex
from .knowledge_base import Entry, Variant, normalise_text
from .languages import FALLBACK_ORDER, LanguageChoice, choose_language
from .messages import message
from .offices import OfficeDirectory, kind_for_phone, unverified_note
from .retrieval import Candidate, Retrieved, Retriever
from .translation.answers import AnswerTranslations, choose_answer

log = logging.getLogger(__name__)
MAX_ALTERNATIVES = 4
# A sensitive entry (crisis, violence) is offered as an alternative only when its fused score stands this many
# standard units above the candidates' mean: on the labelled set, no nonsense or off-topic question reaches it.
SENSITIVE_ALTERNATIVE_MIN = 2.5


class SourceOut(BaseModel):
    title: str
    url: str


class ContactOut(BaseModel):
    agency: str
    phone: str | None = None
    url: str | None = None
    hours: str | None = Field(None, description='machine-readable: "24h" or "mon-fri 09:00-18:00"')
    languages: list[str] = Field(default_factory=list, description="ISO 639 codes the line serves")
    address: str | None = None
    summary: str = Field("", description="phone · hours · languages, in the asker's language")


class OfficeOut(BaseModel):
    id: str
    kind: str = Field(description="immigration | labour | family-centre: follows the answer's contact line")
    name: str
    address: str | None = None
    phone: str | None = None
    hours: str | None = None
    region: str = Field(description="the district (or province) named in the question, in Korean")
    source: str = Field(description="where the office's jurisdiction is stated")
    checked: str = Field(description="the day the record was checked")
    verified: bool = Field(description="checked against the official jurisdiction table")
    note: str | None = Field(None, description="unverified: 'please confirm your office with 1345' (or 1350, "
                                                "1577-1366: the kind's line), localized")


class AnswerOut(BaseModel):
    id: str
    category: str
    question: str
    answer: str
    answer_lang: str = Field(description="language of question/answer; differs from `lang` when no variant exists")
    translation: Literal["human", "machine", "none"] = Field(
        "human", description="human: written in `lang` by a person; machine: machine-translated into `lang` "
                             "(original_* hold the source); none: shown in another language, see `notice`")
    source_lang: str | None = Field(None, description="machine: the language it was translated from")
    original_question: str | None = Field(None, description="machine: the question before translation")
    original_answer: str | None = Field(None, description="machine: the answer before translation")
    translation_status: Literal["machine", "reviewed"] | None = Field(
        None, description="machine: reviewed when an editor accepted the translation")
    translation_model: str | None = None
    translation_score: float | None = Field(None, description="machine: the translation gate's similarity")
    untranslated_reason: Literal["no_model", "not_translated_yet", "unreliable"] | None = Field(
        None, description="none: why no translation into `lang` is shown")
    native_reviewed: bool = Field(False, description="a native speaker has checked the shown text")
    provenance_notice: str | None = Field(
        None, description="human-written text not yet checked by a native speaker: a gentle localized note")
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
    lang_reason: str = Field(description="declared | detected | hint-short | hint-uncertain | fallback-short | "
                                         "fallback-uncertain | greeting")
    detected_lang: str | None = None
    kind: Literal["answer", "not_sure", "greeting", "thanks"] = Field(
        "answer", description="greeting/thanks: answered from the catalogue (`message`), not from the knowledge base")
    answered: bool
    confidence: Band = Field(description="high: the answer; medium: the answer framed as a guess (`framing`, "
                                         "`confirm`, yes/no to /v1/feedback); low: not sure (`message`)")
    framing: str | None = Field(None, description="medium: 'I think this is what you are asking about:'")
    confirm: str | None = Field(None, description="medium: the yes/no question to show under the answer")
    score: float = Field(description="top entry score (language-centred cosine fusion, see index.py)")
    confidence_value: float = Field(description="estimated probability that the top entry is right")
    threshold: float = Field(description="the probability at which the service answers")
    answer: AnswerOut | None = None
    notice: str | None = Field(None, description="localized notice, e.g. the answer is in another language")
    message: str | None = Field(None, description="localized message when not answered")
    offer_counselor: bool
    alternatives: list[AlternativeOut]
    office: OfficeOut | None = Field(None, description="the office for the place the question names, on answers "
                                                       "whose line is 1345 (immigration), 1350 (labour) or "
                                                       "1577-1366 (family centre)")
    conversation_id: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Entries and the indexes built from them; replaced as one object so a reader never sees a mix."""

    entries: dict[str, Entry]
    index: EntryIndex
    retriever: Retriever

    @cached_property
    def phones(self) -> list[str]:
        """The phone numbers these entries and the catalogue give: found once per snapshot (a scan of every
        answer took 34 ms, too much for each chat page), not at each render."""
        return contacts.phone_numbers(self.entries.values())

    @classmethod
    def of(cls, entries: list[Entry], index: EntryIndex, previous: Snapshot | None = None) -> "Snapshot":
        """With `previous` (the snapshot a publish replaces), the lexical index re-tokenizes only changed texts."""
        return cls({e.id: e for e in entries}, index,
                   Retriever(entries, index, previous.retriever if previous is not None else None))


@dataclass(frozen=True)
class Ranking:
    choice: LanguageChoice
    hits: list[Candidate]  # the candidate entries, best first
    decision: Decision
    vector: np.ndarray  # the query embedding (the content-gap report groups by it)
    retrieved: Retrieved


# (text, lang, outcome, query vector, top entry id, confidence): questions the service could not answer well
QuestionLog = Callable[[str, str, str, np.ndarray, str | None, float], None]


def _in_language(names: dict[str, str], lang: str) -> str:
    """An office record's name or address in the asker's language, else in the fallback order."""
    return next((names[code] for code in (lang, *FALLBACK_ORDER) if names.get(code)), names[FALLBACK_ORDER[-1]])


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
                 default_lang: str = "ko", question_log: QuestionLog | None = None,
                 translations: AnswerTranslations | None = None):
        self._snapshot = Snapshot.of(entries, index)
        self.embedder = embedder
        self.calibration = calibration
        self.default_lang = default_lang
        self.question_log = question_log
        self.translations = translations  # machine translations of entries (translation/answers.py)
        self.today: Callable[[], dt.date] = dt.date.today  # injected by tests: facts that expire
        self.offices: OfficeDirectory | None = None  # which office handles a district (offices.py)

    @property
    def entries(self) -> dict[str, Entry]:
        return self._snapshot.entries

    @property
    def index(self) -> EntryIndex:
        return self._snapshot.index

    @property
    def phones(self) -> list[str]:
        return self._snapshot.phones

    def replace(self, entries: list[Entry], index: EntryIndex) -> None:
        """Swap in newly published entries with their index (one assignment, atomic for readers)."""
        self._snapshot = Snapshot.of(entries, index, previous=self._snapshot)

    def answer_card(self, entry: Entry, lang: str) -> tuple[AnswerOut, str | None]:
        """An entry as shown to someone who reads `lang`, and the notice that goes before it (another language,
        a machine translation, an expired fact). The chat's answers and a counselor's inserted answers both."""
        shown = choose_answer(entry, lang, self.translations)  # human → machine → other language
        variant = entry.translations.get(shown.lang)
        reviewed = shown.translation == "machine" or (variant is not None and variant.native_reviewed)
        answer = AnswerOut(
            id=entry.id, category=entry.category, question=shown.question, answer=shown.answer,
            answer_lang=shown.lang, translation=shown.translation, source_lang=shown.source_lang,
            original_question=shown.original_question, original_answer=shown.original_answer,
            translation_status=shown.translation_status, translation_model=shown.translation_model,
            translation_score=shown.translation_score, untranslated_reason=shown.untranslated_reason,
            native_reviewed=reviewed, provenance_notice=None if reviewed else message("unreviewed_notice", lang),
            updated=entry.updated.isoformat(),
            source=SourceOut(title=entry.source.title, url=str(entry.source.url)),
            contact=(ContactOut(**entry.contact.model_dump(mode="json"), summary=contacts.summary(entry.contact, lang))
                     if entry.contact else None),
        )
        notice = shown.notice
        if entry.valid_until is not None and self.today() > entry.valid_until:
            expired = message("expired_notice", lang, date=entry.valid_until.isoformat(),
                              phone=(entry.contact.phone or entry.contact.agency) if entry.contact else "1345")
            notice = f"{expired} {notice}" if notice else expired
        return answer, notice

    def answer_card_of(self, entry_id: str, lang: str) -> tuple[AnswerOut, str | None] | None:
        """answer_card for a live entry by id; None when it is no longer published (tickets.views.AnswerCard)."""
        entry = self.entries.get(entry_id)
        return self.answer_card(entry, lang) if entry is not None else None

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def rank(self, text: str, lang: str | None = None, snapshot: Snapshot | None = None,
             lang_hint: str | None = None) -> Ranking:
        snapshot = snapshot or self._snapshot
        choice = choose_language(text, lang, self.default_lang, lang_hint)
        vector = self.embedder.embed([normalise_text(text)], "query")[0]
        retrieved = snapshot.retriever.retrieve(vector, text, choice.lang, self.calibration.fusion())
        return Ranking(choice=choice, hits=retrieved.candidates, decision=decide(retrieved, self.calibration),
                       vector=vector, retrieved=retrieved)

    def _greeting(self, text: str, lang: str | None, lang_hint: str | None,
                  conversation_id: str | None) -> AskResult | None:
        recognised = greetings.recognise(text)
        if recognised is None:
            return None
        kind, langs = recognised
        reply_lang = lang or (lang_hint if lang_hint in langs else langs[0])
        return AskResult(lang=reply_lang, lang_reason="declared" if lang else "greeting", kind=kind,
                         answered=False, confidence="high", score=0.0, confidence_value=1.0,
                         threshold=round(self.calibration.threshold, 4),
                         message=message(f"{kind}_reply", reply_lang), offer_counselor=False, alternatives=[],
                         conversation_id=conversation_id)

    def _log_unsure(self, text: str, ranking: Ranking, answered: bool) -> None:
        if self.question_log is None or (answered and ranking.decision.band == "high"):
            return
        top = ranking.hits[0].entry_id if ranking.hits else None
        try:
            self.question_log(text, ranking.choice.lang, "low_confidence" if answered else "abstained",
                              ranking.vector, top, ranking.decision.value)
        except Exception:  # noqa: BLE001 - the migrant's answer matters more than the editors' report
            log.exception("could not log an unanswered question for the content-gap report")

    def _office(self, text: str, entry: Entry, lang: str) -> OfficeOut | None:
        """The office for a place named in the question, of the kind the answer's line stands for (1345 →
        immigration, 1350 → labour, 1577-1366 → family centre: offices.CONFIRM_PHONE)."""
        kind = kind_for_phone(entry.contact.phone) if entry.contact else None
        if self.offices is None or kind is None:
            return None
        regions = self.offices.find_regions(text)
        if len(regions) != 1:
            return None  # none named, or a shared name (중구): the API can ask which city
        office = self.offices.office_for(regions[0], kind)
        if office is None:
            return None
        return OfficeOut(id=office.id, kind=kind, name=_in_language(office.name, lang),
                         address=_in_language(office.address, lang) if office.address else None,
                         phone=office.phone, hours=contacts.hours_text(office.hours, lang) if office.hours else None,
                         region=regions[0].district or regions[0].province, source=str(office.sources[0].url),
                         checked=office.checked, verified=office.verified,
                         note=None if office.verified else unverified_note(kind, lang))

    def ask(self, text: str, lang: str | None = None, conversation_id: str | None = None,
            lang_hint: str | None = None) -> AskResult:
        greeted = self._greeting(text, lang, lang_hint, conversation_id)
        if greeted is not None:
            return greeted
        snapshot = self._snapshot
        ranking = self.rank(text, lang, snapshot, lang_hint)
        reply_lang = ranking.choice.lang
        entries = snapshot.entries
        hits = [h for h in ranking.hits if h.entry_id in entries]
        decision = ranking.decision
        answered = decision.answered and bool(hits)
        self._log_unsure(text, ranking, answered)
        answer = notice = msg = framing = confirm = None
        alt_hits = [h for h in (hits[1:] if answered else hits)
                    if not entries[h.entry_id].sensitive or h.score >= SENSITIVE_ALTERNATIVE_MIN][:MAX_ALTERNATIVES]
        if answered:
            entry = entries[hits[0].entry_id]
            answer, notice = self.answer_card(entry, reply_lang)
            if decision.band == "medium":
                framing, confirm = message("medium_framing", reply_lang), message("confirm_question", reply_lang)
        else:
            msg = message("not_confident", reply_lang)
        alternatives = []
        for h in alt_hits:
            q_lang, question = _question_of(entries[h.entry_id], reply_lang)
            alternatives.append(AlternativeOut(id=h.entry_id, question=question, question_lang=q_lang,
                                               score=round(h.score, 4)))
        office = self._office(text, entries[hits[0].entry_id], reply_lang) if answered else None
        return AskResult(
            office=office,
            lang=reply_lang, lang_reason=ranking.choice.reason, detected_lang=ranking.choice.detected,
            kind="answer" if answered else "not_sure", answered=answered, confidence=decision.band,
            framing=framing, confirm=confirm, score=round(hits[0].score, 4) if hits else 0.0,
            confidence_value=round(decision.value, 4), threshold=round(decision.threshold, 4),
            answer=answer, notice=notice, message=msg, offer_counselor=not answered,
            alternatives=alternatives, conversation_id=conversation_id,
        )
