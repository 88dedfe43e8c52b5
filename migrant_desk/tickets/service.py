"""The ticket queue as one object: its store, settings, translator, clock and notifier, and its operations.

The operations themselves live in tickets/actions/, one module per concern (handoff, queue, status, messages,
retention); the methods here only pass the queue to them, so the HTTP routes, the CLI and the tests call one
object while each concern stays small enough to read whole.
"""

from __future__ import annotations

import datetime as dt

from ..clock import Clock, utcnow
from ..db import Store
from ..users import User
from .actions import handoff, messages, queue, retention, status
from .actions.common import not_found
from .errors import TicketError  # noqa: F401  (re-exported: callers catch the queue's refusals from here)
from .models import HandoffIn
from .notify import Notifier
from .settings import TicketSettings
from .store import TicketStore
from .translate import MessageTranslator, NoTranslator


class TicketService:
    def __init__(self, store: Store, settings: TicketSettings | None = None,
                 translator: MessageTranslator | None = None, clock: Clock = utcnow,
                 notifier: Notifier | None = None):
        self.tickets = TicketStore(store)
        self.settings = settings or TicketSettings()
        self.translator = translator or NoTranslator()
        self.clock = clock
        self.notifier = notifier or Notifier()

    def get(self, ticket_id: int) -> dict:
        ticket = self.tickets.ticket(ticket_id)
        if ticket is None:
            raise not_found(ticket_id)
        return ticket

    def now(self) -> dt.datetime:
        return self.clock()

    # handoff (actions/handoff.py)
    def handoff(self, request: HandoffIn, idempotency_key: str | None = None) -> tuple[dict, str, bool]:
        return handoff.handoff(self, request, idempotency_key)

    def active_ticket(self, conversation_id: str) -> dict | None:
        return handoff.active_ticket(self, conversation_id)

    # who holds a ticket (actions/queue.py)
    def claim_next(self, user: User) -> dict | None:
        return queue.claim_next(self, user)

    def claim(self, ticket_id: int, user: User) -> dict:
        return queue.claim(self, ticket_id, user)

    def assign(self, ticket_id: int, counselor: User, actor: User) -> dict:
        return queue.assign(self, ticket_id, counselor, actor)

    def release(self, ticket_id: int, actor: User) -> dict:
        return queue.release(self, ticket_id, actor)

    def release_all(self, user_id: int, actor: str, deactivate: bool = False) -> list[int]:
        return queue.release_all(self, user_id, actor, deactivate)

    # status and fields (actions/status.py)
    def set_status(self, ticket_id: int, target: str, actor: User) -> dict:
        return status.set_status(self, ticket_id, target, actor)

    def patch(self, ticket_id: int, changes: dict, actor: User) -> dict:
        return status.patch(self, ticket_id, changes, actor)

    # messages (actions/messages.py)
    def add_migrant_message(self, ticket_id: int, text: str, lang: str | None = None,
                            origin: str = "ticket") -> dict:
        return messages.add_migrant_message(self, ticket_id, text, lang, origin)

    def add_counselor_message(self, ticket_id: int, user: User, text: str, lang: str | None = None,
                              internal: bool = False, kb_entry_id: str | None = None) -> dict:
        return messages.add_counselor_message(self, ticket_id, user, text, lang, internal, kb_entry_id)

    @staticmethod
    def kb_answer_text(entry, lang: str) -> tuple[str, str]:
        return messages.kb_answer_text(entry, lang)

    # retention (actions/retention.py)
    def close_expired(self) -> list[int]:
        return retention.close_expired(self)

    def purge(self, closed_before: dt.date, actor: str = "cli", dry_run: bool = False) -> list[int]:
        return retention.purge(self, closed_before, actor, dry_run)
