"""HTTP routes of the ticket queue (an APIRouter that api.create_app includes), and the hook that keeps the
bot silent on a conversation a counselor has.

Who may call what (tests/test_ticket_auth.py walks this whole matrix):
  POST /v1/handoff                       anyone (the migrant's chat client); returns the migrant's token
  GET  /v1/tickets/{id}, .../messages    the ticket's migrant token (migrant view), counselor, admin
  POST /v1/tickets/{id}/messages         the ticket's migrant token, or the counselor holding it, or an admin
  GET  /v1/tickets, claim-next, notes, kb-suggestions, events, PATCH, status, release, kb-answer
                                         counselor, admin (changing a held ticket: its holder or an admin)
  POST /v1/tickets/{id}/assign, GET /v1/users, POST /v1/users/{name}/release     admin
  GET  /v1/me                            counselor, editor, admin
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from .. import auth
from ..db import Store
from ..deps import DeskDep, LimitsDep, OutcomesDep, StoreDep, TicketsDep
from ..limits import client_key
from ..openapi_errors import raises
from ..validation import MAX_DB_ID, PathId
from ..auth import Principal, User, current_principal, require_role
from ..clock import iso
from ..editorial import gaps
from ..languages import SUPPORTED_LANGUAGES, choose_language
from ..messages import message
from ..service import AskResult, DeskService, pick_variant
from ..users import ADMIN, ROLES, TICKET_ROLES
from .models import (
    STATUSES,
    AssignIn,
    CounselorTicketOut,
    EventOut,
    HandoffIn,
    HandoffOut,
    KbAnswerIn,
    KbSuggestionOut,
    MessageIn,
    MessagesOut,
    MigrantTicketOut,
    StatusIn,
    TicketOut,
    TicketPatchIn,
    UserOut,
)
from .errors import ErrorCode, TicketError
from .service import TicketService
from .views import AnswerCard, counselor_message_out, event_out, migrant_message_out, migrant_status_message, ticket_out

# A long-poll also re-reads the database this often: a backstop. Writes by other processes (another replica, the
# CLI) wake it through replicas.py within MIGRANT_DESK_REPLICA_POLL_SECONDS; this process's wake it at once.
RECHECK_SECONDS = 2.0
MAX_SUGGESTIONS = 3

router = APIRouter(tags=["tickets"])
Staff = Annotated[User, Depends(require_role(*TICKET_ROLES))]
Admin = Annotated[User, Depends(require_role(ADMIN))]
AnyStaff = Annotated[User, Depends(require_role(*ROLES))]


@raises(401, 403, 404)
def ticket_reader(ticket_id: PathId, request: Request, store: StoreDep) -> Principal:
    """The ticket's own migrant, or a counselor/admin; 401/403 otherwise. The token is checked here, after the
    ticket id is validated (an id that cannot exist is a 422 whoever asks), not in a sub-dependency."""
    principal = current_principal(request, store)
    if principal.user is None:
        if principal.ticket_id != ticket_id:
            raise TicketError(ErrorCode.FORBIDDEN, "This token opens only its own ticket.")
    elif principal.user.role not in TICKET_ROLES:
        raise TicketError(ErrorCode.FORBIDDEN, f"This needs the role counselor or admin, or the ticket's own token; "
                                               f"the token is a {principal.user.role} token.")
    return principal


Reader = Annotated[Principal, Depends(ticket_reader)]


# --- the bot's silence ----------------------------------------------------------------------------------------

def silenced_answer(service: TicketService, threshold: float, text: str, lang: str | None,
                    conversation_id: str | None) -> AskResult | None:
    """For /v1/ask: when a counselor has this conversation, the bot does not answer. The migrant's text goes to
    the ticket (so nothing they write is lost) and the reply says, in their language, that a counselor has the
    case. None when the conversation has no active ticket."""
    if not conversation_id:
        return None
    ticket = service.active_ticket(conversation_id)
    if ticket is None:
        return None
    written_in = choose_language(text, lang, ticket["lang"]).lang
    service.add_migrant_message(ticket["id"], text, written_in, origin="ask")
    reply_lang = lang or ticket["lang"]
    return AskResult(lang=reply_lang, lang_reason="declared" if lang else "handoff", answered=False,
                     confidence="low", score=0.0, confidence_value=0.0,
                     threshold=round(threshold, 4),
                     message=message("counselor_has_case", reply_lang), offer_counselor=False, alternatives=[],
                     conversation_id=conversation_id)


# --- handoff and the migrant's side -----------------------------------------------------------------------------

# A question, not a letter: the gap report groups questions, and embedding a 4,000-character turn took 0.36 s of
# the handoff (issue 12); the first 500 characters say what it is about.
GAP_QUESTION_CHARS = 500


def log_handoff_for_gaps(desk: DeskService, store: Store, body: HandoffIn) -> None:
    """The migrant's last question before a handoff goes to the editors' content-gap report. Run after the
    response is sent (a background task): the migrant waits for their ticket, not for the report."""
    question = next((t for t in reversed(body.transcript) if t.role == "migrant"), None)
    if question is None:
        return
    text = question.text[:GAP_QUESTION_CHARS]
    try:
        vector = desk.embedder.embed([text], "query")[0]
        gaps.log_question(store.db, text, question.lang or body.lang, "handoff", vector)
    except Exception:  # noqa: BLE001 - the handoff matters more than the report
        logging.getLogger(__name__).exception("could not log the handoff question for the content-gap report")


@router.post("/v1/handoff", response_model=HandoffOut, status_code=201, responses={429: {}})
def handoff(body: HandoffIn, request: Request, response: Response, background: BackgroundTasks,
            service: TicketsDep, desk: DeskDep, store: StoreDep, limits: LimitsDep, outcomes: OutcomesDep,
            idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> HandoffOut:
    limits.handoff.check(client_key(request), "handoffs")
    ticket, token, replayed = service.handoff(body, idempotency_key)
    if not replayed:
        outcomes.add(body.lang, body.category, "handed_off")
    if replayed:
        response.status_code = 200
    else:
        background.add_task(log_handoff_for_gaps, desk, store, body)
    return HandoffOut(ticket_id=ticket["id"], access_token=token, status=ticket["status"],
                      message=message("handoff_created", ticket["lang"], ticket_id=str(ticket["id"])),
                      replayed=replayed)


def _view(service: TicketService, ticket_id: PathId, principal: Principal, card: AnswerCard | None = None):
    ticket = service.get(ticket_id)
    if principal.user is None:
        rows = service.tickets.messages(ticket_id, include_internal=False)
        return MigrantTicketOut(id=ticket["id"], status=ticket["status"], lang=ticket["lang"],
                                status_message=migrant_status_message(ticket, service.settings),
                                messages=[migrant_message_out(r, ticket["lang"], card) for r in rows])
    names = service.tickets.user_names()
    base = ticket_out(ticket, names, service.tickets.spoken_languages(), service.now())
    rows = service.tickets.messages(ticket_id)
    return CounselorTicketOut(**base.model_dump(), messages=[counselor_message_out(r, names) for r in rows])


@router.get("/v1/tickets/{ticket_id}", response_model=CounselorTicketOut | MigrantTicketOut)
def get_ticket(ticket_id: PathId, principal: Reader, service: TicketsDep, desk: DeskDep):
    return _view(service, ticket_id, principal, desk.answer_card_of)


@router.get("/v1/tickets/{ticket_id}/messages", response_model=MessagesOut, responses={429: {}})
async def wait_for_messages(ticket_id: PathId, request: Request, principal: Reader, service: TicketsDep,
                            desk: DeskDep, limits: LimitsDep,
                            after: int = Query(0, ge=0, le=MAX_DB_ID, description="the last message id you have"),
                            wait: int = Query(0, ge=0, description="seconds to wait for a new message"),
                            status: str | None = Query(None, description="the ticket status you last saw; a "
                                                                          "change answers at once too")):
    """Long-poll: answers at once when there are messages after `after` (or the status differs from `status`);
    otherwise waits up to `wait` seconds (capped by MIGRANT_DESK_TICKETS_LONG_POLL_MAX_SECONDS) and answers as
    soon as one arrives or the status changes."""
    card = desk.answer_card_of
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, service.settings.long_poll_max_seconds)

    def load() -> MessagesOut:
        # Messages first, then the ticket: a reply and its status change commit together, so the status read
        # second is never older than the messages (read the other way round, a reply could come with the
        # status from before it).
        rows = service.tickets.messages(ticket_id, after, include_internal=principal.user is not None)
        ticket = service.get(ticket_id)
        if principal.user is None:
            out = [migrant_message_out(r, ticket["lang"], card) for r in rows]
        else:
            names = service.tickets.user_names()
            out = [counselor_message_out(r, names) for r in rows]
        return MessagesOut(messages=out, last_id=rows[-1]["id"] if rows else after, status=ticket["status"])

    waiter = f"user:{principal.user.id}" if principal.user is not None else f"ticket:{ticket_id}"
    with limits.long_polls.hold(waiter) if wait > 0 else contextlib.nullcontext(), \
            service.notifier.listen(ticket_id) as written:
        while True:
            written.clear()
            result = await run_in_threadpool(load)
            remaining = deadline - loop.time()
            status_changed = status is not None and result.status != status
            if result.messages or status_changed or remaining <= 0 or await request.is_disconnected():
                return result
            try:
                await asyncio.wait_for(written.wait(), min(RECHECK_SECONDS, remaining))
            except asyncio.TimeoutError:
                pass


@router.post("/v1/tickets/{ticket_id}/messages", response_model=CounselorTicketOut | MigrantTicketOut)
def post_message(ticket_id: PathId, body: MessageIn, principal: Reader, service: TicketsDep, desk: DeskDep):
    if principal.user is None:
        service.add_migrant_message(ticket_id, body.text, body.lang)
    else:
        service.add_counselor_message(ticket_id, principal.user, body.text, body.lang)
    return _view(service, ticket_id, principal, desk.answer_card_of)


# --- counselors -------------------------------------------------------------------------------------------------

def _statuses(values: list[str] | None) -> list[str] | None:
    unknown = [v for v in values or [] if v not in STATUSES]
    if unknown:
        raise TicketError(ErrorCode.INVALID_REQUEST, f"Field 'status': unknown status {', '.join(unknown)}; use one of "
                                                     f"{', '.join(STATUSES)}.")
    return values or None


@router.get("/v1/tickets", response_model=list[TicketOut])
def list_tickets(user: Staff, service: TicketsDep,
                 status: list[str] | None = Query(None, description="repeat for several"),
                 lang: str | None = None, team: str | None = None, category: str | None = None,
                 assigned_to: str | None = Query(None, description="a user name, or 'me'"),
                 overdue: bool | None = None, limit: int = Query(100, ge=1, le=500),
                 offset: int = Query(0, ge=0, le=MAX_DB_ID)) -> list[TicketOut]:
    service.close_expired()
    if lang is not None and lang not in SUPPORTED_LANGUAGES:
        raise TicketError(ErrorCode.UNKNOWN_LANGUAGE, f"Unknown language code '{lang}'.")
    holder = None
    if assigned_to is not None:
        found = user if assigned_to == "me" else auth.find_user(service.tickets.db, assigned_to)
        if found is None:
            raise TicketError(ErrorCode.UNKNOWN_USER, f"Field 'assigned_to': no user named '{assigned_to}'.")
        holder = found.id
    now = service.now()
    rows = service.tickets.list(iso(now), _statuses(status), lang, team, category, holder, overdue, limit, offset)
    names, spoken = service.tickets.user_names(), service.tickets.spoken_languages()
    return [ticket_out(r, names, spoken, now) for r in rows]


@router.post("/v1/tickets/claim-next", response_model=CounselorTicketOut,
             responses={204: {"description": "the queue has nothing for you"}})
def claim_next(user: Staff, service: TicketsDep):
    ticket = service.claim_next(user)
    if ticket is None:
        return Response(status_code=204)
    return _view(service, ticket["id"], Principal(user=user))


@router.post("/v1/tickets/{ticket_id}/notes", response_model=CounselorTicketOut)
def add_note(ticket_id: PathId, body: MessageIn, user: Staff, service: TicketsDep):
    service.add_counselor_message(ticket_id, user, body.text, body.lang, internal=True)
    return _view(service, ticket_id, Principal(user=user))


@router.post("/v1/tickets/{ticket_id}/kb-answer", response_model=CounselorTicketOut)
def insert_kb_answer(ticket_id: PathId, body: KbAnswerIn, user: Staff, service: TicketsDep, desk: DeskDep):
    """Replies with a knowledge-base answer in the migrant's language (the human-written variant when there is
    one; otherwise the nearest variant, translated like any reply), with its source and contact."""
    ticket = service.get(ticket_id)
    entry = desk.entries.get(body.entry_id)
    if entry is None:
        raise TicketError(ErrorCode.ENTRY_NOT_FOUND, f"No entry with id '{body.entry_id}'.")
    text, lang = service.kb_answer_text(entry, ticket["lang"])
    service.add_counselor_message(ticket_id, user, text, lang, kb_entry_id=entry.id)
    return _view(service, ticket_id, Principal(user=user))


@router.get("/v1/tickets/{ticket_id}/kb-suggestions", response_model=list[KbSuggestionOut])
def kb_suggestions(ticket_id: PathId, user: Staff, service: TicketsDep, desk: DeskDep) -> list[KbSuggestionOut]:
    """Knowledge-base entries nearest the migrant's latest message, with questions in the counselor's language."""
    ticket = service.get(ticket_id)
    said = [m for m in service.tickets.messages(ticket_id, include_internal=False) if m["author_kind"] == "migrant"]
    if not said:
        return []
    snapshot = desk.snapshot  # one snapshot for the ranking and the entries it names, even if a publish lands
    ranking = desk.rank(said[-1]["body"], said[-1]["lang"], snapshot)
    reader_lang = user.languages[0] if user.languages else ticket["lang"]
    out = []
    for hit in [h for h in ranking.hits if h.entry_id in snapshot.entries][:MAX_SUGGESTIONS]:
        code, variant = pick_variant(snapshot.entries[hit.entry_id], reader_lang)
        question = variant.question or (variant.alternates[0] if variant.alternates else variant.answer[:120])
        out.append(KbSuggestionOut(entry_id=hit.entry_id, question=question, question_lang=code,
                                   score=round(hit.score, 4)))
    return out


@router.post("/v1/tickets/{ticket_id}/status", response_model=CounselorTicketOut)
def set_status(ticket_id: PathId, body: StatusIn, user: Staff, service: TicketsDep):
    service.set_status(ticket_id, body.status, user)
    return _view(service, ticket_id, Principal(user=user))


@router.patch("/v1/tickets/{ticket_id}", response_model=CounselorTicketOut)
def patch_ticket(ticket_id: PathId, body: TicketPatchIn, user: Staff, service: TicketsDep):
    service.patch(ticket_id, body.model_dump(), user)
    return _view(service, ticket_id, Principal(user=user))


@router.post("/v1/tickets/{ticket_id}/claim", response_model=CounselorTicketOut)
def claim(ticket_id: PathId, user: Staff, service: TicketsDep):
    """Take this ticket from the queue (the console's "Claim this ticket"); 409 if someone was faster."""
    service.claim(ticket_id, user)
    return _view(service, ticket_id, Principal(user=user))


@router.post("/v1/tickets/{ticket_id}/release", response_model=CounselorTicketOut)
def release(ticket_id: PathId, user: Staff, service: TicketsDep):
    service.release(ticket_id, user)
    return _view(service, ticket_id, Principal(user=user))


@router.get("/v1/tickets/{ticket_id}/events", response_model=list[EventOut])
def events(ticket_id: PathId, user: Staff, service: TicketsDep) -> list[EventOut]:
    service.get(ticket_id)
    names = service.tickets.user_names()
    return [event_out(r, names) for r in service.tickets.events(ticket_id)]


# --- admins and everyone on staff -------------------------------------------------------------------------------

@router.post("/v1/tickets/{ticket_id}/assign", response_model=CounselorTicketOut)
def assign(ticket_id: PathId, body: AssignIn, user: Admin, service: TicketsDep):
    counselor = auth.find_user(service.tickets.db, body.counselor)
    if counselor is None:
        raise TicketError(ErrorCode.UNKNOWN_USER, f"Field 'counselor': no user named '{body.counselor}'.")
    service.assign(ticket_id, counselor, user)
    return _view(service, ticket_id, Principal(user=user))


def _user_out(person: User, held: int | None = None) -> UserOut:
    return UserOut(id=person.id, name=person.name, role=person.role, languages=list(person.languages),
                   teams=list(person.teams), capacity=person.capacity, active=person.active, open_tickets=held)


@router.get("/v1/users", response_model=list[UserOut])
def list_users(user: Admin, service: TicketsDep) -> list[UserOut]:
    return [_user_out(p, service.tickets.held_count(p.id)) for p in auth.list_users(service.tickets.db)]


@router.post("/v1/users/{name}/release", response_model=list[int])
def release_all(name: str, user: Admin, service: TicketsDep) -> list[int]:
    """A counselor went away: every ticket they hold goes back to the queue. Returns the ticket ids."""
    person = auth.find_user(service.tickets.db, name)
    if person is None:
        raise TicketError(ErrorCode.USER_NOT_FOUND, f"No user named '{name}'.")
    return service.release_all(person.id, f"user:{user.id}")


@router.get("/v1/me", response_model=UserOut)
def me(user: AnyStaff, service: TicketsDep) -> UserOut:
    return _user_out(user, service.tickets.held_count(user.id))
