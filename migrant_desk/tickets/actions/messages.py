"""Messages on a ticket: the migrant's (which may reopen, or close, the ticket), the counselor's replies and
internal notes, and a knowledge-base answer turned into a reply. Each is stored with its translation for the
other side (or why there is none)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ... import users
from ...clock import iso, parse
from ...messages import message
from ...users import User
from .. import lifecycle
from ..models import CLOSED, OPEN, RESOLVED
from ..translate import TranslationOutcome, translate_for
from .common import back_to_queue, closed_error, current, move, require_holder

if TYPE_CHECKING:
    from ..service import TicketService


def add_migrant_message(desk: TicketService, ticket_id: int, text: str, lang: str | None = None,
                        origin: str = "ticket") -> dict:
    ticket = desk.get(ticket_id)
    lang = lang or ticket["lang"]
    if ticket["status"] == CLOSED:
        raise closed_error(ticket)
    outcome = translate_for(desk.translator, text, lang, _staff_target(desk, ticket))
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        try:
            target = lifecycle.after_migrant_message(
                ticket_id, ticket["status"], parse(ticket["resolved_at"]) if ticket["resolved_at"] else None,
                now, dt.timedelta(days=desk.settings.reopen_window_days))
        except lifecycle.InvalidTransition:
            target = CLOSED
        if target == CLOSED:
            if ticket["status"] != CLOSED:
                move(desk, d, ticket, CLOSED, "system", now)
            closed = True
        else:
            closed = False
            holder_active = ticket["assigned_to"] is not None and users.is_active(d, ticket["assigned_to"])
            if target == OPEN and ticket["status"] == RESOLVED and not holder_active:
                move(desk, d, ticket, OPEN, "migrant", now)  # reopened...
                back_to_queue(desk, d, current(desk, d, ticket_id), "system", now)  # ...for someone else
            elif target != ticket["status"]:
                move(desk, d, ticket, target, "migrant", now)
            message_id = insert_message(desk, d, ticket_id, "migrant", None, text, lang, outcome, now, origin)
            desk.tickets.event(d, ticket_id, iso(now), "migrant", "message", None, message_id)
    if closed:  # committed the close above; now refuse the message
        raise closed_error(ticket)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def add_counselor_message(desk: TicketService, ticket_id: int, user: User, text: str, lang: str | None = None,
                          internal: bool = False, kb_entry_id: str | None = None) -> dict:
    """A reply (translated into the migrant's language) or an internal note (never shown to the migrant)."""
    ticket = desk.get(ticket_id)
    lang = lang or (user.languages[0] if user.languages else desk.settings.staff_lang)
    if not internal:
        require_holder(ticket, user)
        lifecycle.after_counselor_reply(ticket_id, ticket["status"])
    outcome = None if internal else translate_for(desk.translator, text, lang, ticket["lang"])
    now = desk.now()
    with desk.tickets.transaction() as d:
        ticket = current(desk, d, ticket_id)
        if not internal:
            require_holder(ticket, user)
            target = lifecycle.after_counselor_reply(ticket_id, ticket["status"])
            if ticket["first_response_at"] is None:
                desk.tickets.update(d, ticket_id, {"first_response_at": iso(now)})
            if target != ticket["status"]:
                move(desk, d, ticket, target, f"user:{user.id}", now)
        message_id = insert_message(desk, d, ticket_id, "counselor", user.id, text, lang, outcome, now,
                                    "kb" if kb_entry_id else "ticket", internal, kb_entry_id)
        desk.tickets.event(d, ticket_id, iso(now), f"user:{user.id}", "note" if internal else "message",
                           None, message_id)
    desk.notifier.notify(ticket_id)
    return desk.get(ticket_id)


def kb_answer_text(entry, lang: str) -> tuple[str, str]:
    """A knowledge-base answer as a reply: the human-written variant nearest the migrant's language, with its
    source and contact lines labelled in that variant's language. Returns (text, its language)."""
    from ...service import pick_variant

    code, variant = pick_variant(entry, lang)
    lines = [variant.answer, "", f"{message('source_label', code)}: {entry.source.title} <{entry.source.url}>"]
    if entry.contact:
        reach = " ".join(str(x) for x in (entry.contact.phone, entry.contact.url) if x)
        lines.append(f"{message('contact_label', code)}: {entry.contact.agency} {reach}".rstrip())
    return "\n".join(lines), code


def insert_message(desk: TicketService, d, ticket_id: int, author: str, author_id: int | None, text: str,
                   lang: str, outcome: TranslationOutcome | None, now: dt.datetime, origin: str,
                   internal: bool = False, kb_entry_id: str | None = None) -> int:
    values = {"ticket_id": ticket_id, "author_kind": author, "author_id": author_id, "internal": int(internal),
              "origin": origin, "body": text, "lang": lang, "kb_entry_id": kb_entry_id, "created_at": iso(now)}
    if outcome is not None:
        values.update({"translation": outcome.text, "translation_lang": outcome.target_lang,
                       "translation_status": outcome.status, "translation_score": outcome.score,
                       "translation_reason": outcome.reason})
    return desk.tickets.insert(d, "messages", values)


def _staff_target(desk: TicketService, ticket: dict) -> str:
    """Migrant-side text is translated into the desk's working language, or into the holder's first language
    when they do not read the working language."""
    staff_lang = desk.settings.staff_lang
    if ticket["assigned_to"] is not None:
        holder = users.get_user(desk.tickets.db, ticket["assigned_to"])
        if holder.languages and staff_lang not in holder.languages:
            return holder.languages[0]
    return staff_lang
