"""`migrant-desk users ...` and `migrant-desk tickets purge` as a user runs them (a real process each)."""

import datetime as dt
import hashlib

from migrant_desk import auth
from migrant_desk.db import Store
from tests.test_cli import run
from tests.ticket_helpers import add_user, database_text, make_service, open_ticket


def users(db, *args):
    return run("users", *args, "--db", str(db), timeout=120)


def test_users_add_prints_the_token_once_and_stores_its_hash(database_url):
    db = database_url
    r = users(db, "add", "minh", "--role", "counselor", "--languages", "vi,ko", "--teams", "labor,visa",
              "--capacity", "3")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert token.startswith("mds_") and len(r.stdout.splitlines()) == 1 and "shown once" in r.stderr
    store = Store(db)
    user = auth.find_user(store.db, "minh")
    assert (user.role, user.languages, user.teams, user.capacity) == ("counselor", ("vi", "ko"),
                                                                       ("labor", "visa"), 3)
    row = store.db.execute("SELECT token_hash FROM users WHERE name = 'minh'").fetchone()[0]
    assert row == hashlib.sha256(token.encode()).hexdigest()
    assert token not in database_text(store.db)
    assert {r["name"] for r in store.db.query("SELECT name FROM teams")} == {"labor", "visa"}
    listed = users(db, "list")
    assert "minh\tcounselor\tvi,ko\tlabor,visa\tcapacity 3\t0 held\tactive" in listed.stdout
    rotated = users(db, "token", "minh")
    assert rotated.returncode == 0 and rotated.stdout.strip() != token
    assert auth.authenticate(store.db, token) is None and auth.authenticate(store.db, rotated.stdout.strip())


def test_users_add_refuses_bad_input_naming_the_field(database_url):
    db = database_url
    r = users(db, "add", "x", "--role", "counselor", "--languages", "vi,xx")
    assert r.returncode == 2 and "languages: unknown code(s) xx" in r.stderr
    r = users(db, "add", "x", "--role", "counselor")
    assert r.returncode == 2 and "languages: a counselor needs at least one language" in r.stderr
    r = users(db, "add", "x", "--role", "boss", "--languages", "ko")
    assert r.returncode == 2 and "--role" in r.stderr
    assert users(db, "add", "x", "--role", "editor").returncode == 0
    r = users(db, "add", "x", "--role", "editor")
    assert r.returncode == 2 and "name 'x': a user with this name exists" in r.stderr


def test_users_deactivate_returns_their_tickets_to_the_queue(database_url):
    service = make_service(database_url)
    kim, token = add_user(service, "kim", languages=("vi",))
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    r = users(database_url, "deactivate", "kim")
    assert r.returncode == 0 and f"1 ticket(s) returned to the queue: {ticket['id']}" in r.stdout
    assert service.get(ticket["id"])["status"] == "new" and auth.authenticate(service.tickets.db, token) is None


def test_purge_deletes_old_closed_tickets_and_leaves_an_anonymous_line(database_url):
    service = make_service(database_url)
    kim, _ = add_user(service, "kim", languages=("vi",), capacity=10)
    old, _ = open_ticket(service, "old", contact={"name": "Nguyen Van A", "phone": "010-1234-5678"},
                         transcript=[{"role": "migrant", "text": "Chủ nhà không trả tiền cọc."}])
    still_open, _ = open_ticket(service, "open")
    for t in (old, still_open):
        service.assign(t["id"], kim, kim)
    service.add_counselor_message(old["id"], kim, "Bạn hãy gọi 1345.", "vi")
    service.set_status(old["id"], "resolved", kim)
    service.set_status(old["id"], "closed", kim)
    service.clock.advance(days=20)  # 2026-11-22
    recent, _ = open_ticket(service, "recent")
    service.assign(recent["id"], kim, kim)
    service.set_status(recent["id"], "resolved", kim)
    service.set_status(recent["id"], "closed", kim)
    db = database_url

    dry = run("tickets", "purge", "--closed-before", "2026-11-10", "--dry-run", "--db", db)
    assert dry.returncode == 0
    assert f"would delete 1 closed ticket(s) closed before 2026-11-10: {old['id']}" in dry.stdout
    assert service.tickets.ticket(old["id"]) is not None

    r = run("tickets", "purge", "--closed-before", "2026-11-10", "--db", db)
    assert r.returncode == 0, r.stderr
    assert f"deleted 1 closed ticket(s) closed before 2026-11-10: {old['id']}" in r.stdout
    assert service.tickets.ticket(old["id"]) is None and service.tickets.messages(old["id"]) == []
    trail = service.tickets.events(old["id"])
    assert [(e["actor"], e["action"], e["from_value"], e["to_value"]) for e in trail] == [
        ("cli", "purged", "closed 2026-11-02", "2 messages deleted")]
    dump = database_text(service.tickets.db)
    assert "Nguyen Van A" not in dump and "010-1234-5678" not in dump and "tiền cọc" not in dump
    assert service.get(still_open["id"])["status"] == "assigned" and service.get(recent["id"])["status"] == "closed"
    # ids are never reused after a purge
    newer, _ = open_ticket(service, "after-purge")
    assert newer["id"] > recent["id"]


def test_purge_refuses_a_bad_date(tmp_path):
    r = run("tickets", "purge", "--closed-before", "last week", "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "--closed-before 'last week': use a date like 2026-01-31" in r.stderr


def test_purge_first_closes_resolved_tickets_past_the_reopen_window(database_url):
    service = make_service(database_url, reopen_window_days=7)
    kim, _ = add_user(service, "kim", languages=("vi",))
    ticket, _ = open_ticket(service, "c1")
    service.claim_next(kim)
    service.set_status(ticket["id"], "resolved", kim)
    service.clock.advance(days=30)  # 2026-12-02 09:00; the window ended on 2026-11-09
    assert service.purge(dt.date(2026, 12, 2)) == []  # the purge run closes it now, so it closed on 12-02
    assert service.get(ticket["id"])["status"] == "closed"
    assert service.get(ticket["id"])["closed_at"].startswith("2026-12-02")
    assert service.purge(dt.date(2026, 12, 3)) == [ticket["id"]]
