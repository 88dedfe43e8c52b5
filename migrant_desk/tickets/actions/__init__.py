"""What can happen to a ticket, one module per concern (the shape of Zulip's zerver/actions): plain functions
that take the queue (`TicketService`: its store, settings, translator, clock and notifier) as their first
argument.

  handoff.py    a migrant hands the conversation over (consent, Idempotency-Key, the bot transcript)
  queue.py      claim-next, claim, assign, release, release everything a counselor holds
  status.py     status changes and field edits (priority moves the SLA due times)
  messages.py   the migrant's and the counselor's messages, notes, knowledge-base answers as replies
  retention.py  closing resolved tickets after the reopen window, purging closed ones
  common.py     the steps they share: read the ticket inside the transaction, move it, check the holder

Each action that writes runs in one BEGIN IMMEDIATE transaction and records what changed in `events` (who, when,
from, to). Translation runs before the transaction (it can take a while) and the ticket is re-read inside it, so
a status that changed meanwhile is judged on its current value.
"""
