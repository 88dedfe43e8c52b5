"""A migrant hands the conversation to a counselor: consent, at most one active ticket per conversation, the
bot transcript translated for the staff, and a retry with the same Idempotency-Key answered with the same
ticket and token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from ... import users
from ...clock import iso
from .. import sla
from ..errors import ErrorCode, TicketError
from ..models import NEW, HandoffIn
from ..translate import translate_for
from .messages import insert_message

if TYPE_CHECKING:
    from ..service import TicketService

MIN_IDEMPOTENCY_KEY = 16
MAX_IDEMPOTENCY_KEY = 200


def handoff(desk: TicketService, request: HandoffIn, idempotency_key: str | None = None) -> tuple[dict, str, bool]:
    """Creates the ticket with the bot transcript; returns (ticket, the migrant's token, replayed). With an
    Idempotency-Key, a retry of the same request returns the same ticket and the same token."""
    if not request.consent:
        raise TicketError(ErrorCode.CONSENT_REQUIRED, "The migrant has not consented (consent must be true): a "
                                                      "counselor sees the conversation, so a handoff needs it.")
    key_hash = request_hash = None
    if idempotency_key is not None:
        if not MIN_IDEMPOTENCY_KEY <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise TicketError(ErrorCode.INVALID_IDEMPOTENCY_KEY,
                              f"The Idempotency-Key header must be {MIN_IDEMPOTENCY_KEY}-{MAX_IDEMPOTENCY_KEY} "
                              "characters; send a random UUID.")
        key_hash = hashlib.sha256(idempotency_key.encode()).hexdigest()
        request_hash = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        replay = _replay(desk, key_hash, request_hash, idempotency_key)
        if replay is not None:
            return replay
    if request.team is not None and not desk.tickets.team_exists(request.team):
        raise TicketError(ErrorCode.UNKNOWN_TEAM, f"Field 'team': no team named '{request.team}'.")
    _refuse_second_ticket(desk, request.conversation_id)

    staff_lang = desk.settings.staff_lang
    turns = [(turn, turn.lang or request.lang) for turn in request.transcript]
    translations = [translate_for(desk.translator, t.text, lang, staff_lang) for t, lang in turns]
    now = desk.now()
    salt = secrets.token_hex(16)
    token = token_from_key(salt, idempotency_key) if idempotency_key else users.new_token(users.MIGRANT_TOKEN_PREFIX)
    first_due, resolution_due = sla.due_times(now, "normal", 0, desk.settings)
    with desk.tickets.transaction() as d:
        if key_hash is not None:  # a concurrent retry may have won the race while we translated
            replay = _replay(desk, key_hash, request_hash, idempotency_key, d)
            if replay is not None:
                return replay
        _refuse_second_ticket(desk, request.conversation_id, d)
        ticket_id = desk.tickets.insert(d, "tickets", {
            "conversation_id": request.conversation_id, "status": NEW, "lang": request.lang,
            "priority": "normal", "category": request.category, "team": request.team,
            "contact": request.contact.model_dump_json() if request.contact else None,
            "consent_at": iso(now), "access_token_hash": users.hash_token(token), "created_at": iso(now),
            "updated_at": iso(now), "first_response_due": first_due, "resolution_due": resolution_due})
        for (turn, lang), outcome in zip(turns, translations):
            insert_message(desk, d, ticket_id, turn.role, None, turn.text, lang, outcome, now, origin="transcript")
        if key_hash is not None:
            desk.tickets.insert(d, "idempotency_keys", {"key_hash": key_hash, "request_hash": request_hash,
                                                        "ticket_id": ticket_id, "token_salt": salt,
                                                        "created_at": iso(now)})
        desk.tickets.event(d, ticket_id, iso(now), "migrant", "created", None, NEW)
    return desk.get(ticket_id), token, False


def active_ticket(desk: TicketService, conversation_id: str) -> dict | None:
    """The ticket that silences the bot for this conversation, if any."""
    return desk.tickets.active_for_conversation(conversation_id)


def _replay(desk: TicketService, key_hash: str, request_hash: str, key: str,
            database=None) -> tuple[dict, str, bool] | None:
    row = desk.tickets.idempotency(key_hash, database)
    if row is None:
        return None
    if row["request_hash"] != request_hash:
        raise TicketError(ErrorCode.IDEMPOTENCY_CONFLICT,
                          "This Idempotency-Key was already used for a different handoff request.")
    return desk.tickets.ticket(row["ticket_id"], database), token_from_key(row["token_salt"], key), True


def _refuse_second_ticket(desk: TicketService, conversation_id: str, database=None) -> None:
    active = desk.tickets.active_for_conversation(conversation_id, database)
    if active is not None:
        raise TicketError(ErrorCode.CONVERSATION_HAS_TICKET,
                          f"Conversation '{conversation_id}' already has ticket {active['id']} "
                          f"({active['status']}); write to it with its access token.")


def token_from_key(salt: str, key: str) -> str:
    """The migrant's token for an idempotent handoff: HMAC(salt, Idempotency-Key). Only the salt and the token's
    hash are stored, so a retry with the key gets the same token back and the database alone cannot produce it."""
    digest = hmac.new(bytes.fromhex(salt), key.encode(), hashlib.sha256).digest()
    return users.MIGRANT_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
