"""What each side sees of a ticket: counselors get originals and translations side by side (and internal
notes); the migrant gets text in their language where a reliable translation exists, the original always, a
localized notice saying which, and never a note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..messages import language_name, message
from ..service import AnswerOut
from . import sla
from .lifecycle import TRANSITIONS
from .models import (
    ContactIn,
    CounselorMessageOut,
    EventOut,
    MigrantMessageOut,
    TicketOut,
    TranslationOut,
)
from .settings import TicketSettings

# entry id, language → the answer card and its notice (DeskService.answer_card), None if the entry is gone
AnswerCard = Callable[[str, str], "tuple[AnswerOut, str | None] | None"]


def ticket_out(row: dict, names: dict[int, str], spoken: set[str], now: dt.datetime) -> TicketOut:
    return TicketOut(
        id=row["id"], conversation_id=row["conversation_id"], status=row["status"], lang=row["lang"],
        language_covered=row["lang"] in spoken, priority=row["priority"], category=row["category"],
        team=row["team"], assigned_to=names.get(row["assigned_to"]) if row["assigned_to"] else None,
        contact=ContactIn.model_validate_json(row["contact"]) if row["contact"] else None,
        created_at=row["created_at"], updated_at=row["updated_at"], first_response_at=row["first_response_at"],
        first_response_due=row["first_response_due"], resolution_due=row["resolution_due"],
        sla_paused=row["paused_at"] is not None, overdue=sla.is_overdue(row, now), resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        next_statuses=[s for s in TRANSITIONS[row["status"]] if s not in ("new", "assigned")],
    )


def counselor_message_out(row: dict, names: dict[int, str]) -> CounselorMessageOut:
    translation = None
    if row["translation_status"] is not None:
        translation = TranslationOut(text=row["translation"], lang=row["translation_lang"],
                                     status=row["translation_status"], score=row["translation_score"],
                                     reason=row["translation_reason"])
    return CounselorMessageOut(
        id=row["id"], author=row["author_kind"], author_name=names.get(row["author_id"]) if row["author_id"] else None,
        internal=bool(row["internal"]), origin=row["origin"], text=row["body"], lang=row["lang"],
        translation=translation, kb_entry_id=row["kb_entry_id"], created_at=row["created_at"],
    )


def migrant_message_out(row: dict, ticket_lang: str, answer_card: AnswerCard | None = None) -> MigrantMessageOut:
    """The migrant's own words (and the bot's, already in their language) are shown as written; a counselor's
    reply is shown translated when the translation passed the gate, else as written, with a notice."""
    text, lang, translated, notice = row["body"], row["lang"], False, None
    if row["author_kind"] == "counselor" and row["lang"] != ticket_lang:
        status = row["translation_status"]
        other = language_name(row["lang"], ticket_lang)  # named in the migrant's language and script
        if status == "machine" and row["translation"]:
            text, lang, translated = row["translation"], row["translation_lang"], True
            notice = message("machine_translated", ticket_lang, source_language=other)
        elif status == "rejected":
            notice = message("translation_unreliable", ticket_lang, answer_language=other)
        else:
            notice = message("no_translation_available", ticket_lang, language=language_name(ticket_lang),
                             answer_language=other)
    card = answer_card(row["kb_entry_id"], ticket_lang) if answer_card and row["kb_entry_id"] else None
    return MigrantMessageOut(id=row["id"], author=row["author_kind"], origin=row["origin"], text=text, lang=lang,
                             original_text=row["body"], original_lang=row["lang"], translated=translated,
                             notice=notice, created_at=row["created_at"],
                             answer=card[0] if card else None, answer_notice=card[1] if card else None)


def migrant_status_message(ticket: dict, settings: TicketSettings) -> str:
    lang, status = ticket["lang"], ticket["status"]
    if status == "new":
        return message("handoff_created", lang, ticket_id=str(ticket["id"]))
    if status == "resolved":
        return message("ticket_resolved", lang, days=str(settings.reopen_window_days))
    if status == "closed":
        return message("ticket_closed", lang)
    return message("counselor_has_case", lang)


def event_out(row: dict, names: dict[int, str]) -> EventOut:
    def who(value: str | None) -> str | None:
        if value and value.startswith("user:"):
            user_id = value.removeprefix("user:")
            return names.get(int(user_id), value) if user_id.isdigit() else value
        return value

    fields = ("from_value", "to_value")
    values = {f: who(row[f]) if row["action"] in ("assigned", "released") else row[f] for f in fields}
    return EventOut(id=row["id"], ticket_id=row["ticket_id"], at=row["at"], actor=who(row["actor"]) or "",
                    action=row["action"], **values)
