"""Concurrent claims from parallel processes, many rounds: every ticket goes to exactly one counselor, on SQLite
(BEGIN IMMEDIATE) and on PostgreSQL (the write lock and FOR UPDATE SKIP LOCKED, pg.py)."""

import multiprocessing
from collections import Counter

from tests.claim_worker import race
from tests.ticket_helpers import add_user, make_service, open_ticket

WORKERS = 4
ROUNDS = 25
TICKETS_PER_ROUND = 12


def test_no_ticket_goes_to_two_counselors(database_url):
    service = make_service(database_url)
    names = [f"counselor-{i}" for i in range(WORKERS)]
    for name in names:
        add_user(service, name, languages=("vi",), capacity=ROUNDS * TICKETS_PER_ROUND)
    ctx = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads (torch) and connections
    start, done = ctx.Barrier(WORKERS + 1, timeout=120), ctx.Barrier(WORKERS + 1, timeout=120)
    results = ctx.Queue()
    workers = [ctx.Process(target=race, args=(database_url, name, ROUNDS, start, done, results))
               for name in names]
    for w in workers:
        w.start()
    queued = []
    try:
        for round_no in range(ROUNDS):
            for i in range(TICKETS_PER_ROUND):
                ticket, _ = open_ticket(service, f"r{round_no}-{i}")
                queued.append(ticket["id"])
            start.wait()
            done.wait()
    finally:
        reports = [results.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(timeout=60)
    assert all(w.exitcode == 0 for w in workers)
    assert [e for _, _, errors in reports for e in errors] == []
    by_worker = {name: got for name, got, _ in reports}

    claims = [(name, ticket_id) for name, got in by_worker.items() for _, ticket_id in got]
    counts = Counter(ticket_id for _, ticket_id in claims)
    assert sorted(counts) == sorted(queued)  # every ticket was claimed...
    assert max(counts.values()) == 1  # ...by exactly one counselor
    assert sum(1 for got in by_worker.values() if got) >= 2  # the claims really raced
    ids = {name: service.tickets.db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()[0]
           for name in names}
    for name, ticket_id in claims:  # the database agrees with what each process was told
        ticket = service.get(ticket_id)
        assert ticket["status"] == "assigned" and ticket["assigned_to"] == ids[name]
    assigned_events = Counter(e["ticket_id"] for e in service.tickets.db.query(
        "SELECT ticket_id FROM events WHERE action = 'assigned'"))
    assert set(assigned_events.values()) == {1} and len(assigned_events) == len(queued)
