"""Ticket operations: handoff, claim, reply, status changes, SLA bookkeeping, retention.

Each operation that writes runs in one BEGIN IMMEDIATE transaction and records what changed in `events`
(who, when, from, to). Translation runs before the transaction (it can take a while) and the ticket is
re-read inside it, so a status that changed meanwhile is judged on its current value.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from .. import users
from ..users import User
from ..clock import Clock, iso, parse, utcnow
from ..db import Store
from ..messages import message
from ..users import ADMIN, TICKET_ROLES
from . import lifecycle, routing, sla
from .errors import ErrorCode, TicketError
from .models import HELD_STATUSES, HandoffIn
from .notify import Notifier
from .settings import TicketSettings
from .store import TicketStore
from .translate import MessageTranslator, NoTranslator, TranslationOutcome, translate_for

MIN_IDEMPOTENCY_KEY = 16
MAX_IDEMPOTENCY_KEY = 200


class TicketService:
    def __init__(self, store: Store, settings: TicketSettings | None = None,
                 translator: MessageTranslator | None = None, clock: Clock = utcnow,
                 notifier: Notifier | None = None):
        self.tickets = TicketStore(store)
        self.settings = settings or TicketSettings()
        self.translator = translator or NoTranslator()
        self.clock = clock
        self.notifier = notifier or Notifier()

    # --- reading ----------------------------------------------------------------------------------------------

    def get(self, ticket_id: int) -> dict:
        ticket = self.tickets.ticket(ticket_id)
        if ticket is None:
            raise TicketError(ErrorCode.TICKET_NOT_FOUND, f"No ticket with id {ticket_id}.")
        return ticket

    def now(self) -> dt.datetime:
        return self.clock()

    # --- handoff ----------------------------------------------------------------------------------------------

    def handoff(self, request: HandoffIn, idempotency_key: str | None = None) -> tuple[dict, str, bool]:
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
            replay = self._replay(key_hash, request_hash, idempotency_key)
            if replay is not None:
                return replay
        if request.team is not None and not self.tickets.team_exists(request.team):
            raise TicketError(ErrorCode.UNKNOWN_TEAM, f"Field 'team': no team named '{request.team}'.")
        self._refuse_second_ticket(request.conversation_id)

        staff_lang = self.settings.staff_lang
        turns = [(turn, turn.lang or request.lang) for turn in request.transcript]
        translations = [translate_for(self.translator, t.text, lang, staff_lang) for t, lang in turns]
        now = self.now()
        salt = secrets.token_hex(16)
        token = _token_from_key(salt, idempotency_key) if idempotency_key else users.new_token(
            users.MIGRANT_TOKEN_PREFIX)
        first_due, resolution_due = sla.due_times(now, "normal", 0, self.settings)
        with self.tickets.transaction() as d:
            if key_hash is not None:  # a concurrent retry may have won the race while we translated
                replay = self._replay(key_hash, request_hash, idempotency_key, d)
                if replay is not None:
                    return replay
            self._refuse_second_ticket(request.conversation_id, d)
            ticket_id = self.tickets.insert(d, "tickets", {
                "conversation_id": request.conversation_id, "status": "new", "lang": request.lang,
                "priority": "normal", "category": request.category, "team": request.team,
                "contact": request.contact.model_dump_json() if request.contact else None,
                "consent_at": iso(now), "access_token_hash": users.hash_token(token), "created_at": iso(now),
                "updated_at": iso(now), "first_response_due": first_due, "resolution_due": resolution_due})
            for (turn, lang), outcome in zip(turns, translations):
                self._insert_message(d, ticket_id, turn.role, None, turn.text, lang, outcome, now,
                                     origin="transcript")
            if key_hash is not None:
                self.tickets.insert(d, "idempotency_keys", {"key_hash": key_hash, "request_hash": request_hash,
                                                            "ticket_id": ticket_id, "token_salt": salt,
                                                            "created_at": iso(now)})
            self.tickets.event(d, ticket_id, iso(now), "migrant", "created", None, "new")
        return self.get(ticket_id), token, False

    def _replay(self, key_hash: str, request_hash: str, key: str, database=None) -> tuple[dict, str, bool] | None:
        row = self.tickets.idempotency(key_hash, database)
        if row is None:
            return None
        if row["request_hash"] != request_hash:
            raise TicketError(ErrorCode.IDEMPOTENCY_CONFLICT,
                              "This Idempotency-Key was already used for a different handoff request.")
        return self.tickets.ticket(row["ticket_id"], database), _token_from_key(row["token_salt"], key), True

    def _refuse_second_ticket(self, conversation_id: str, database=None) -> None:
        active = self.tickets.active_for_conversation(conversation_id, database)
        if active is not None:
            raise TicketError(ErrorCode.CONVERSATION_HAS_TICKET,
                              f"Conversation '{conversation_id}' already has ticket {active['id']} "
                              f"({active['status']}); write to it with its access token.")

    def active_ticket(self, conversation_id: str) -> dict | None:
        """The ticket that silences the bot for this conversation, if any."""
        return self.tickets.active_for_conversation(conversation_id)

    # --- queue ------------------------------------------------------------------------------------------------

    def claim_next(self, user: User) -> dict | None:
        self.close_expired()
        now = self.now()
        with self.tickets.transaction() as d:
            self._check_capacity(d, user)
            ticket_id = routing.pick(d, user, self.tickets.staff(d), now,
                                     dt.timedelta(minutes=self.settings.spill_after_minutes))
            if ticket_id is None:
                return None
            self._take(d, self.tickets.ticket(ticket_id, d), user, now)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def claim(self, ticket_id: int, user: User) -> dict:
        """A counselor takes a ticket they picked from the queue (claim_next picks one for them)."""
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            if ticket["status"] != "new":
                raise TicketError(ErrorCode.NOT_IN_QUEUE, f"Ticket {ticket_id} is no longer in the queue (it is "
                                                          f"{ticket['status'].replace('_', ' ')}); reload to see who has it.")
            self._check_capacity(d, user)
            self._take(d, ticket, user, now)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def _check_capacity(self, d, user: User) -> None:
        if self.tickets.held_count(user.id, d) >= user.capacity:
            raise TicketError(ErrorCode.AT_CAPACITY, f"You hold {user.capacity} ticket(s), your capacity; resolve "
                                                     "or release one first.")

    def _take(self, d, ticket: dict, user: User, now: dt.datetime) -> None:
        """A counselor claims a queued ticket for themselves (claim_next and claim)."""
        self._move(d, ticket, "assigned", f"user:{user.id}", now, {"assigned_to": user.id, "claimed_at": iso(now)})
        self.tickets.event(d, ticket["id"], iso(now), f"user:{user.id}", "assigned", None, f"user:{user.id}")

    def assign(self, ticket_id: int, counselor: User, actor: User) -> dict:
        """An admin gives a ticket to a counselor, or moves it from one to another (capacity is theirs to judge)."""
        if not counselor.active or counselor.role not in TICKET_ROLES:
            raise TicketError(ErrorCode.NOT_A_COUNSELOR, f"'{counselor.name}' is not an active counselor.")
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            if ticket["status"] not in ("new", *HELD_STATUSES):
                raise TicketError(ErrorCode.INVALID_TRANSITION, f"Ticket {ticket_id} is {ticket['status']}; only a "
                                                                "queued or held ticket can be assigned.")
            before = ticket["assigned_to"]
            if ticket["status"] == "new":
                self._move(d, ticket, "assigned", f"user:{actor.id}", now,
                           {"assigned_to": counselor.id, "claimed_at": iso(now)})
            else:
                self.tickets.update(d, ticket_id, {"assigned_to": counselor.id, "updated_at": iso(now)})
            self.tickets.event(d, ticket_id, iso(now), f"user:{actor.id}", "assigned",
                               f"user:{before}" if before else None, f"user:{counselor.id}")
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def release(self, ticket_id: int, actor: User) -> dict:
        """Back to the queue, e.g. the counselor is going away. Keeps the messages and the SLA clock."""
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            self._require_holder(ticket, actor)
            self._release(d, ticket, f"user:{actor.id}", now)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def release_all(self, user_id: int, actor: str, deactivate: bool = False) -> list[int]:
        """Every ticket `user_id` holds goes back to the queue; with `deactivate`, the user's token stops working
        in the same transaction, so no ticket is left with a holder who is gone."""
        now = self.now()
        with self.tickets.transaction() as d:
            if deactivate:
                users.deactivate(d, user_id, iso(now))
            held = self.tickets.held_by(d, user_id)
            for ticket in held:
                self._release(d, ticket, actor, now)
        for ticket in held:
            self.notifier.notify(ticket["id"])
        return [t["id"] for t in held]

    def _release(self, d, ticket: dict, actor: str, now: dt.datetime) -> None:
        holder = ticket["assigned_to"]
        self._move(d, ticket, "new", actor, now, {"assigned_to": None, "claimed_at": None})
        self.tickets.event(d, ticket["id"], iso(now), actor, "released", f"user:{holder}", None)

    # --- status and fields --------------------------------------------------------------------------------------

    def set_status(self, ticket_id: int, target: str, actor: User) -> dict:
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            self._require_holder(ticket, actor)
            if target == "new":
                self._release(d, ticket, f"user:{actor.id}", now)
            elif target == "assigned" and ticket["status"] == "new":
                raise TicketError(ErrorCode.INVALID_TRANSITION, f"Ticket {ticket_id} is in the queue; use "
                                                                "claim-next or assign to give it to someone.")
            else:
                self._move(d, ticket, target, f"user:{actor.id}", now)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def patch(self, ticket_id: int, changes: dict, actor: User) -> dict:
        """Priority, category, team. A priority change moves both SLA due times."""
        now = self.now()
        if changes.get("team") is not None and not self.tickets.team_exists(changes["team"]):
            raise TicketError(ErrorCode.UNKNOWN_TEAM, f"Field 'team': no team named '{changes['team']}'.")
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            if ticket["status"] != "new":
                self._require_holder(ticket, actor)
            updates = {k: v for k, v in changes.items() if v is not None and v != ticket[k]}
            if "priority" in updates:
                first, resolution = sla.due_times(parse(ticket["created_at"]), updates["priority"],
                                                  ticket["paused_seconds"], self.settings)
                self.tickets.update(d, ticket_id, {"first_response_due": first, "resolution_due": resolution})
            for field, value in updates.items():
                self.tickets.event(d, ticket_id, iso(now), f"user:{actor.id}", field, ticket[field], value)
            if updates:
                self.tickets.update(d, ticket_id, {**updates, "updated_at": iso(now)})
        return self.get(ticket_id)

    def close_expired(self) -> list[int]:
        """Resolved tickets whose reopen window has passed become closed (the system does it, on the next
        claim or listing, and before a purge)."""
        now = self.now()
        cutoff = iso(now - dt.timedelta(days=self.settings.reopen_window_days))
        if not self.tickets.resolved_before(cutoff, limit=1):
            return []
        with self.tickets.transaction() as d:
            expired = self.tickets.resolved_before(cutoff, d)
            for ticket in expired:
                self._move(d, ticket, "closed", "system", now)
        return [t["id"] for t in expired]

    # --- messages ---------------------------------------------------------------------------------------------

    def add_migrant_message(self, ticket_id: int, text: str, lang: str | None = None,
                            origin: str = "ticket") -> dict:
        ticket = self.get(ticket_id)
        lang = lang or ticket["lang"]
        if ticket["status"] == "closed":
            raise self._closed_error(ticket)
        outcome = translate_for(self.translator, text, lang, self._staff_target(ticket))
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            try:
                target = lifecycle.after_migrant_message(
                    ticket_id, ticket["status"], parse(ticket["resolved_at"]) if ticket["resolved_at"] else None,
                    now, dt.timedelta(days=self.settings.reopen_window_days))
            except lifecycle.InvalidTransition:
                target = "closed"
            if target == "closed":
                if ticket["status"] != "closed":
                    self._move(d, ticket, "closed", "system", now)
                closed = True
            else:
                closed = False
                if target == "open" and ticket["status"] == "resolved" and not self._holder_active(d, ticket):
                    self._move(d, ticket, "open", "migrant", now)  # reopened...
                    self._release(d, self._current(d, ticket_id), "system", now)  # ...for someone else
                elif target != ticket["status"]:
                    self._move(d, ticket, target, "migrant", now)
                message_id = self._insert_message(d, ticket_id, "migrant", None, text, lang, outcome, now, origin)
                self.tickets.event(d, ticket_id, iso(now), "migrant", "message", None, message_id)
        if closed:  # committed the close above; now refuse the message
            raise self._closed_error(ticket)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def add_counselor_message(self, ticket_id: int, user: User, text: str, lang: str | None = None,
                              internal: bool = False, kb_entry_id: str | None = None) -> dict:
        """A reply (translated into the migrant's language) or an internal note (never shown to the migrant)."""
        ticket = self.get(ticket_id)
        lang = lang or (user.languages[0] if user.languages else self.settings.staff_lang)
        if not internal:
            self._require_holder(ticket, user)
            lifecycle.after_counselor_reply(ticket_id, ticket["status"])
        outcome = None if internal else translate_for(self.translator, text, lang, ticket["lang"])
        now = self.now()
        with self.tickets.transaction() as d:
            ticket = self._current(d, ticket_id)
            if not internal:
                self._require_holder(ticket, user)
                target = lifecycle.after_counselor_reply(ticket_id, ticket["status"])
                if ticket["first_response_at"] is None:
                    self.tickets.update(d, ticket_id, {"first_response_at": iso(now)})
                if target != ticket["status"]:
                    self._move(d, ticket, target, f"user:{user.id}", now)
            message_id = self._insert_message(d, ticket_id, "counselor", user.id, text, lang, outcome, now,
                                              "kb" if kb_entry_id else "ticket", internal, kb_entry_id)
            self.tickets.event(d, ticket_id, iso(now), f"user:{user.id}", "note" if internal else "message",
                               None, message_id)
        self.notifier.notify(ticket_id)
        return self.get(ticket_id)

    def kb_answer_text(self, entry, lang: str) -> tuple[str, str]:
        """A knowledge-base answer as a reply: the human-written variant nearest the migrant's language, with its
        source and contact lines labelled in that variant's language. Returns (text, its language)."""
        from ..service import pick_variant

        code, variant = pick_variant(entry, lang)
        lines = [variant.answer, "", f"{message('source_label', code)}: {entry.source.title} <{entry.source.url}>"]
        if entry.contact:
            reach = " ".join(str(x) for x in (entry.contact.phone, entry.contact.url) if x)
            lines.append(f"{message('contact_label', code)}: {entry.contact.agency} {reach}".rstrip())
        return "\n".join(lines), code

    def _insert_message(self, d, ticket_id: int, author: str, author_id: int | None, text: str, lang: str,
                        outcome: TranslationOutcome | None, now: dt.datetime, origin: str, internal: bool = False,
                        kb_entry_id: str | None = None) -> int:
        values = {"ticket_id": ticket_id, "author_kind": author, "author_id": author_id, "internal": int(internal),
                  "origin": origin, "body": text, "lang": lang, "kb_entry_id": kb_entry_id, "created_at": iso(now)}
        if outcome is not None:
            values.update({"translation": outcome.text, "translation_lang": outcome.target_lang,
                           "translation_status": outcome.status, "translation_score": outcome.score,
                           "translation_reason": outcome.reason})
        return self.tickets.insert(d, "messages", values)

    def _staff_target(self, ticket: dict) -> str:
        """Migrant-side text is translated into the desk's working language, or into the holder's first language
        when they do not read the working language."""
        staff_lang = self.settings.staff_lang
        if ticket["assigned_to"] is not None:
            holder = users.get_user(self.tickets.db, ticket["assigned_to"])
            if holder.languages and staff_lang not in holder.languages:
                return holder.languages[0]
        return staff_lang

    def _closed_error(self, ticket: dict) -> TicketError:
        return TicketError(ErrorCode.TICKET_CLOSED, message("ticket_closed", ticket["lang"]))

    # --- retention --------------------------------------------------------------------------------------------

    def purge(self, closed_before: dt.date, actor: str = "cli", dry_run: bool = False) -> list[int]:
        """Deletes closed tickets (closed before the date, UTC) with their messages, contact details and audit
        trail, leaving one anonymous line per ticket: its id, the day it closed, how many messages went."""
        self.close_expired()
        cutoff = iso(dt.datetime.combine(closed_before, dt.time(), tzinfo=dt.timezone.utc))
        now = self.now()
        with self.tickets.transaction() as d:
            doomed = self.tickets.closed_before(d, cutoff)
            if dry_run:
                return [t["id"] for t in doomed]
            for ticket in doomed:
                count = self.tickets.message_count(ticket["id"], d)
                self.tickets.delete(d, ticket["id"])
                self.tickets.event(d, ticket["id"], iso(now), actor, "purged", f"closed {ticket['closed_at'][:10]}",
                                   f"{count} messages deleted")
        return [t["id"] for t in doomed]

    # --- helpers ----------------------------------------------------------------------------------------------

    def _current(self, d, ticket_id: int) -> dict:
        ticket = self.tickets.ticket(ticket_id, d)
        if ticket is None:
            raise TicketError(ErrorCode.TICKET_NOT_FOUND, f"No ticket with id {ticket_id}.")
        return ticket

    @staticmethod
    def _require_holder(ticket: dict, user: User) -> None:
        if user.role != ADMIN and ticket["assigned_to"] != user.id:
            raise TicketError(ErrorCode.NOT_YOUR_TICKET, f"Ticket {ticket['id']} is not assigned to you; claim it, or "
                                                         "ask an admin to assign it.")

    def _holder_active(self, d, ticket: dict) -> bool:
        return ticket["assigned_to"] is not None and users.is_active(d, ticket["assigned_to"])

    def _move(self, d, ticket: dict, target: str, actor: str, now: dt.datetime, extra: dict | None = None) -> None:
        """One status change: checked against the lifecycle, the SLA clock paused or resumed, an event written."""
        lifecycle.check(ticket["id"], ticket["status"], target)
        updates = {"status": target, "updated_at": iso(now), **sla.pause_changes(ticket, target, now, self.settings),
                   **(extra or {})}
        if target == "resolved":
            updates["resolved_at"] = iso(now)
        elif target == "closed":
            updates["closed_at"] = iso(now)
        elif ticket["status"] == "resolved":
            updates["resolved_at"] = None  # reopened
        self.tickets.update(d, ticket["id"], updates)
        self.tickets.event(d, ticket["id"], iso(now), actor, "status", ticket["status"], target)
        ticket.update(updates)


def _token_from_key(salt: str, key: str) -> str:
    """The migrant's token for an idempotent handoff: HMAC(salt, Idempotency-Key). Only the salt and the token's
    hash are stored, so a retry with the key gets the same token back and the database alone cannot produce it."""
    digest = hmac.new(bytes.fromhex(salt), key.encode(), hashlib.sha256).digest()
    return users.MIGRANT_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
