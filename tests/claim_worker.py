"""A process that plays one counselor racing others for tickets (used by test_ticket_concurrency.py).

Lives in its own module so `spawn` can import it without importing the test module (or the embedding model).
A refused claim is reported, not raised, and a crash breaks the barriers, so a broken claim fails the test
quickly instead of hanging it.
"""

from __future__ import annotations


def race(database_url: str, user_name: str, rounds: int, start, done, results) -> None:
    from migrant_desk import auth
    from migrant_desk.db import Store
    from migrant_desk.tickets.service import TicketError, TicketService

    claimed, errors = [], []
    try:
        service = TicketService(Store(database_url))
        user = auth.find_user(service.tickets.db, user_name)
        for round_no in range(rounds):
            start.wait()  # the parent has queued this round's tickets
            while True:
                try:
                    ticket = service.claim_next(user)
                except TicketError as exc:
                    errors.append(f"round {round_no}: {exc.code}: {exc.message}")
                    break
                if ticket is None:
                    break
                claimed.append((round_no, ticket["id"]))
            done.wait()
    except BaseException as exc:
        errors.append(f"crashed: {exc!r}")
        start.abort()
        done.abort()
    finally:
        results.put((user_name, claimed, errors))
