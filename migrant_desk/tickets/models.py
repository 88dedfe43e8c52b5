"""Pydantic models at the ticket API's boundary, and the names of statuses, priorities and roles."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from ..languages import SUPPORTED_LANGUAGES
from ..service import AnswerOut
from ..users import Role
from ..validation import CleanText

STATUSES: tuple[str, ...] = ("new", "assigned", "waiting_on_migrant", "open", "resolved", "closed")
Status = Literal[STATUSES]  # type: ignore[valid-type]  (built from the tuple, so the names are written once)
NEW, ASSIGNED, WAITING_ON_MIGRANT, OPEN, RESOLVED, CLOSED = STATUSES
# A ticket in one of these still belongs to a human: the bot stays silent for its conversation.
ACTIVE_STATUSES: tuple[str, ...] = (NEW, ASSIGNED, WAITING_ON_MIGRANT, OPEN)
# Statuses in which a counselor holds the ticket (they count against the counselor's capacity).
HELD_STATUSES: tuple[str, ...] = (ASSIGNED, WAITING_ON_MIGRANT, OPEN)

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]

AuthorKind = Literal["migrant", "bot", "counselor", "system"]
# What became of a message's translation. "not_needed": written in the reader's language already;
# "unavailable": no translation backend/model for the pair; "rejected": translated, but the gate found it unreliable.
TranslationStatus = Literal["machine", "not_needed", "unavailable", "rejected"]

MAX_MESSAGE_CHARS = 4000
MAX_TRANSCRIPT_TURNS = 50


def _check_lang(v: str) -> str:
    if v not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unknown language code '{v}'; supported: {', '.join(SUPPORTED_LANGUAGES)}")
    return v


LangCode = Annotated[str, AfterValidator(_check_lang)]


class TranscriptTurn(BaseModel):
    """One turn of the conversation with the bot, as the chat client saw it."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["migrant", "bot"]
    text: CleanText = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    lang: LangCode | None = Field(None, description="defaults to the handoff's language")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    preferred: Literal["chat", "phone", "email"] = "chat"


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: str = Field(min_length=1, max_length=128)
    lang: LangCode = Field(description="the migrant's language (ISO 639-1)")
    transcript: list[TranscriptTurn] = Field(default_factory=list, max_length=MAX_TRANSCRIPT_TURNS)
    category: str | None = Field(None, max_length=64)
    team: str | None = Field(None, max_length=64)
    contact: ContactIn | None = None
    consent: StrictBool = Field(description="the migrant agreed that a counselor may see this conversation and contact "
                                      "them (message key consent_contact); a handoff without it is refused")


class HandoffOut(BaseModel):
    ticket_id: int
    access_token: str = Field(description="the migrant's secret for this ticket only; shown once per handoff")
    status: Status
    message: str = Field(description="localized confirmation for the migrant")
    replayed: bool = Field(False, description="true when an Idempotency-Key retry returned the existing ticket")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: CleanText = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    lang: LangCode | None = Field(None, description="the writer's language; default: the migrant's ticket language for "
                                               "a migrant, the counselor's first language for a counselor")


class KbAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entry_id: str = Field(min_length=1, max_length=64)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status


class TicketPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: Priority | None = None
    category: str | None = Field(None, max_length=64)
    team: str | None = Field(None, max_length=64)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counselor: str = Field(min_length=1, max_length=100, description="the user name of the counselor")


class TranslationOut(BaseModel):
    text: str | None
    lang: str
    status: TranslationStatus
    score: float | None = None
    reason: str | None = None


class CounselorMessageOut(BaseModel):
    """A message as counselors see it: the original and the translation side by side."""

    id: int
    author: AuthorKind
    author_name: str | None = None
    internal: bool = Field(description="an internal note, never shown to the migrant")
    origin: Literal["transcript", "ticket", "ask", "kb"]
    text: str = Field(description="the original, as written")
    lang: str
    translation: TranslationOut | None = None
    kb_entry_id: str | None = None
    created_at: str


class MigrantMessageOut(BaseModel):
    """A message as the migrant sees it: in their language where a reliable translation exists; the original
    is always there too."""

    id: int
    author: AuthorKind
    origin: str = Field("ticket", description="transcript: said before the handoff (the chat page has it) | "
                                              "ticket | kb: a knowledge-base answer")
    text: str = Field(description="what to show: the translation into the migrant's language, or the original")
    lang: str
    original_text: str
    original_lang: str
    translated: bool
    notice: str | None = Field(None, description="localized: machine-translated / no translation / unreliable")
    created_at: str
    answer: AnswerOut | None = Field(None, description="a knowledge-base answer the counselor sent: shown as the "
                                                       "chat shows answers (source, contact, links)")
    answer_notice: str | None = Field(None, description="goes before `answer`: another language, expired fact")


class TicketOut(BaseModel):
    id: int
    conversation_id: str
    status: Status
    lang: str
    language_covered: bool = Field(description="false: no active counselor speaks the language (flagged)")
    priority: Priority
    category: str | None
    team: str | None
    assigned_to: str | None
    contact: ContactIn | None
    created_at: str
    updated_at: str
    first_response_at: str | None
    first_response_due: str
    resolution_due: str
    sla_paused: bool
    overdue: bool
    resolved_at: str | None
    closed_at: str | None
    next_statuses: list[Status] = Field(default_factory=list, description="what POST .../status may set now "
                                        "(release is POST .../release; a queued ticket is claimed first)")


class CounselorTicketOut(TicketOut):
    messages: list[CounselorMessageOut]


class MigrantTicketOut(BaseModel):
    id: int
    status: Status
    lang: str
    status_message: str = Field(description="localized sentence about where the case stands")
    messages: list[MigrantMessageOut]


class MessagesOut(BaseModel):
    """Long-poll answer: the messages after `after`, and the id to pass next time."""

    messages: list[CounselorMessageOut] | list[MigrantMessageOut]
    last_id: int
    status: Status


class EventOut(BaseModel):
    id: int
    ticket_id: int
    at: str
    actor: str
    action: str
    from_value: str | None
    to_value: str | None


class KbSuggestionOut(BaseModel):
    entry_id: str
    question: str
    question_lang: str
    score: float


class UserOut(BaseModel):
    id: int
    name: str
    role: Role
    languages: list[str]
    teams: list[str]
    capacity: int
    active: bool
    open_tickets: int | None = None
